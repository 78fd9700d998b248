using System.Globalization;
using ClientMonitor.Core.Providers;

namespace ClientMonitor.Core.Pipeline;

/// <summary>
/// A request to run a job now. <c>ClientIds</c> null means every active client of the business. <c>JobRunId</c> is
/// set by a caller that must record the id before the run exists (the scheduler's claim); otherwise a new one is made.
/// </summary>
public sealed record StartJobRequest(string BusinessId, JobType JobType, IReadOnlyList<string>? ClientIds, bool ForceMock, string Trigger, string? ScheduleId = null, string? JobRunId = null);

/// <summary>
/// Starts the work of a job run that is recorded and still running (an orchestration whose instance id is the run's
/// id, with the deadline as a durable timer). Launching a run twice starts it once.
/// </summary>
public interface IJobRunLauncher
{
    Task LaunchAsync(JobRun jobRun, IReadOnlyList<string> clientIds, DateTimeOffset deadline, CancellationToken cancellationToken);

    /// <summary>The engine's status of the run's orchestration (<c>Pending</c>, <c>Running</c>, <c>Completed</c>...), or null when it has none.</summary>
    Task<string?> GetRuntimeStatusAsync(string jobRunId, CancellationToken cancellationToken);
}

/// <summary>Told once a job run has its final status (possibly more than once for the same run: handlers are idempotent).</summary>
public interface IJobRunFinishedListener
{
    Task OnJobRunFinishedAsync(JobRun jobRun, CancellationToken cancellationToken);
}

/// <summary>Either the started run, or why it could not start (unknown or inactive client ids, unsupported type).</summary>
public sealed record StartJobResult(JobRun? JobRun, string? Field, string? Error)
{
    /// <summary>The clients of a started run, one pending client run each.</summary>
    public IReadOnlyList<string> ClientIds { get; init; } = [];

    public static StartJobResult Started(JobRun run) => new(run, null, null);

    public static StartJobResult Invalid(string field, string error) => new(null, field, error);
}

/// <summary>
/// Records job runs (<see cref="CreateAsync"/>) and gives them their final status (<see cref="FinishAsync"/>) with
/// what their clients returned: the fan-out and fan-in are the orchestration's.
/// </summary>
public sealed class JobRunService(
    IClientStore clients, IJobRunStore jobRuns, IProviderCatalog providers, TimeProvider timeProvider,
    IEnumerable<IJobRunFinishedListener>? finishedListeners = null, Notifications.IDigestRunner? digests = null,
    Operations.IMonitoringTelemetry? telemetry = null)
{
    /// <summary>
    /// Records a new job run and a pending client run for each selected client, without starting any work: the
    /// caller starts it (an orchestration whose instance id is the job run id).
    /// A run with no clients is recorded completed; a digest run is run in place and recorded finished.
    /// </summary>
    public async Task<StartJobResult> CreateAsync(StartJobRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.JobType == JobType.NotificationDigest)
        {
            return await RunDigestsAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var all = await clients.ListAsync(request.BusinessId, cancellationToken).ConfigureAwait(false);
        List<Clients.Client> selected;
        if (request.ClientIds is null)
        {
            selected = all.Where(c => c.IsActive).ToList();
        }
        else
        {
            var byId = all.ToDictionary(c => c.Id, StringComparer.Ordinal);
            var unknown = request.ClientIds.Where(id => !byId.ContainsKey(id)).ToList();
            if (unknown.Count > 0)
            {
                return StartJobResult.Invalid("client_ids", "Unknown client id(s): " + string.Join(", ", unknown));
            }

            var inactive = request.ClientIds.Where(id => !byId[id].IsActive).ToList();
            if (inactive.Count > 0)
            {
                return StartJobResult.Invalid("client_ids", "Inactive client id(s): " + string.Join(", ", inactive));
            }

            selected = request.ClientIds.Distinct(StringComparer.Ordinal).Select(id => byId[id]).ToList();
        }

        var now = timeProvider.GetUtcNow();
        var usesMocks = providers.Resolve(request.ForceMock).UsesMocks;
        var run = new JobRun(
            request.JobRunId ?? NewJobRunId(now), request.BusinessId, request.JobType, JobRunStatus.Running, request.Trigger, request.ScheduleId,
            request.ClientIds, request.ForceMock, usesMocks, selected.Count, 0, 0, RunCounts.Zero, now, null, null);
        if (selected.Count == 0)
        {
            run = run with { Status = JobRunStatus.Completed, CompletedAt = now };
        }

        var clientRuns = selected.Select(c => ClientRun.Pending(run.Id, run.BusinessId, c.Id, c.Name)).ToList();
        await jobRuns.CreateAsync(run, clientRuns, cancellationToken).ConfigureAwait(false);
        return StartJobResult.Started(run) with { ClientIds = selected.Select(c => c.Id).ToList() };
    }

    /// <summary>
    /// A <c>notification_digest</c> run: each daily or weekly user of the business gets the digest of the events since
    /// their last one now. It runs in place (no fan-out) and is recorded as a finished job run.
    /// </summary>
    private async Task<StartJobResult> RunDigestsAsync(StartJobRequest request, CancellationToken cancellationToken)
    {
        if (digests is null || request.ClientIds is not null)
        {
            return StartJobResult.Invalid(digests is null ? "job_type" : "client_ids", digests is null ? "Digests are not available in this host." : "A notification_digest run covers every user's digest; it takes no client ids.");
        }

        var started = timeProvider.GetUtcNow();
        var id = request.JobRunId ?? NewJobRunId(started);
        var counts = await digests.RunOnDemandAsync(request.BusinessId, id, cancellationToken).ConfigureAwait(false);
        var run = new JobRun(
            id, request.BusinessId, JobType.NotificationDigest, JobRunStatus.Completed, request.Trigger, request.ScheduleId, null, false, false, 0, 0, 0, counts,
            started, timeProvider.GetUtcNow(), null);
        await jobRuns.CreateAsync(run, [], cancellationToken).ConfigureAwait(false);
        (telemetry ?? Operations.NoTelemetry.Instance).JobRunFinished(run);
        return StartJobResult.Started(run);
    }

    /// <summary>
    /// Gives a job run its final status from what its clients came to (an orchestration's fan-in), or fails it as
    /// timed out when <paramref name="timeoutError"/> is set, then tells telemetry and the listeners. A run that is
    /// already finished is left as it is and returned, so a repeated call changes nothing.
    /// </summary>
    public async Task<JobRun> FinishAsync(string businessId, string jobRunId, IReadOnlyList<ClientOutcome> outcomes, string? timeoutError, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var run = await jobRuns.GetAsync(businessId, jobRunId, cancellationToken).ConfigureAwait(false)
            ?? throw new UnprocessableMessageException($"Job run {jobRunId} does not exist in business {businessId}.");
        if (run.IsFinished)
        {
            // A repeated finish (the activity retried after a listener failed, or the deadline came first): the
            // listeners are told again, which they take idempotently, so none of them misses the outcome.
            await NotifyListenersAsync(run, cancellationToken).ConfigureAwait(false);
            return run;
        }

        var finished = outcomes.Where(o => o.Status != ClientRunStatus.Pending).ToList();
        var failed = finished.Count(o => o.Status == ClientRunStatus.Failed);
        var counts = finished.Aggregate(RunCounts.Zero, (sum, o) => sum.Add(o.Counts));
        var (status, error) = timeoutError is null ? Outcome(failed, run.ClientsTotal) : (JobRunStatus.Failed, timeoutError);
        return await FinalizeAsync(run, finished.Count, failed, counts, status, error, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Completed when no client failed, failed when all did, partially failed in between.</summary>
    private static (JobRunStatus Status, string? Error) Outcome(int failed, int total)
        => failed == 0 ? (JobRunStatus.Completed, null)
            : (failed == total ? JobRunStatus.Failed : JobRunStatus.PartiallyFailed, $"{failed} of {total} client run(s) failed");

    private async Task<JobRun> FinalizeAsync(JobRun run, int finishedClients, int failed, RunCounts counts, JobRunStatus status, string? error, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var finished = await jobRuns.UpdateAsync(
            run.BusinessId,
            run.Id,
            current => current.IsFinished ? null : current with
            {
                Status = status,
                ClientsFinished = finishedClients,
                ClientsFailed = failed,
                Counts = counts,
                CompletedAt = now,
                Error = error,
            },
            cancellationToken).ConfigureAwait(false);
        (telemetry ?? Operations.NoTelemetry.Instance).JobRunFinished(finished);
        await NotifyListenersAsync(finished, cancellationToken).ConfigureAwait(false);
        return finished;
    }

    private async Task NotifyListenersAsync(JobRun finished, CancellationToken cancellationToken)
    {
        foreach (var listener in finishedListeners ?? [])
        {
            await listener.OnJobRunFinishedAsync(finished, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Inverted ticks then 8 random hex digits: ids sort newest first in storage, and never collide in practice.
    /// </summary>
    public static string NewJobRunId(DateTimeOffset now)
        => (DateTimeOffset.MaxValue.UtcTicks - now.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + Guid.NewGuid().ToString("N")[..8];

    /// <summary>True for a string shaped like <see cref="NewJobRunId"/>; anything else is rejected before a lookup.</summary>
    public static bool IsJobRunId(string? id) => id is { Length: 27 } && id.All(char.IsAsciiHexDigitLower);
}
