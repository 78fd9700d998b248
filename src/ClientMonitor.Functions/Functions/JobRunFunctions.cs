using ClientMonitor.Core.Pipeline;
using ClientMonitor.Durable;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace ClientMonitor.Functions.Functions;

/// <summary>
/// The job run orchestration and its activities as functions: the orchestration fans out one <c>MonitorClient</c>
/// per client with its retry policy, records the clients that fail every try, and finishes the run with the sum of
/// what the activities returned. The logic is <see cref="JobRunOrchestration"/> and <see cref="JobRunActivities"/>.
/// </summary>
public sealed class JobRunFunctions(JobRunActivities activities)
{
    [Function(JobRunOrchestration.Name)]
    public static Task<JobRunStatus> JobRun([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return JobRunOrchestration.RunAsync(context, context.GetInput<JobRunInput>()!);
    }

    [Function(JobRunOrchestration.MonitorClient)]
    public Task<ClientOutcome> MonitorClient([ActivityTrigger] ClientWork work, CancellationToken cancellationToken)
        => activities.MonitorClientAsync(work, cancellationToken);

    [Function(JobRunOrchestration.RecordClientFailed)]
    public Task<ClientOutcome> RecordClientFailed([ActivityTrigger] ClientFailure failure, CancellationToken cancellationToken)
        => activities.RecordClientFailedAsync(failure, cancellationToken);

    [Function(JobRunOrchestration.FinishJobRun)]
    public Task<JobRunStatus> FinishJobRun([ActivityTrigger] JobRunFinish finish, CancellationToken cancellationToken)
        => activities.FinishJobRunAsync(finish, cancellationToken);
}
