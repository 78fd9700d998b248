using System.Globalization;
using Azure.Data.Tables;
using ClientMonitor.Infrastructure.Storage;

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

    public Task<bool> TryConsumeAsync(string provider, int dailyLimit, CancellationToken cancellationToken)
        => TableCounter.TryIncrementAsync(_table, provider, Day(), dailyLimit, cancellationToken);

    public Task<int> UsedTodayAsync(string provider, CancellationToken cancellationToken)
        => TableCounter.ReadAsync(_table, provider, Day(), cancellationToken);

    private string Day() => timeProvider.GetUtcNow().ToString("yyyyMMdd", CultureInfo.InvariantCulture);
}
