using Azure;

namespace ClientMonitor.Infrastructure.Tables;

/// <summary>The key and version properties every stored row has; derive entity classes from it.</summary>
public abstract class TableEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public ETag ETag { get; set; }

    public DateTimeOffset? Timestamp { get; set; }
}
