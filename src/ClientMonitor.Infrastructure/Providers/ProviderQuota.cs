using System.Globalization;
using Azure;
using ClientMonitor.Infrastructure.Pipeline;
using ClientMonitor.Infrastructure.Tables;

namespace ClientMonitor.Infrastructure.Providers;

/// <summary>Calls per provider per UTC day, shared by every worker.</summary>
public interface IProviderQuota
{
    /// <summary>Counts one call if fewer than <paramref name="dailyLimit"/> were made today; false when the quota is used up.</summary>
    Task<bool> TryConsumeAsync(string provider, int dailyLimit, CancellationToken cancellationToken);

    Task<int> UsedTodayAsync(string provider, CancellationToken cancellationToken);
}

/// <summary>Table <c>providerquota</c>: PK provider, RK UTC day (yyyyMMdd), an ETag-checked counter.</summary>
public sealed class TableProviderQuota(TableServiceClient tables, TimeProvider timeProvider) : IProviderQuota
{
    public const string TableName = "providerquota";
    private readonly TableClient _table = tables.GetTableClient(TableName);

    public async Task<bool> TryConsumeAsync(string provider, int dailyLimit, CancellationToken cancellationToken)
    {
        var day = Day();
        while (true)
        {
            try
            {
                var consumed = false;
                await _table.UpdateWithRetryAsync<QuotaEntity>(
                    provider,
                    day,
                    row =>
                    {
                        consumed = row.Count < dailyLimit;
                        row.Count += consumed ? 1 : 0;
                        return consumed;
                    },
                    cancellationToken).ConfigureAwait(false);
                return consumed;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // The day's first call creates the counter at 1; if another worker created it first, count on it.
                if (dailyLimit < 1)
                {
                    return false;
                }

                var (_, added) = await _table.AddOrGetAsync(new QuotaEntity { PartitionKey = provider, RowKey = day, Count = 1 }, cancellationToken).ConfigureAwait(false);
                if (added)
                {
                    return true;
                }
            }
        }
    }

    public async Task<int> UsedTodayAsync(string provider, CancellationToken cancellationToken)
        => (await _table.GetEntityIfExistsAsync<QuotaEntity>(provider, Day(), cancellationToken).ConfigureAwait(false))?.Count ?? 0;

    private string Day() => timeProvider.GetUtcNow().ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    private sealed class QuotaEntity : TableEntity
    {
        public int Count { get; set; }
    }
}
