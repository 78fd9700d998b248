using ClientMonitor.Core.Pipeline;
using Microsoft.DurableTask;

namespace ClientMonitor.Durable;

/// <summary>
/// The job run orchestration's activities: thin calls into the client pipeline and the job run service. Activities
/// run at least once, so each is idempotent: a finished client run is returned as stored, a failure is recorded only
/// on an unfinished client run, and a finished job run is not finished again.
/// </summary>
public sealed class JobRunActivities(MonitorClientProcessor processor, JobRunService jobRuns)
{
    public Task<ClientOutcome> MonitorClientAsync(ClientWork work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        return processor.RunClientAsync(work.BusinessId, work.JobRunId, work.ClientId, cancellationToken);
    }

    public Task<ClientOutcome> RecordClientFailedAsync(ClientFailure failure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return processor.RecordFailedAsync(failure.BusinessId, failure.JobRunId, failure.ClientId, failure.Error, failure.Attempts, cancellationToken);
    }

    public async Task<JobRunStatus> FinishJobRunAsync(JobRunFinish finish, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(finish);
        var run = await jobRuns.FinishAsync(finish.BusinessId, finish.JobRunId, finish.Outcomes, finish.TimeoutError, cancellationToken).ConfigureAwait(false);
        return run.Status;
    }
}

/// <summary>Registers the job run orchestration and its activities with a Durable Task worker (the local host and tests).</summary>
public static class JobRunRegistration
{
    /// <param name="tasks">The worker's registry.</param>
    /// <param name="activities">Gives the activities' implementation (from the app's services) when an activity runs.</param>
    public static DurableTaskRegistry AddJobRuns(this DurableTaskRegistry tasks, Func<JobRunActivities> activities)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(activities);
        tasks.AddOrchestratorFunc<JobRunInput, JobRunStatus>(JobRunOrchestration.Name, (context, input) => JobRunOrchestration.RunAsync(context, input));
        tasks.AddActivityFunc<ClientWork, ClientOutcome>(JobRunOrchestration.MonitorClient, (_, work) => activities().MonitorClientAsync(work, CancellationToken.None));
        tasks.AddActivityFunc<ClientFailure, ClientOutcome>(JobRunOrchestration.RecordClientFailed, (_, failure) => activities().RecordClientFailedAsync(failure, CancellationToken.None));
        tasks.AddActivityFunc<JobRunFinish, JobRunStatus>(JobRunOrchestration.FinishJobRun, (_, finish) => activities().FinishJobRunAsync(finish, CancellationToken.None));
        return tasks;
    }
}
