using Azure;
using Azure.Data.Tables;
using ClientMonitor.Core;

namespace ClientMonitor.Infrastructure.Storage;

/// <summary>
/// One table of business-partitioned rows (PK business id, RK the value's id) with ETag-checked writes: the shared
/// implementation behind <see cref="IVersionedStore{T}"/> for schedules, clients, users and preferences.
/// </summary>
internal sealed class VersionedTable<T, TEntity>(TableClient table, Func<T, TEntity> toEntity, Func<TEntity, T> fromEntity) : IVersionedStore<T>
    where TEntity : class, ITableEntity
{
    public async Task<Versioned<T>?> GetVersionedAsync(string businessId, string id, CancellationToken cancellationToken)
    {
        var row = await table.GetOrNullAsync<TEntity>(businessId, id, cancellationToken).ConfigureAwait(false);
        return row is null ? null : new Versioned<T>(fromEntity(row), row.ETag.ToString());
    }

    public async Task<IReadOnlyList<Versioned<T>>> ListAsync(string businessId, CancellationToken cancellationToken)
    {
        var rows = new List<Versioned<T>>();
        await foreach (var row in table.QueryAsync<TEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {businessId}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new Versioned<T>(fromEntity(row), row.ETag.ToString()));
        }

        return rows;
    }

    public async Task<(WriteResult Result, string? ETag)> CreateAsync(T value, CancellationToken cancellationToken)
    {
        try
        {
            var response = await table.AddEntityAsync(toEntity(value), cancellationToken).ConfigureAwait(false);
            return (WriteResult.Done, response.Headers.ETag?.ToString());
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return (WriteResult.Exists, null);
        }
    }

    public async Task<(WriteResult Result, string? ETag)> ReplaceAsync(T value, string etag, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(etag);
        try
        {
            var updated = await table.ReplaceIfMatchAsync(toEntity(value), new ETag(etag), cancellationToken).ConfigureAwait(false);
            return (WriteResult.Done, updated.ToString());
        }
        catch (RequestFailedException ex) when (ex.Status == TableStoreSupport.PreconditionFailed)
        {
            return (WriteResult.Stale, null);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return (WriteResult.NotFound, null);
        }
    }

    public async Task<WriteResult> DeleteAsync(string businessId, string id, string? etag, CancellationToken cancellationToken)
    {
        try
        {
            await table.DeleteEntityAsync(businessId, id, etag is null ? ETag.All : new ETag(etag), cancellationToken).ConfigureAwait(false);
            return WriteResult.Done;
        }
        catch (RequestFailedException ex) when (ex.Status == TableStoreSupport.PreconditionFailed)
        {
            return WriteResult.Stale;
        }
    }
}

/// <summary>A row that keeps its whole value as one JSON column (the wire shape), for values read and written whole.</summary>
internal sealed class JsonRowEntity : TableRow
{
    public string Json { get; set; } = "{}";
}
