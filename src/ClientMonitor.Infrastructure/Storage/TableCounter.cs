using Azure;
using Azure.Data.Tables;

namespace ClientMonitor.Infrastructure.Storage;

/// <summary>
/// A counter row shared by every worker: one ETag-checked increment per call, refused at the limit. Used for
/// provider quotas per day and email sending limits per minute and hour.
/// </summary>
internal static class TableCounter
{
    /// <summary>Adds one if the row's count is below <paramref name="limit"/>; false when the limit is reached.</summary>
    public static async Task<bool> TryIncrementAsync(TableClient table, string partitionKey, string rowKey, int limit, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                var consumed = false;
                await table.UpdateWithRetryAsync<CounterEntity>(
                    partitionKey,
                    rowKey,
                    row =>
                    {
                        consumed = row.Count < limit;
                        row.Count += consumed ? 1 : 0;
                        return consumed;
                    },
                    cancellationToken).ConfigureAwait(false);
                return consumed;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // The window's first call creates the counter at 1; if another worker created it first, count on it.
                if (limit < 1)
                {
                    return false;
                }

                var (_, added) = await table.AddOrGetAsync(new CounterEntity { PartitionKey = partitionKey, RowKey = rowKey, Count = 1 }, cancellationToken).ConfigureAwait(false);
                if (added)
                {
                    return true;
                }
            }
        }
    }

    public static async Task<int> ReadAsync(TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken)
        => (await table.GetOrNullAsync<CounterEntity>(partitionKey, rowKey, cancellationToken).ConfigureAwait(false))?.Count ?? 0;

    private sealed class CounterEntity : TableRow
    {
        public int Count { get; set; }
    }
}
