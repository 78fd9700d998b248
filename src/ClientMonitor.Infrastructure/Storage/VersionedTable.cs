using Azure;
using Azure.Data.Tables;
using ClientMonitor.Core;

namespace ClientMonitor.Infrastructure.Storage;

/// <summary>
/// One table of business-partitioned rows (PK business id, RK the value's id) with ETag-checked writes: the shared
/// implementation behind <see cref="IVersionedStore{T}"/> for schedules, clients, users and preferences.
/// With <paramref name="listRows"/>, every write also writes the value's list rows (copies keyed in a list's order,
/// row keys starting with <see cref="ListRowPrefix"/>) in the same transaction: one request, never half written.
/// With <paramref name="listKeysChange"/> (a list ordered by a field that can change, such as a name), a replace or
/// upsert first reads the stored row, so the same transaction deletes the list rows whose keys the change moved.
/// </summary>
internal sealed class VersionedTable<T, TEntity>(
    TableClient table, Func<T, TEntity> toEntity, Func<TEntity, T> fromEntity, Func<TEntity, IEnumerable<TEntity>>? listRows = null, bool listKeysChange = false)
    : IVersionedStore<T>
    where TEntity : class, ITableEntity
{
    /// <summary>Where list rows start: after every id (ids are letters, digits and punctuation below <c>~</c>).</summary>
    public const string ListRowPrefix = "~";

    public async Task<Versioned<T>?> GetVersionedAsync(string businessId, string id, CancellationToken cancellationToken)
    {
        if (listRows is not null && id.StartsWith(ListRowPrefix, StringComparison.Ordinal))
        {
            return null; // a list row's key is no value's id
        }

        var row = await table.GetOrNullAsync<TEntity>(businessId, id, cancellationToken).ConfigureAwait(false);
        return row is null ? null : new Versioned<T>(fromEntity(row), row.ETag.ToString());
    }

    public async Task<IReadOnlyList<Versioned<T>>> ListAsync(string businessId, CancellationToken cancellationToken)
    {
        var rows = new List<Versioned<T>>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {businessId}") + (listRows is null ? string.Empty : TableClient.CreateQueryFilter($" and RowKey lt {ListRowPrefix}"));
        await foreach (var row in table.QueryAsync<TEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new Versioned<T>(fromEntity(row), row.ETag.ToString()));
        }

        return rows;
    }

    public async Task<(WriteResult Result, string? ETag)> CreateAsync(T value, CancellationToken cancellationToken)
    {
        try
        {
            var entity = toEntity(value);
            if (listRows is not null)
            {
                return (WriteResult.Done, await SubmitAsync(new TableTransactionAction(TableTransactionActionType.Add, entity), entity, null, cancellationToken).ConfigureAwait(false));
            }

            var response = await table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
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
            var entity = toEntity(value);
            if (listRows is not null)
            {
                TEntity? stored = null;
                if (listKeysChange)
                {
                    stored = await table.GetOrNullAsync<TEntity>(entity.PartitionKey, entity.RowKey, cancellationToken).ConfigureAwait(false);
                    if (stored is null)
                    {
                        return (WriteResult.NotFound, null);
                    }

                    if (stored.ETag != new ETag(etag))
                    {
                        return (WriteResult.Stale, null);
                    }
                }

                return (WriteResult.Done, await SubmitAsync(new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, new ETag(etag)), entity, stored, cancellationToken).ConfigureAwait(false));
            }

            var updated = await table.ReplaceIfMatchAsync(entity, new ETag(etag), cancellationToken).ConfigureAwait(false);
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
        if (listRows is not null && await table.GetOrNullAsync<TEntity>(businessId, id, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            try
            {
                await table.SubmitTransactionAsync(
                    [
                        new TableTransactionAction(TableTransactionActionType.Delete, stored, etag is null ? ETag.All : new ETag(etag)),
                        .. listRows(stored).Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)),
                    ],
                    cancellationToken).ConfigureAwait(false);
                return WriteResult.Done;
            }
            catch (TableTransactionFailedException ex) when (ex.Status == TableStoreSupport.PreconditionFailed)
            {
                return WriteResult.Stale;
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 404)
            {
                // A row stored before it had list rows: only the row itself goes.
            }
        }

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

    /// <summary>
    /// An upgrade step (<c>migrate-lists</c>): gives the rows stored before they had list rows (<paramref name="unlisted"/>)
    /// theirs, each by a replace checked against the ETag read, so a row changed meanwhile keeps that change (which
    /// wrote its list rows). Returns how many it wrote.
    /// </summary>
    public async Task<int> AddMissingListRowsAsync(Func<TEntity, bool> unlisted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unlisted);
        var written = 0;
        await foreach (var row in table.QueryAsync<TEntity>(TableClient.CreateQueryFilter($"RowKey lt {ListRowPrefix}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (unlisted(row) && (await ReplaceAsync(fromEntity(row), row.ETag.ToString(), cancellationToken).ConfigureAwait(false)).Result == WriteResult.Done)
            {
                written++;
            }
        }

        return written;
    }

    /// <summary>
    /// Writes the value whether or not it is stored, list rows included. When list keys change, the write is
    /// conditional on the row as read (added if absent, replaced if unchanged), and read again (up to 20 times) if
    /// another write came between, so a concurrent change never leaves a list row behind.
    /// </summary>
    public async Task UpsertAsync(T value, CancellationToken cancellationToken)
    {
        var entity = toEntity(value);
        if (listRows is null)
        {
            await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!listKeysChange)
        {
            await SubmitAsync(new TableTransactionAction(TableTransactionActionType.UpsertReplace, entity), entity, null, cancellationToken).ConfigureAwait(false);
            return;
        }

        for (var attempt = 1; ; attempt++)
        {
            var stored = await table.GetOrNullAsync<TEntity>(entity.PartitionKey, entity.RowKey, cancellationToken).ConfigureAwait(false);
            var own = stored is null
                ? new TableTransactionAction(TableTransactionActionType.Add, entity)
                : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, stored.ETag);
            try
            {
                await SubmitAsync(own, entity, stored, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException ex) when (attempt < 20 && ex.Status is (404 or 409 or TableStoreSupport.PreconditionFailed))
            {
                // Added, changed or removed since the read: read it again.
            }
        }
    }

    /// <summary>
    /// The row's own write, its list rows' upserts and the deletes of the <paramref name="stored"/> row's list rows
    /// that the write moved, in one transaction; returns the row's new ETag.
    /// </summary>
    private async Task<string?> SubmitAsync(TableTransactionAction own, TEntity entity, TEntity? stored, CancellationToken cancellationToken)
    {
        var rows = listRows!(entity).ToList();
        var moved = stored is null ? [] : listRows(stored).Where(old => !rows.Exists(r => r.RowKey == old.RowKey));
        var response = await table.SubmitTransactionAsync(
            [
                own,
                .. rows.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r)),
                .. moved.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)),
            ],
            cancellationToken).ConfigureAwait(false);
        return response.Value[0].Headers.ETag?.ToString();
    }
}

/// <summary>A row that keeps its whole value as one JSON column (the wire shape), for values read and written whole.</summary>
internal sealed class JsonRowEntity : TableRow
{
    public string Json { get; set; } = "{}";
}
