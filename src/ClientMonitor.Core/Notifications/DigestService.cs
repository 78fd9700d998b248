using System.Globalization;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Preferences;
using ClientMonitor.Core.Scheduling;

namespace ClientMonitor.Core.Notifications;

/// <summary>
/// Where a user's digests stand (table <c>digeststate</c>, PK business, RK user): the last scheduled occurrence sent
/// (or found empty), the end of the last window, where the next digest's window starts, and for instant users past
/// their hourly email budget, since when events wait for a catch-up digest.
/// </summary>
public sealed record DigestState(string BusinessId, string UserId, DateTimeOffset? LastOccurrence, DateTimeOffset WindowEnd, DateTimeOffset? OverflowSince = null);

/// <summary>One row per user; the versioned methods take the user id as the row id.</summary>
public interface IDigestStateStore : IVersionedStore<DigestState>;

/// <summary>Runs the digests of one business on demand (the <c>notification_digest</c> job type).</summary>
public interface IDigestRunner
{
    Task<RunCounts> RunOnDemandAsync(string businessId, string jobRunId, CancellationToken cancellationToken);
}

/// <summary>What a digest pass did.</summary>
public sealed record DigestPassResult(int Users, int Due, int Queued, int Empty);

/// <summary>
/// Daily and weekly digests. A user's digest occurs at their <c>digest_time</c> (and <c>digest_day_of_week</c>,
/// 0 = Monday) in their own time zone, with the DST rules of schedules (<see cref="ScheduleTimes"/>). Each hourly
/// pass sends, for every user whose latest occurrence has not been handled, one digest of the events created since
/// their last digest up to that occurrence that pass their preferences. The email id is derived from the user and
/// the occurrence, so overlapping or repeated passes create one email log and the sender sends it once; a pass that
/// comes late (downtime) still sends the occurrence it missed, once.
/// </summary>
public sealed class DigestService(
    ITenantStore tenants,
    IPreferenceStore preferences,
    IClientStore clients,
    IEventStore events,
    IEmailLogStore emailLogs,
    INotificationOutbox queue,
    IDigestStateStore states,
    TimeProvider time) : IDigestRunner
{
    /// <summary>Events listed in one digest; the rest are counted as "and N more".</summary>
    public const int MaxEvents = 50;

    /// <summary>How far behind now a catch-up window ends, so that events still being processed are not caught twice.</summary>
    public static readonly TimeSpan CatchUpSettle = TimeSpan.FromMinutes(5);

    public async Task<DigestPassResult> RunDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var total = new DigestPassResult(0, 0, 0, 0);
        foreach (var business in await tenants.ListBusinessesAsync(cancellationToken).ConfigureAwait(false))
        {
            var pass = await RunBusinessAsync(business.Id, now, null, cancellationToken).ConfigureAwait(false);
            total = new(total.Users + pass.Users, total.Due + pass.Due, total.Queued + pass.Queued, total.Empty + pass.Empty);
        }

        return total;
    }

    public async Task<RunCounts> RunOnDemandAsync(string businessId, string jobRunId, CancellationToken cancellationToken)
    {
        var pass = await RunBusinessAsync(businessId, time.GetUtcNow(), jobRunId, cancellationToken).ConfigureAwait(false);
        return RunCounts.Zero with { EmailsQueued = pass.Queued };
    }

    /// <summary>The latest digest occurrence at or before <paramref name="now"/>, in UTC; null for instant users.</summary>
    public static DateTimeOffset? LatestOccurrence(UserPreferences preferences, string? timeZone, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(preferences);
        var zone = ScheduleTimes.TryFindZone(timeZone, out _) ? timeZone! : "Etc/UTC";
        var timing = preferences.NotificationFrequency switch
        {
            NotificationFrequency.Daily => new ScheduleTiming(ScheduleType.Daily, null, preferences.DigestTime.Hour, preferences.DigestTime.Minute, null, null, zone),
            NotificationFrequency.Weekly => new ScheduleTiming(ScheduleType.Weekly, null, preferences.DigestTime.Hour, preferences.DigestTime.Minute, preferences.DigestDayOfWeek, null, zone),
            _ => null,
        };
        if (timing is null)
        {
            return null;
        }

        DateTimeOffset? latest = null;
        for (var next = ScheduleTimes.NextAfter(timing, now - Period(preferences) - TimeSpan.FromDays(1)); next is { } n && n <= now; next = ScheduleTimes.NextAfter(timing, n))
        {
            latest = n;
        }

        return latest;
    }

    private static TimeSpan Period(UserPreferences p) => p.NotificationFrequency == NotificationFrequency.Weekly ? TimeSpan.FromDays(7) : TimeSpan.FromDays(1);

    private async Task<DigestPassResult> RunBusinessAsync(string businessId, DateTimeOffset now, string? onDemandRunId, CancellationToken cancellationToken)
    {
        var users = await tenants.ListUsersAsync(businessId, cancellationToken).ConfigureAwait(false);
        var prefs = (await preferences.ListAsync(businessId, cancellationToken).ConfigureAwait(false)).ToDictionary(p => p.UserId, StringComparer.Ordinal);
        Dictionary<string, Clients.Client>? clientsById = null;
        int checkedUsers = 0, due = 0, queued = 0, empty = 0;
        foreach (var user in users)
        {
            if (!prefs.TryGetValue(user.Id, out var p) || !p.EmailNotificationsEnabled)
            {
                continue;
            }

            if (p.NotificationFrequency == NotificationFrequency.Instant)
            {
                queued += await CatchUpAsync(user, p, ClientsAsync, now, cancellationToken).ConfigureAwait(false) ? 1 : 0;
                continue;
            }

            checkedUsers++;
            var occurrence = LatestOccurrence(p, user.TimeZone, now);
            var stored = await states.GetVersionedAsync(businessId, user.Id, cancellationToken).ConfigureAwait(false);
            var state = stored?.Value;
            if (onDemandRunId is null && (occurrence is null || state?.LastOccurrence >= occurrence))
            {
                continue;
            }

            due++;
            var windowEnd = onDemandRunId is null ? occurrence!.Value : now;
            var windowStart = state?.WindowEnd ?? windowEnd - Period(p);
            var found = (await events.QueryAsync(businessId, new EventQuery(null, null, p.RelevanceThreshold, windowStart, windowEnd, 0, int.MaxValue), cancellationToken).ConfigureAwait(false)).Items;
            var matching = Matching(found, p, await ClientsAsync().ConfigureAwait(false));

            if (matching.Count == 0)
            {
                empty++;
            }
            else
            {
                var period = onDemandRunId is null ? p.NotificationFrequency.ToString().ToLowerInvariant() : "on-demand";
                var key = onDemandRunId is null ? occurrence!.Value.UtcTicks.ToString(CultureInfo.InvariantCulture) : "job:" + onDemandRunId;
                await QueueDigestAsync(user, period, key, onDemandRunId, windowStart, windowEnd, matching, now, cancellationToken).ConfigureAwait(false);
                queued++;
            }

            // Written last: a crash before this repeats the pass for this user, which finds the same email id. A
            // concurrent change (an overflow mark, another pass) makes the next pass look again.
            var next = new DigestState(businessId, user.Id, onDemandRunId is null ? occurrence : state?.LastOccurrence, windowEnd, state?.OverflowSince);
            _ = stored is null
                ? await states.CreateAsync(next, cancellationToken).ConfigureAwait(false)
                : await states.ReplaceAsync(next, stored.ETag, cancellationToken).ConfigureAwait(false);
        }

        return new DigestPassResult(checkedUsers, due, queued, empty);

        async Task<Dictionary<string, Clients.Client>> ClientsAsync()
            => clientsById ??= (await clients.ListAsync(businessId, cancellationToken).ConfigureAwait(false)).ToDictionary(c => c.Id, StringComparer.Ordinal);
    }

    /// <summary>
    /// An instant user past their hourly email budget: one digest of the events since the overflow that passed their
    /// preferences without getting an email. The window ends a few minutes back, so that events still being
    /// processed (their email not yet logged) wait for the next pass; the next pass looks again from there.
    /// </summary>
    private async Task<bool> CatchUpAsync(Tenancy.User user, UserPreferences p, Func<Task<Dictionary<string, Clients.Client>>> clientsById, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var stored = await states.GetVersionedAsync(user.BusinessId, user.Id, cancellationToken).ConfigureAwait(false);
        var windowEnd = now - CatchUpSettle;
        if (stored?.Value.OverflowSince is not { } since || since >= windowEnd)
        {
            return false;
        }

        var found = (await events.QueryAsync(user.BusinessId, new EventQuery(null, null, p.RelevanceThreshold, since, windowEnd, 0, int.MaxValue), cancellationToken).ConfigureAwait(false)).Items;
        var emailed = (await emailLogs.QueryAsync(user.BusinessId, new EmailLogQuery(EmailTypes.EventNotification, UserId: user.Id, From: since - TimeSpan.FromHours(1), Limit: int.MaxValue), cancellationToken).ConfigureAwait(false)).Items;
        var sent = emailed.Select(l => l.EventId).ToHashSet(StringComparer.Ordinal);
        var matching = Matching(found.Where(e => !sent.Contains(e.Id)), p, await clientsById().ConfigureAwait(false));
        if (matching.Count > 0)
        {
            await QueueDigestAsync(user, "catch-up", "catchup:" + since.UtcTicks.ToString(CultureInfo.InvariantCulture), null, since, windowEnd, matching, now, cancellationToken).ConfigureAwait(false);
        }

        // Found some, or unsent events wait after the window (the gate did not mark them: the mark was set), or the
        // mark's hour has not ended (gates skip reading a mark set within the hour): look again next pass from here.
        // Otherwise the overflow is over.
        var goesOn = matching.Count > 0 || windowEnd < IInstantEmailBudget.HourOf(since).AddHours(1) || await UnsentSinceAsync(windowEnd).ConfigureAwait(false);
        await states.ReplaceAsync(stored.Value with { OverflowSince = goesOn ? windowEnd : null }, stored.ETag, cancellationToken).ConfigureAwait(false);
        return matching.Count > 0;

        async Task<bool> UnsentSinceAsync(DateTimeOffset from)
        {
            var later = (await events.QueryAsync(user.BusinessId, new EventQuery(null, null, p.RelevanceThreshold, from, null, 0, int.MaxValue), cancellationToken).ConfigureAwait(false)).Items;
            return Matching(later.Where(e => !sent.Contains(e.Id)), p, await clientsById().ConfigureAwait(false)).Count > 0;
        }
    }

    private static List<MonitoringEvent> Matching(IEnumerable<MonitoringEvent> found, UserPreferences p, Dictionary<string, Clients.Client> clientsById) => found
        .Where(e => clientsById.TryGetValue(e.ClientId, out var client) && NotificationRules.Decide(p, client, e) is { Email: true })
        .OrderByDescending(e => e.Relevance)
        .ThenByDescending(e => e.CreatedAt)
        .ToList();

    private async Task QueueDigestAsync(
        Tenancy.User user, string period, string key, string? jobRunId, DateTimeOffset windowStart, DateTimeOffset windowEnd, List<MonitoringEvent> matching, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var emailId = StableId.From("email", EmailTypes.Digest, user.BusinessId, user.Id, key);
        var listed = matching.Take(MaxEvents).ToList();
        var subject = string.Create(CultureInfo.InvariantCulture, $"Your {period} ClientMonitor digest: {matching.Count} event(s)");
        await emailLogs.AddPendingIfAbsentAsync(
            new EmailLog(emailId, user.BusinessId, user.Id, null, jobRunId, EmailTypes.Digest, user.Email, subject, null, EmailStatus.Pending, now),
            cancellationToken).ConfigureAwait(false);
        await queue.EnqueueAsync(
            new EmailRequest(emailId, EmailTypes.Digest, user.BusinessId, user.Id, null, jobRunId, EventIds: listed.Select(e => e.Id).ToList(), Digest: new DigestWindow(period, windowStart, windowEnd, matching.Count - listed.Count)),
            TimeSpan.Zero,
            cancellationToken).ConfigureAwait(false);
    }
}
