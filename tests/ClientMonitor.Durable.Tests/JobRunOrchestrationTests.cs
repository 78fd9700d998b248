using ClientMonitor.Core.Pipeline;
using Microsoft.DurableTask;
using Moq;

namespace ClientMonitor.Durable.Tests;

/// <summary>The orchestration's decisions, with the Durable context mocked: fan-out, retries, failures, fan-in, deadline.</summary>
public sealed class JobRunOrchestrationTests
{
    private static readonly DateTimeOffset Started = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);
    private readonly Mock<TaskOrchestrationContext> _context = new(MockBehavior.Strict);
    private readonly List<(ClientWork Work, TaskOptions? Options)> _clientCalls = [];
    private readonly List<ClientFailure> _failures = [];
    private JobRunFinish? _finish;
    private CancellationToken _timerToken;

    public JobRunOrchestrationTests()
    {
        _context.Setup(c => c.CallActivityAsync<ClientOutcome>(It.Is<TaskName>(n => n.Name == JobRunOrchestration.RecordClientFailed), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns((TaskName _, object? input, TaskOptions? _) =>
            {
                var failure = (ClientFailure)input!;
                _failures.Add(failure);
                return Task.FromResult(new ClientOutcome(failure.ClientId, ClientRunStatus.Failed, RunCounts.Zero));
            });
        _context.Setup(c => c.CallActivityAsync<JobRunStatus>(It.Is<TaskName>(n => n.Name == JobRunOrchestration.FinishJobRun), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns((TaskName _, object? input, TaskOptions? _) =>
            {
                _finish = (JobRunFinish)input!;
                return Task.FromResult(JobRunStatus.Completed);
            });
        TimerNeverFires();
    }

    [Fact]
    public async Task EachClient_GetsOneActivityWithTheRetryPolicy_AndTheFinishGetsEveryOutcome()
    {
        ClientsAnswer(id => Task.FromResult(Outcome(id, events: id.Length)));

        await JobRunOrchestration.RunAsync(_context.Object, Input("a", "bb", "ccc"));

        Assert.Equal(["a", "bb", "ccc"], _clientCalls.Select(c => c.Work.ClientId));
        Assert.All(_clientCalls, c => Assert.Equal(("b1", "run1"), (c.Work.BusinessId, c.Work.JobRunId)));
        var policy = Assert.Single(_clientCalls.Select(c => c.Options?.Retry?.Policy).Distinct());
        Assert.Equal((5, TimeSpan.FromSeconds(30), 2.0), (policy!.MaxNumberOfAttempts, policy.FirstRetryInterval, policy.BackoffCoefficient));
        Assert.NotNull(_finish);
        Assert.Null(_finish.TimeoutError);
        Assert.Equal(6, _finish.Outcomes.Sum(o => o.Counts.EventsCreated));
        Assert.Empty(_failures);
    }

    [Fact]
    public async Task AClientThatFailsEveryAttempt_IsRecordedFailedWithItsLastError_AndTheOthersCarryOn()
    {
        ClientsAnswer(id => id == "b"
            ? Task.FromException<ClientOutcome>(new TaskFailedException(JobRunOrchestration.MonitorClient, 2, new TaskFailureDetails("HttpRequestException", "CRM said no", null, null, null)))
            : Task.FromResult(Outcome(id, events: 2)));

        await JobRunOrchestration.RunAsync(_context.Object, Input("a", "b", "c"));

        var failure = Assert.Single(_failures);
        Assert.Equal(("b", "CRM said no", 5), (failure.ClientId, failure.Error, failure.Attempts));
        Assert.Equal([ClientRunStatus.Completed, ClientRunStatus.Failed, ClientRunStatus.Completed], _finish!.Outcomes.Select(o => o.Status));
        Assert.Equal(4, _finish.Outcomes.Sum(o => o.Counts.EventsCreated));
    }

    [Fact]
    public async Task AFailureThatCannotEvenBeRecorded_StillCountsTheClientFailed()
    {
        ClientsAnswer(id => id == "b"
            ? Task.FromException<ClientOutcome>(new TaskFailedException(JobRunOrchestration.MonitorClient, 2, new TaskFailureDetails("HttpRequestException", "CRM said no", null, null, null)))
            : Task.FromResult(Outcome(id, events: 1)));
        _context.Setup(c => c.CallActivityAsync<ClientOutcome>(It.Is<TaskName>(n => n.Name == JobRunOrchestration.RecordClientFailed), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns(Task.FromException<ClientOutcome>(new TaskFailedException(JobRunOrchestration.RecordClientFailed, 3, new TaskFailureDetails("RequestFailedException", "storage unavailable", null, null, null))));

        await JobRunOrchestration.RunAsync(_context.Object, Input("a", "b"));

        Assert.Equal([("a", ClientRunStatus.Completed), ("b", ClientRunStatus.Failed)], _finish!.Outcomes.Select(o => (o.ClientId, o.Status)));
    }

    [Fact]
    public async Task WhenEveryClientIsDone_TheDeadlineTimerIsCancelled()
    {
        ClientsAnswer(id => Task.FromResult(Outcome(id, events: 1)));

        await JobRunOrchestration.RunAsync(_context.Object, Input("a"));

        Assert.True(_timerToken.IsCancellationRequested);
    }

    [Fact]
    public async Task ARunStillGoingAtItsDeadline_FinishesTimedOutWithWhatArrived()
    {
        var stuck = new TaskCompletionSource<ClientOutcome>();
        ClientsAnswer(id => id == "c" ? stuck.Task : Task.FromResult(Outcome(id, events: 1)));
        _context.Setup(c => c.CreateTimer(Started.AddMinutes(60).UtcDateTime, It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);

        await JobRunOrchestration.RunAsync(_context.Object, Input("a", "b", "c"));

        Assert.Equal("Timed out after 60 minute(s) with 2 of 3 client run(s) finished.", _finish!.TimeoutError);
        Assert.Equal(["a", "b"], _finish.Outcomes.Select(o => o.ClientId));
    }

    [Fact]
    public void ARunOrClientRunThatDoesNotExist_IsNotRetried_AStorageHiccupIs()
    {
        var missing = new TaskFailureDetails(typeof(UnprocessableMessageException).FullName!, "Job run r1 does not exist in business b1.", null, null, null);
        var hiccup = new TaskFailureDetails(typeof(HttpRequestException).FullName!, "connection reset", null, null, null);

        Assert.False(JobRunOrchestration.IsRetryable(missing));
        Assert.True(JobRunOrchestration.IsRetryable(hiccup));
    }

    private static JobRunInput Input(params string[] clientIds) => new("b1", "run1", clientIds, Started, Started.AddMinutes(60));

    private static ClientOutcome Outcome(string clientId, int events) => new(clientId, ClientRunStatus.Completed, RunCounts.Zero with { ItemsFound = events, EventsCreated = events });

    private void ClientsAnswer(Func<string, Task<ClientOutcome>> answer)
        => _context.Setup(c => c.CallActivityAsync<ClientOutcome>(It.Is<TaskName>(n => n.Name == JobRunOrchestration.MonitorClient), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns((TaskName _, object? input, TaskOptions? options) =>
            {
                var work = (ClientWork)input!;
                _clientCalls.Add((work, options));
                return answer(work.ClientId);
            });

    private void TimerNeverFires()
        => _context.Setup(c => c.CreateTimer(It.IsAny<DateTime>(), It.IsAny<CancellationToken>()))
            .Returns((DateTime _, CancellationToken token) =>
            {
                _timerToken = token;
                return new TaskCompletionSource().Task;
            });
}
