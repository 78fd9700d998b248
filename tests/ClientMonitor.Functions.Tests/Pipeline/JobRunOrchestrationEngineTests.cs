using ClientMonitor.Core.Pipeline;
using ClientMonitor.Durable;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ClientMonitor.Functions.Tests.Pipeline;

/// <summary>
/// The job run orchestration on a Durable Task engine (in process), with the real client pipeline on Azurite and
/// mock providers: what the engine does with retries, history and replays is real, only the store of its state is
/// in memory.
/// </summary>
public sealed class JobRunOrchestrationEngineTests
{
    private static readonly Dictionary<string, string?> Mocks = new() { ["Providers:UseMocks"] = "true" };

    static JobRunOrchestrationEngineTests()
    {
        // The engine's own host logs every request to the console; its warnings are enough.
        Environment.SetEnvironmentVariable("Logging__Console__LogLevel__Default", "Warning");
    }

    [Fact]
    public async Task ARun_CompletesWithTotalsEqualToTheRowsWritten_EvenWhenAClientRanTwice()
    {
        await using var worker = await PipelineWorker.StartAsync(Mocks);
        var business = await worker.SeedAsync(clients: 24);
        var (run, input) = await worker.CreateRunAsync(business);
        var activities = worker.Activities;
        // An activity that ran before and whose answer was lost: the engine runs it again.
        await activities.MonitorClientAsync(new ClientWork(business, run.Id, input.ClientIds[0]), CancellationToken.None);

        var metadata = await RunOnEngineAsync(activities, input);
        var stored = (await worker.Stores.JobRuns.GetAsync(business, run.Id, CancellationToken.None))!;
        var events = (await worker.Stores.Events.QueryAsync(business, new EventQuery(null, null, null, null, null, 0, int.MaxValue), CancellationToken.None)).Items.Count;
        var amy = (await worker.Stores.Notifications.ListAsync(business, "amy", false, 0, int.MaxValue, null, CancellationToken.None)).Items.Count;
        var bob = (await worker.Stores.Notifications.ListAsync(business, "bob", false, 0, int.MaxValue, null, CancellationToken.None)).Items.Count;

        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        Assert.Equal(JobRunStatus.Completed, metadata.ReadOutputAs<JobRunStatus>());
        Assert.Equal((JobRunStatus.Completed, 24, 0), (stored.Status, stored.ClientsFinished, stored.ClientsFailed));
        Assert.True(events > 0, "the mock sources give every client news");
        Assert.Equal((events, amy + bob), (stored.Counts.EventsCreated, stored.Counts.NotificationsCreated));
        Assert.All(await worker.Stores.JobRuns.ListClientRunsAsync(run.Id, CancellationToken.None), c => Assert.Equal(ClientRunStatus.Completed, c.Status));
    }

    [Fact]
    public async Task AClientGoneBeforeItsTurn_FailsAlone_AndTheRunIsPartiallyFailed()
    {
        await using var worker = await PipelineWorker.StartAsync(Mocks);
        var business = await worker.SeedAsync(clients: 3);
        var (run, input) = await worker.CreateRunAsync(business);
        await worker.Stores.Clients.DeleteAsync(business, input.ClientIds[1], null, CancellationToken.None);

        var metadata = await RunOnEngineAsync(worker.Activities, input);
        var stored = (await worker.Stores.JobRuns.GetAsync(business, run.Id, CancellationToken.None))!;
        var gone = (await worker.Stores.JobRuns.GetClientRunAsync(run.Id, input.ClientIds[1], CancellationToken.None))!;

        Assert.Equal(JobRunStatus.PartiallyFailed, metadata.ReadOutputAs<JobRunStatus>());
        Assert.Equal((JobRunStatus.PartiallyFailed, 3, 1, "1 of 3 client run(s) failed"), (stored.Status, stored.ClientsFinished, stored.ClientsFailed, stored.Error));
        Assert.Equal((ClientRunStatus.Failed, "The client no longer exists."), (gone.Status, gone.Error));
    }

    private static async Task<OrchestrationMetadata> RunOnEngineAsync(JobRunActivities activities, JobRunInput input)
    {
        await using var engine = await InProcessEngine.StartAsync(tasks => tasks.AddJobRuns(() => activities));
        var instanceId = await engine.Client.ScheduleNewOrchestrationInstanceAsync(JobRunOrchestration.Name, input, new StartOrchestrationOptions(input.JobRunId));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var metadata = await engine.Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
        Assert.Equal(input.JobRunId, instanceId);
        return metadata;
    }
}
