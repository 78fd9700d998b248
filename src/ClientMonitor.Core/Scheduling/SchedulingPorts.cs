namespace ClientMonitor.Core.Scheduling;

/// <summary>Table <c>schedules</c>: every read names the business.</summary>
public interface IScheduleStore : IVersionedStore<AutomationSchedule>
{
    Task<IReadOnlyList<Versioned<AutomationSchedule>>> ListAsync(string businessId, CancellationToken cancellationToken);
}

public enum DueKind
{
    /// <summary>A schedule's next occurrence.</summary>
    Schedule,

    /// <summary>The time after which a running job run is failed as timed out.</summary>
    RunDeadline,
}

/// <summary>One row of the due index: something to look at once <c>DueAt</c> has passed.</summary>
public sealed record DueEntry(DueKind Kind, DateTimeOffset DueAt, string BusinessId, string TargetId);

/// <summary>
/// Rows keyed by due time, so that the scheduler reads only what is due rather than every schedule. Entries are
/// hints: whoever reads one checks it against the schedule or job run it names, and a stale one is removed.
/// </summary>
public interface IDueIndex
{
    Task AddAsync(DueEntry entry, CancellationToken cancellationToken);

    /// <summary>Entries of <paramref name="kind"/> due at or before <paramref name="now"/>, earliest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<DueEntry>> ListDueAsync(DueKind kind, DateTimeOffset now, int max, CancellationToken cancellationToken);

    Task RemoveAsync(DueEntry entry, CancellationToken cancellationToken);
}

/// <summary>What the last <c>ScheduleTick</c> did, for <c>GET /scheduler/status</c>.</summary>
public sealed record SchedulerHeartbeat(DateTimeOffset TickedAt, DateTimeOffset ScheduledFor, TimeSpan Lag, int Due, int Started, int Skipped, int TimedOut);

public interface ISchedulerHeartbeatStore
{
    Task SaveAsync(SchedulerHeartbeat heartbeat, CancellationToken cancellationToken);

    Task<SchedulerHeartbeat?> GetAsync(CancellationToken cancellationToken);
}
