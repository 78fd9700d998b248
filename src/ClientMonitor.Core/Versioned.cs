namespace ClientMonitor.Core;

/// <summary>A stored value with the ETag of the row it came from.</summary>
public sealed record Versioned<T>(T Value, string ETag);

/// <summary>How a conditional write ended.</summary>
public enum WriteResult
{
    Done,
    NotFound,

    /// <summary>The row changed since it was read (the ETag no longer matches).</summary>
    Stale,

    /// <summary>A create found a row with the same id.</summary>
    Exists,
}

/// <summary>Rows of one business read and written with ETags, so that concurrent edits are detected rather than lost.</summary>
public interface IVersionedStore<T>
{
    Task<Versioned<T>?> GetVersionedAsync(string businessId, string id, CancellationToken cancellationToken);

    /// <summary>Inserts a new row: <c>Exists</c> when the id is taken.</summary>
    Task<(WriteResult Result, string? ETag)> CreateAsync(T value, CancellationToken cancellationToken);

    /// <summary>Replaces the row if it still has <paramref name="etag"/>: <c>Stale</c> if it changed, <c>NotFound</c> if it is gone.</summary>
    Task<(WriteResult Result, string? ETag)> ReplaceAsync(T value, string etag, CancellationToken cancellationToken);

    /// <summary>Deletes the row; with an ETag only if the row still has it (<c>Stale</c> otherwise). Deleting a missing row is <c>Done</c>.</summary>
    Task<WriteResult> DeleteAsync(string businessId, string id, string? etag, CancellationToken cancellationToken);
}
