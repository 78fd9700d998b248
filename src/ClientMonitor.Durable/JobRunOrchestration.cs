using ClientMonitor.Core.Pipeline;
using Microsoft.DurableTask;

namespace ClientMonitor.Durable;

/// <summary>The orchestration's input: the job run (already recorded, with a pending client run per client) and its deadline.</summary>
public sealed record JobRunInput(string BusinessId, string JobRunId, IReadOnlyList<string> ClientIds, DateTimeOffset StartedAt, DateTimeOffset Deadline);

/// <summary>One client of a job run, for the client activity.</summary>
public sealed record ClientWork(string BusinessId, string JobRunId, string ClientId);

/// <summary>A client that failed every attempt, with the last error.</summary>
public sealed record ClientFailure(string BusinessId, string JobRunId, string ClientId, string Error, int Attempts);

/// <summary>What the run came to: every client's outcome, or a timeout with the outcomes that arrived in time.</summary>
public sealed record JobRunFinish(string BusinessId, string JobRunId, IReadOnlyList<ClientOutcome> Outcomes, string? TimeoutError);

/// <summary>
/// A job run as a Durable orchestration (instance id = job run id): one <see cref="MonitorClient"/> activity per
/// client with <see cref="ClientRetry"/>; a client that fails every attempt is recorded failed by
/// <see cref="RecordClientFailed"/>; the fan-in sums what the activities return; <see cref="FinishJobRun"/> records
/// the outcome (job run row, schedule outcome, alerts, telemetry). A durable timer at the deadline finishes a run
/// that is still going as timed out (the scheduler's deadline entry is the backstop if the orchestration itself
/// fails); the instance completes once the clients still in flight return (the engine cannot cancel an activity). Orchestration code must be deterministic: all time
/// and I/O come from the context and the activities.
/// </summary>
public static class JobRunOrchestration
{
    public const string Name = "JobRun";
    public const string MonitorClient = "MonitorClient";
    public const string RecordClientFailed = "RecordClientFailed";
    public const string FinishJobRun = "FinishJobRun";

    /// <summary>
    /// Five attempts, 30 s before the second, doubling, at most 5 minutes apart. A client that cannot be run at all
    /// (its job run or client run does not exist) is not retried.
    /// </summary>
    public static readonly RetryPolicy ClientRetry = new(
        maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(30), backoffCoefficient: 2.0, maxRetryInterval: TimeSpan.FromMinutes(5))
    {
        HandleFailure = IsRetryable,
    };

    /// <summary>
    /// For the bookkeeping activities (recording a failed client, finishing the run): quick retries of storage
    /// hiccups, none for a run or client run that does not exist.
    /// </summary>
    public static readonly RetryPolicy BookkeepingRetry = new(
        maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(5), backoffCoefficient: 2.0, maxRetryInterval: TimeSpan.FromMinutes(1))
    {
        HandleFailure = IsRetryable,
    };

    /// <summary>
    /// Every failure is worth another attempt except a run or client run that does not exist. Compared by the
    /// failure's type name: <c>IsCausedBy&lt;T&gt;</c> resolves that name with <c>Type.GetType</c>, which does not
    /// find a type of another assembly from its full name, so it never matched ours.
    /// </summary>
    public static bool IsRetryable(TaskFailureDetails failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return failure.ErrorType != typeof(UnprocessableMessageException).FullName;
    }

    public static async Task<JobRunStatus> RunAsync(TaskOrchestrationContext context, JobRunInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var clients = input.ClientIds.Select(id => RunClientAsync(context, new ClientWork(input.BusinessId, input.JobRunId, id))).ToList();
        var all = Task.WhenAll(clients);

        string? timeoutError = null;
        using (var deadline = new CancellationTokenSource())
        {
            var timer = context.CreateTimer(input.Deadline.UtcDateTime, deadline.Token);
            if (await Task.WhenAny(all, timer).ConfigureAwait(true) == timer)
            {
                var minutes = (int)Math.Round((input.Deadline - input.StartedAt).TotalMinutes);
                timeoutError = JobRun.TimeoutError(minutes, clients.Count(c => c.IsCompletedSuccessfully), clients.Count);
            }
            else
            {
                // The timer must not keep the orchestration alive once every client is done. Cancel synchronously:
                // the engine needs the timer's cancellation on the orchestration's own thread, which CancelAsync
                // would leave (the instance then never completes).
                deadline.Cancel();
            }
        }

        var outcomes = clients.Where(c => c.IsCompletedSuccessfully).Select(c => c.Result).ToList();
        return await context.CallActivityAsync<JobRunStatus>(FinishJobRun, new JobRunFinish(input.BusinessId, input.JobRunId, outcomes, timeoutError), TaskOptions.FromRetryPolicy(BookkeepingRetry)).ConfigureAwait(true);
    }

    private static async Task<ClientOutcome> RunClientAsync(TaskOrchestrationContext context, ClientWork work)
    {
        try
        {
            return await context.CallActivityAsync<ClientOutcome>(MonitorClient, work, TaskOptions.FromRetryPolicy(ClientRetry)).ConfigureAwait(true);
        }
        catch (TaskFailedException ex)
        {
            var failure = new ClientFailure(work.BusinessId, work.JobRunId, work.ClientId, ex.FailureDetails.ErrorMessage, ClientRetry.MaxNumberOfAttempts);
            try
            {
                return await context.CallActivityAsync<ClientOutcome>(RecordClientFailed, failure, TaskOptions.FromRetryPolicy(BookkeepingRetry)).ConfigureAwait(true);
            }
            catch (TaskFailedException)
            {
                // Not even recorded: the client still counts as failed, so the run cannot end "completed" without it.
                return new ClientOutcome(work.ClientId, ClientRunStatus.Failed, RunCounts.Zero);
            }
        }
    }
}
