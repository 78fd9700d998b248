using System.Collections.Concurrent;

namespace ClientMonitor.Core.Notifications;

/// <summary>Instant emails one user may get in an hour, shared by every worker.</summary>
public interface IInstantEmailBudget
{
    /// <summary>Takes one instant email from the user's hourly budget (of the UTC hour, <see cref="HourOf"/>); false when it is used up.</summary>
    Task<bool> TryTakeAsync(string businessId, string userId, CancellationToken cancellationToken);

    /// <summary>The start of the UTC hour of <paramref name="at"/>: the budget's hour, and the overflow mark's.</summary>
    static DateTimeOffset HourOf(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }
}

/// <summary>
/// Digests rather than floods: an instant-frequency user gets at most <c>Email:MaxInstantPerUserPerHour</c> event
/// emails an hour. Past that, events are not emailed one by one; the user's digest state records since when, and the
/// next <c>DigestTick</c> sends one catch-up digest of the events that passed their preferences without an email.
/// A mark set within the current UTC hour stays until that hour has ended (see <see cref="DigestService"/>), so once
/// this process has seen or set one, the user's further overflows in the hour read nothing.
/// </summary>
public sealed class InstantEmailGate(IInstantEmailBudget budget, IEmailLogStore logs, IDigestStateStore states)
{
    private MarkedUsers _marked = new(DateTimeOffset.MinValue);

    /// <summary>
    /// True when the email may be created now, or already exists: a redelivery takes no budget. Whether it exists is
    /// asked only when it <paramref name="mayExist"/> (its event was written by an earlier attempt); an email for an
    /// event written just now cannot exist, so a first attempt costs no read.
    /// </summary>
    public async Task<bool> AllowAsync(string businessId, string userId, string emailId, bool mayExist, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if ((mayExist && await logs.GetVersionedAsync(businessId, emailId, cancellationToken).ConfigureAwait(false) is not null)
            || await budget.TryTakeAsync(businessId, userId, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        await MarkOverflowAsync(businessId, userId, now, cancellationToken).ConfigureAwait(false);
        return false;
    }

    private async Task MarkOverflowAsync(string businessId, string userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var hour = IInstantEmailBudget.HourOf(now);
        var marked = _marked;
        if (marked.Hour != hour)
        {
            marked = new MarkedUsers(hour);
            _marked = marked;
        }

        if (marked.Users.ContainsKey((businessId, userId)))
        {
            return; // marked within this hour: the mark stays until the hour has ended
        }

        for (var attempt = 0; attempt < 20; attempt++)
        {
            var current = await states.GetVersionedAsync(businessId, userId, cancellationToken).ConfigureAwait(false);
            if (current is { Value.OverflowSince: { } since })
            {
                if (since >= hour)
                {
                    marked.Users.TryAdd((businessId, userId), 0);
                }

                return; // the earliest unsent event is already marked
            }

            var (result, _) = current is null
                ? await states.CreateAsync(new DigestState(businessId, userId, null, now, now), cancellationToken).ConfigureAwait(false)
                : await states.ReplaceAsync(current.Value with { OverflowSince = now }, current.ETag, cancellationToken).ConfigureAwait(false);
            if (result == WriteResult.Done)
            {
                marked.Users.TryAdd((businessId, userId), 0);
                return;
            }
        }

        throw new InvalidOperationException($"The digest state of user {userId} kept changing while an overflow was recorded.");
    }

    /// <summary>The users whose overflow mark this process knows set within one UTC hour.</summary>
    private sealed record MarkedUsers(DateTimeOffset Hour)
    {
        public ConcurrentDictionary<(string BusinessId, string UserId), byte> Users { get; } = new();
    }
}
