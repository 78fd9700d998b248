using System.Globalization;
using ClientMonitor.Core.Pipeline;

namespace ClientMonitor.Core.Scheduling;

/// <summary>Scheduler settings (section <c>Scheduler</c>); per-schedule <c>config</c> overrides the first two.</summary>
public sealed class SchedulerOptions
{
    /// <summary>Seed MAX_CONCURRENT_RUNS: runs of one schedule that may overlap (default 1: none).</summary>
    public int MaxConcurrentRuns { get; set; } = 1;

    /// <summary>Seed TIMEOUT_MINUTES: a run still going after this long is marked failed (default 30).</summary>
    public int TimeoutMinutes { get; set; } = 30;

    /// <summary>Failed runs in a row after which a schedule deactivates itself and raises an alert (default 5).</summary>
    public int FailuresBeforeDeactivation { get; set; } = 5;

    /// <summary>Due entries one tick takes on; the rest wait for the next tick (default 500).</summary>
    public int MaxDuePerTick { get; set; } = 500;
}

/// <summary>
/// What one tick did. <c>SchedulesRead</c> counts schedule rows read: the due ones, not all of them. <c>Errors</c>
/// names each due entry that failed (it stays in the index and is tried again next tick).
/// </summary>
public sealed record TickReport(int Due, int Started, int Skipped, int Stale, int TimedOut, int SchedulesRead, IReadOnlyList<string> Errors);

/// <summary>Why a trigger did not start a run.</summary>
public enum TriggerRefusal
{
    None,

    /// <summary>The business has no schedule with that id.</summary>
    NotFound,

    /// <summary>As many runs of the schedule as it allows are still going.</summary>
    AlreadyRunning,

    /// <summary>The job could not start (for example a client in <c>client_ids</c> was deleted).</summary>
    Invalid,
}

public sealed record TriggerResult(JobRun? JobRun, TriggerRefusal Refusal, string? Field, string? Error);

/// <summary>
/// The scheduler: <see cref="TickAsync(IJobRunLauncher, DateTimeOffset?, CancellationToken)"/> runs every minute, reads only the due index, claims each due schedule with
/// an ETag-checked write (so two ticks, or two workers, never start one occurrence twice), starts its job run and
/// moves it to its next occurrence. Missed occurrences (after downtime) become one run, and the count is recorded.
/// Each run is launched through the caller's <see cref="IJobRunLauncher"/> (the Durable orchestration, whose
/// timer keeps the deadline); each started run also gets a deadline entry, the backstop that fails a run still
/// going at its deadline as timed out when its orchestration cannot finish it.
/// </summary>
public sealed class SchedulerService(
    IScheduleStore schedules,
    IDueIndex dueIndex,
    IJobRunStore jobRuns,
    JobRunService jobs,
    ScheduleOutcomes outcomes,
    SchedulerOptions options,
    TimeProvider timeProvider)
{
    /// <summary>
    /// How long after a run's deadline the scheduler's backstop fails it. The orchestration's own timer ends the run at
    /// the deadline with what its clients returned; the backstop is for an orchestration that cannot.
    /// </summary>
    public static readonly TimeSpan BackstopGrace = TimeSpan.FromMinutes(5);

    public Task<TickReport> TickAsync(IJobRunLauncher launcher, CancellationToken cancellationToken) => TickAsync(launcher, null, cancellationToken);

    /// <summary>
    /// One tick. <paramref name="occurrence"/> is the timer occurrence it runs for: a timer that fires a moment early
    /// (hh:42:59.9975 for hh:43:00) still runs what is due at its occurrence, not a minute late.
    /// </summary>
    public async Task<TickReport> TickAsync(IJobRunLauncher launcher, DateTimeOffset? occurrence, CancellationToken cancellationToken)
    {
        var clock = timeProvider.GetUtcNow();
        var now = occurrence > clock ? occurrence.Value : clock;
        var timedOut = await ExpireRunsAsync(now, cancellationToken).ConfigureAwait(false);

        var due = await dueIndex.ListDueAsync(DueKind.Schedule, now, options.MaxDuePerTick, cancellationToken).ConfigureAwait(false);
        int started = 0, skipped = 0, stale = 0, reads = 0;
        var errors = new List<string>();
        foreach (var entry in due)
        {
            (DueOutcome Kind, int Reads) outcome;
            try
            {
                outcome = await RunDueAsync(entry, now, launcher, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One bad schedule (or a storage hiccup) must not hold back the others due in this tick.
                errors.Add($"schedule {entry.BusinessId}/{entry.TargetId}: {ex.GetType().Name}: {ex.Message}");
                continue;
            }

            reads += outcome.Reads;
            switch (outcome.Kind)
            {
                case DueOutcome.Started: started++; break;
                case DueOutcome.Skipped: skipped++; break;
                case DueOutcome.Stale: stale++; break;
            }
        }

        return new TickReport(due.Count, started, skipped, stale, timedOut, reads, errors);
    }

    /// <summary>Starts the schedule now (the API's trigger), unless its runs may not overlap and one is going.</summary>
    public async Task<TriggerResult> TriggerAsync(string businessId, string scheduleId, IJobRunLauncher launcher, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var current = await schedules.GetVersionedAsync(businessId, scheduleId, cancellationToken).ConfigureAwait(false);
            if (current is null)
            {
                return new TriggerResult(null, TriggerRefusal.NotFound, null, null);
            }

            var schedule = await SettleActiveRunsAsync(current, cancellationToken).ConfigureAwait(false);
            if (schedule.Value.ActiveRunIds.Count >= MaxConcurrent(schedule.Value))
            {
                return new TriggerResult(null, TriggerRefusal.AlreadyRunning, null, $"Run {schedule.Value.ActiveRunIds[^1]} of this schedule is still going.");
            }

            var now = timeProvider.GetUtcNow();
            var runId = JobRunService.NewJobRunId(now);
            var claimed = schedule.Value with { ActiveRunIds = [.. schedule.Value.ActiveRunIds, runId], LastRunAt = now, LastRunJobId = runId, UpdatedAt = now };
            var (result, _) = await schedules.ReplaceAsync(claimed, schedule.ETag, cancellationToken).ConfigureAwait(false);
            if (result == WriteResult.Stale)
            {
                continue;
            }

            var start = await StartScheduledRunAsync(claimed, runId, "manual", launcher, cancellationToken).ConfigureAwait(false);
            return start.JobRun is null
                ? new TriggerResult(null, TriggerRefusal.Invalid, start.Field, start.Error)
                : new TriggerResult(start.JobRun, TriggerRefusal.None, null, null);
        }

        throw new InvalidOperationException("The schedule kept changing while it was being triggered; try again.");
    }

    /// <summary>Records a job run, gives it a deadline and launches it; used for every run, scheduled or not.</summary>
    public async Task<StartJobResult> StartRunAsync(StartJobRequest request, int timeoutMinutes, IJobRunLauncher launcher, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(launcher);
        var result = await jobs.CreateAsync(request, cancellationToken).ConfigureAwait(false);
        if (result.JobRun is { IsFinished: false } run)
        {
            // The deadline entry is the backstop if the orchestration cannot finish the run.
            var deadline = run.StartedAt.AddMinutes(timeoutMinutes);
            await dueIndex.AddAsync(new DueEntry(DueKind.RunDeadline, deadline + BackstopGrace, run.BusinessId, run.Id), cancellationToken).ConfigureAwait(false);
            try
            {
                await launcher.LaunchAsync(run, result.ClientIds, deadline, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Recorded, then thrown: a run whose orchestration never started must not hold its schedule until the deadline.
                await jobs.FinishAsync(run.BusinessId, run.Id, [], "The run could not be started: " + ex.Message, cancellationToken).ConfigureAwait(false);
                throw;
            }
        }

        return result;
    }

    public int MaxConcurrent(AutomationSchedule schedule) => schedule.Config.MaxConcurrentRuns ?? options.MaxConcurrentRuns;

    public int TimeoutMinutes(AutomationSchedule schedule) => schedule.Config.TimeoutMinutes ?? options.TimeoutMinutes;

    private enum DueOutcome
    {
        Started,
        Skipped,
        Stale,
        Lost,
    }

    private async Task<(DueOutcome Kind, int Reads)> RunDueAsync(DueEntry entry, DateTimeOffset now, IJobRunLauncher launcher, CancellationToken cancellationToken)
    {
        var reads = 1;
        var current = await schedules.GetVersionedAsync(entry.BusinessId, entry.TargetId, cancellationToken).ConfigureAwait(false);
        if (current is null || !current.Value.IsActive || current.Value.NextRunAt != entry.DueAt)
        {
            // Deleted, deactivated, rescheduled, or already claimed by another tick that has not removed the entry yet.
            await dueIndex.RemoveAsync(entry, cancellationToken).ConfigureAwait(false);
            return (DueOutcome.Stale, reads);
        }

        if (current.Value.ActiveRunIds.Count > 0)
        {
            current = await SettleActiveRunsAsync(current, cancellationToken).ConfigureAwait(false);
            reads++;
            if (!current.Value.IsActive || current.Value.NextRunAt != entry.DueAt)
            {
                await dueIndex.RemoveAsync(entry, cancellationToken).ConfigureAwait(false);
                return (DueOutcome.Stale, reads);
            }
        }

        var schedule = current.Value;
        var next = ScheduleTimes.NextAfter(schedule.Timing, now);
        var missed = ScheduleTimes.CountBetween(schedule.Timing, entry.DueAt, now);
        var overlap = schedule.ActiveRunIds.Count >= MaxConcurrent(schedule);
        var runId = overlap ? null : JobRunService.NewJobRunId(now);
        var claimed = schedule with
        {
            NextRunAt = next,
            MissedOccurrences = schedule.MissedOccurrences + missed,
            SkippedOccurrences = schedule.SkippedOccurrences + (overlap ? 1 : 0),
            LastSkipReason = overlap
                ? string.Create(CultureInfo.InvariantCulture, $"The occurrence of {entry.DueAt:u} was skipped: run {schedule.ActiveRunIds[^1]} was still going.")
                : missed > 0
                    ? string.Create(CultureInfo.InvariantCulture, $"{missed} occurrence(s) after {entry.DueAt:u} were missed while the scheduler was down; they ran once at {now:u}.")
                    : schedule.LastSkipReason,
            ActiveRunIds = runId is null ? schedule.ActiveRunIds : [.. schedule.ActiveRunIds, runId],
            LastRunAt = runId is null ? schedule.LastRunAt : now,
            LastRunJobId = runId ?? schedule.LastRunJobId,
            UpdatedAt = now,
        };

        // The next entry goes in before the claim: if we stop between the two, the next tick finds a stale entry
        // (harmless) rather than a schedule that no entry points at (never runs again).
        if (next is { } nextAt)
        {
            await dueIndex.AddAsync(entry with { DueAt = nextAt }, cancellationToken).ConfigureAwait(false);
        }

        var (result, _) = await schedules.ReplaceAsync(claimed, current.ETag, cancellationToken).ConfigureAwait(false);
        if (result != WriteResult.Done)
        {
            // Another tick claimed this occurrence first, or the schedule changed under us; either way it is not ours.
            return (DueOutcome.Lost, reads);
        }

        await dueIndex.RemoveAsync(entry, cancellationToken).ConfigureAwait(false);
        if (runId is null)
        {
            return (DueOutcome.Skipped, reads);
        }

        await StartScheduledRunAsync(claimed, runId, "schedule", launcher, cancellationToken).ConfigureAwait(false);
        return (DueOutcome.Started, reads);
    }

    private async Task<StartJobResult> StartScheduledRunAsync(AutomationSchedule schedule, string runId, string trigger, IJobRunLauncher launcher, CancellationToken cancellationToken)
    {
        var request = new StartJobRequest(schedule.BusinessId, schedule.JobType, schedule.ClientIds, schedule.Config.ForceMock, trigger, schedule.Id, runId);
        StartJobResult start;
        try
        {
            start = await StartRunAsync(request, TimeoutMinutes(schedule), launcher, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await outcomes.RecordStartFailedAsync(schedule.BusinessId, schedule.Id, runId, "The job run could not start: " + ex.Message, cancellationToken).ConfigureAwait(false);
            throw;
        }

        if (start.JobRun is null)
        {
            await outcomes.RecordStartFailedAsync(schedule.BusinessId, schedule.Id, runId, $"The job run could not start: {start.Field}: {start.Error}", cancellationToken).ConfigureAwait(false);
        }
        else if (start.JobRun.IsFinished)
        {
            await outcomes.RecordAsync(start.JobRun, cancellationToken).ConfigureAwait(false);
        }

        return start;
    }

    /// <summary>Records the outcome of any run in <c>ActiveRunIds</c> that has finished (or never came to exist); returns the schedule as it is afterwards.</summary>
    private async Task<Versioned<AutomationSchedule>> SettleActiveRunsAsync(Versioned<AutomationSchedule> schedule, CancellationToken cancellationToken)
    {
        var changed = false;
        foreach (var runId in schedule.Value.ActiveRunIds)
        {
            var run = await jobRuns.GetAsync(schedule.Value.BusinessId, runId, cancellationToken).ConfigureAwait(false);
            if (run is null)
            {
                await outcomes.RecordStartFailedAsync(schedule.Value.BusinessId, schedule.Value.Id, runId, "The job run was claimed but never started (the worker stopped).", cancellationToken).ConfigureAwait(false);
                changed = true;
            }
            else if (run.IsFinished)
            {
                await outcomes.RecordAsync(run, cancellationToken).ConfigureAwait(false);
                changed = true;
            }
        }

        return changed
            ? await schedules.GetVersionedAsync(schedule.Value.BusinessId, schedule.Value.Id, cancellationToken).ConfigureAwait(false) ?? schedule
            : schedule;
    }

    /// <summary>Fails every run whose deadline has passed and that is still going, and records the outcome on its schedule.</summary>
    private async Task<int> ExpireRunsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var expired = 0;
        var deadlines = await dueIndex.ListDueAsync(DueKind.RunDeadline, now, options.MaxDuePerTick, cancellationToken).ConfigureAwait(false);
        foreach (var deadline in deadlines)
        {
            var run = await jobRuns.GetAsync(deadline.BusinessId, deadline.TargetId, cancellationToken).ConfigureAwait(false);
            if (run is { IsFinished: false })
            {
                // Finished as the orchestration would have: with what its clients came to, then told to the listeners
                // (the schedule's outcome among them).
                var clientRuns = await jobRuns.ListClientRunsAsync(run.Id, cancellationToken).ConfigureAwait(false);
                var finished = clientRuns.Where(c => c.IsFinished).Select(ClientOutcome.Of).ToList();
                var minutes = (int)Math.Round((deadline.DueAt - BackstopGrace - run.StartedAt).TotalMinutes);
                await jobs.FinishAsync(run.BusinessId, run.Id, finished, JobRun.TimeoutError(minutes, finished.Count, run.ClientsTotal), cancellationToken).ConfigureAwait(false);
                expired++;
            }
            else if (run is { ScheduleId: not null })
            {
                await outcomes.RecordAsync(run, cancellationToken).ConfigureAwait(false);
            }

            await dueIndex.RemoveAsync(deadline, cancellationToken).ConfigureAwait(false);
        }

        return expired;
    }
}
