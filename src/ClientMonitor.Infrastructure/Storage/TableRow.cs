using Azure;
using Azure.Data.Tables;

namespace ClientMonitor.Infrastructure.Storage;

/// <summary>
/// The key and version properties every stored row has; typed rows derive from it and are mapped by
/// Azure.Data.Tables. Property names are the stored column names (the names the rows had before the move to the SDK,
/// so existing data stays readable). Enums are stored by name; a null property is not written.
/// </summary>
public abstract class TableRow : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    /// <summary>The service's version stamp, set on reads and used by conditional writes.</summary>
    public ETag ETag { get; set; }

    /// <summary>The service's last-modified time; set on reads, never written.</summary>
    public DateTimeOffset? Timestamp { get; set; }
}
