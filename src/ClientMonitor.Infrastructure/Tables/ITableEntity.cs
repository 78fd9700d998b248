using Azure;

namespace ClientMonitor.Infrastructure.Tables;

/// <summary>
/// A row of a table. Public properties with a getter and a setter are stored; supported types are string, bool,
/// int, long, double, <see cref="DateTimeOffset"/> (stored as UTC <c>Edm.DateTime</c>), <see cref="Guid"/>,
/// <c>byte[]</c>, enums (stored by name) and the nullable forms of these. A null property is not written:
/// under a replace it disappears from the row, under a merge the stored value stays.
/// </summary>
public interface ITableEntity
{
    string PartitionKey { get; set; }

    string RowKey { get; set; }

    /// <summary>The service's version stamp, set on reads and used by conditional writes.</summary>
    ETag ETag { get; set; }

    /// <summary>The service's last-modified time; set on reads, never written.</summary>
    DateTimeOffset? Timestamp { get; set; }
}
