using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace ClientMonitor.Infrastructure.Storage;

/// <summary>The few table operations every store shares, on top of <see cref="TableClient"/>.</summary>
public static class TableStoreSupport
{
    /// <summary>HTTP status of a conditional write whose ETag no longer matches: another writer got there first.</summary>
    public const int PreconditionFailed = 412;

    /// <summary>
    /// An OData literal for a double that stays a double when it is integral: <c>1.0</c>, where
    /// <c>CreateQueryFilter</c> writes <c>1</c>, which the Table service reads as Int32 and, comparing across
    /// types, matches nothing. Only for finite numbers of our own (never text).
    /// </summary>
    public static string DoubleLiteral(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A filter number must be finite.");
        }

        return value.ToString("0.0################", CultureInfo.InvariantCulture);
    }

    /// <summary>Reads one row, or null when there is none.</summary>
    public static async Task<T?> GetOrNullAsync<T>(this TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken)
        where T : class, ITableEntity
    {
        var row = await table.GetEntityIfExistsAsync<T>(partitionKey, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>Inserts the row, or returns the stored one when its keys are taken (409).</summary>
    public static async Task<(T Stored, bool Added)> AddOrGetAsync<T>(this TableClient table, T entity, CancellationToken cancellationToken)
        where T : class, ITableEntity
    {
        try
        {
            var response = await table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
            entity.ETag = response.Headers.ETag ?? default;
            return (entity, true);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var existing = await table.GetOrNullAsync<T>(entity.PartitionKey, entity.RowKey, cancellationToken).ConfigureAwait(false);
            return (existing ?? entity, false);
        }
    }

    /// <summary>
    /// The rows of one partition with these row keys, by one query per 14 keys (the service takes at most 15
    /// comparisons in a filter, and the partition is one of them).
    /// </summary>
    public static async Task<List<T>> FindAsync<T>(this TableClient table, string partitionKey, IEnumerable<string> rowKeys, CancellationToken cancellationToken)
        where T : class, ITableEntity
    {
        ArgumentNullException.ThrowIfNull(table);
        var rows = new List<T>();
        foreach (var chunk in rowKeys.Distinct(StringComparer.Ordinal).Chunk(14))
        {
            var keys = string.Join(" or ", chunk.Select(k => TableClient.CreateQueryFilter($"RowKey eq {k}")));
            rows.AddRange(await table.ListAsync<T>(TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}") + $" and ({keys})", cancellationToken).ConfigureAwait(false));
        }

        return rows;
    }

    public static async Task<List<T>> ListAsync<T>(this TableClient table, string filter, CancellationToken cancellationToken)
        where T : class, ITableEntity
    {
        var rows = new List<T>();
        await foreach (var row in table.QueryAsync<T>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>
    /// Replaces the row only if its ETag still equals <paramref name="ifMatch"/>; returns the new ETag. A lost race
    /// surfaces as a <see cref="RequestFailedException"/> with status 412, a missing row with 404.
    /// </summary>
    public static async Task<ETag> ReplaceIfMatchAsync<T>(this TableClient table, T entity, ETag ifMatch, CancellationToken cancellationToken)
        where T : class, ITableEntity
    {
        var response = await table.UpdateEntityAsync(entity, ifMatch, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        return response.Headers.ETag ?? default;
    }

    /// <summary>
    /// Read, change, write with If-Match; on a lost race read again and reapply. <paramref name="change"/> returns
    /// false to leave the row as it is.
    /// </summary>
    public static async Task<T> UpdateWithRetryAsync<T>(this TableClient table, string partitionKey, string rowKey, Func<T, bool> change, CancellationToken cancellationToken)
        where T : class, ITableEntity
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = await table.GetOrNullAsync<T>(partitionKey, rowKey, cancellationToken).ConfigureAwait(false)
                ?? throw new RequestFailedException(404, $"Row {partitionKey}/{rowKey} of {table.Name} does not exist.");
            if (!change(current))
            {
                return current;
            }

            try
            {
                current.ETag = await table.ReplaceIfMatchAsync(current, current.ETag, cancellationToken).ConfigureAwait(false);
                return current;
            }
            catch (RequestFailedException ex) when (ex.Status == PreconditionFailed && attempt < 50)
            {
                // Another writer won; spread the retries a little so many finishing clients do not collide in lockstep.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * Math.Min(attempt, 10))), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
