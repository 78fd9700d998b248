using Azure;
using ClientMonitor.Infrastructure.Tables;

namespace ClientMonitor.Infrastructure.Pipeline;

internal static class TableStoreSupport
{
    /// <summary>Inserts the row, or returns the stored one when its keys are taken (409).</summary>
    public static async Task<(T Stored, bool Added)> AddOrGetAsync<T>(this TableClient table, T entity, CancellationToken cancellationToken)
        where T : class, ITableEntity, new()
    {
        try
        {
            await table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
            return (entity, true);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var existing = await table.GetEntityIfExistsAsync<T>(entity.PartitionKey, entity.RowKey, cancellationToken).ConfigureAwait(false);
            return (existing ?? entity, false);
        }
    }

    public static async Task<List<T>> ListAsync<T>(this TableClient table, string filter, CancellationToken cancellationToken)
        where T : class, ITableEntity, new()
    {
        var rows = new List<T>();
        await foreach (var row in table.QueryAsync<T>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>
    /// Read, change, write with If-Match; on a lost race read again and reapply. <paramref name="change"/> returns
    /// false to leave the row as it is.
    /// </summary>
    public static async Task<T> UpdateWithRetryAsync<T>(this TableClient table, string partitionKey, string rowKey, Func<T, bool> change, CancellationToken cancellationToken)
        where T : class, ITableEntity, new()
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = await table.GetEntityIfExistsAsync<T>(partitionKey, rowKey, cancellationToken).ConfigureAwait(false)
                ?? throw new RequestFailedException(404, $"Row {partitionKey}/{rowKey} of {table.Name} does not exist.");
            if (!change(current))
            {
                return current;
            }

            try
            {
                var etag = await table.UpdateEntityAsync(current, current.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                current.ETag = etag.Value;
                return current;
            }
            catch (TableConcurrencyException) when (attempt < 50)
            {
                // Another writer won; spread the retries a little so many finishing clients do not collide in lockstep.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * Math.Min(attempt, 10))), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
