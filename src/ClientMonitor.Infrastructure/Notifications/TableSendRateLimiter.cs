using System.Globalization;
using ClientMonitor.Core.Notifications;
using Azure.Data.Tables;
using ClientMonitor.Infrastructure.Storage;

namespace ClientMonitor.Infrastructure.Notifications;

/// <summary>
/// Sending limits per provider, shared by every worker: table <c>sendrate</c>, PK provider, RK <c>m</c> + the UTC
/// minute or <c>h</c> + the UTC hour, each an ETag-checked counter. A send that would pass a limit is refused with
/// the time until that window ends. The same table holds each user's instant-email budget per hour
/// (PK <c>instant_{business}_{user}</c>).
/// </summary>
public sealed class TableSendRateLimiter(TableServiceClient tables, Func<string, (int? PerMinute, int? PerHour)> limitsFor, TimeProvider time, int instantPerUserPerHour = 0)
    : ISendRateLimiter, IInstantEmailBudget
{
    public const string TableName = "sendrate";
    private readonly TableClient _table = tables.GetTableClient(TableName);

    public async Task<TimeSpan?> TryAcquireAsync(string sender, CancellationToken cancellationToken)
    {
        var (perMinute, perHour) = limitsFor(sender);
        var now = time.GetUtcNow();
        var minuteStart = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero);
        var hourStart = minuteStart.AddMinutes(-now.Minute);

        // The hour is checked first: a send refused by the hour limit must not use up a minute slot.
        if (perHour is { } hourly && await TableCounter.ReadAsync(_table, sender, HourKey(hourStart), cancellationToken).ConfigureAwait(false) >= hourly)
        {
            return hourStart.AddHours(1) - now;
        }

        if (perMinute is { } minutely && !await TableCounter.TryIncrementAsync(_table, sender, MinuteKey(minuteStart), minutely, cancellationToken).ConfigureAwait(false))
        {
            return minuteStart.AddMinutes(1) - now;
        }

        if (perHour is { } limit && !await TableCounter.TryIncrementAsync(_table, sender, HourKey(hourStart), limit, cancellationToken).ConfigureAwait(false))
        {
            return hourStart.AddHours(1) - now;
        }

        return null;
    }

    /// <summary>
    /// Takes one of the user's instant emails of this hour. A budget found spent stays spent until the hour ends (a
    /// counter only grows), so this process remembers it and asks storage no more that hour.
    /// </summary>
    public async Task<bool> TryTakeAsync(string businessId, string userId, CancellationToken cancellationToken)
    {
        if (instantPerUserPerHour <= 0)
        {
            return true;
        }

        var now = time.GetUtcNow();
        var hour = HourKey(IInstantEmailBudget.HourOf(now)); // the gate's and the digests' hour too
        var partition = $"instant_{businessId}_{userId}";
        var spent = _spent;
        if (spent.Hour != hour)
        {
            spent = new SpentBudgets(hour);
            _spent = spent;
        }

        if (spent.Partitions.ContainsKey(partition))
        {
            return false;
        }

        var taken = await TableCounter.TryIncrementAsync(_table, partition, hour, instantPerUserPerHour, cancellationToken).ConfigureAwait(false);
        if (!taken)
        {
            spent.Partitions.TryAdd(partition, 0);
        }

        return taken;
    }

    private SpentBudgets _spent = new(string.Empty);

    /// <summary>The users whose instant budget this process found spent in <c>Hour</c>.</summary>
    private sealed record SpentBudgets(string Hour)
    {
        public System.Collections.Concurrent.ConcurrentDictionary<string, byte> Partitions { get; } = new(StringComparer.Ordinal);
    }

    private static string MinuteKey(DateTimeOffset minute) => "m" + minute.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);

    private static string HourKey(DateTimeOffset hour) => "h" + hour.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);
}
