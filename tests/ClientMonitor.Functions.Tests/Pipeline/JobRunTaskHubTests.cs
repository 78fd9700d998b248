using Azure.Data.Tables;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Durable;
using ClientMonitor.LocalHost;
using ClientMonitor.Testing;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClientMonitor.Functions.Tests.Pipeline;

/// <summary>
/// The job run orchestration on the engine Durable Functions uses in Azure (the Azure Storage provider), here on
/// Azurite through the local host's <see cref="LocalDurableEngine"/>: the task hub's tables and queues are real.
/// </summary>
public sealed class JobRunTaskHubTests
{
    [Fact]
    public async Task ARun_CompletesOnTheAzureStorageEngine_AndItsInstanceIsCompletedInTheTaskHub()
    {
        var azurite = await Azurite.SharedAsync();
        await using var worker = await PipelineWorker.StartAsync(new Dictionary<string, string?> { ["Providers:UseMocks"] = "true" });
        var business = await worker.SeedAsync(clients: 8);
        var created = await worker.Jobs.CreateAsync(new StartJobRequest(business, JobType.ClientMonitoring, null, false, "test"), CancellationToken.None);
        var run = created.JobRun!;
        var activities = new JobRunActivities(worker.Services.GetRequiredService<MonitorClientProcessor>(), worker.Jobs);
        var taskHub = Azurite.UniqueName("hub");

        await using var engine = await LocalDurableEngine.StartAsync(new LocalDurableEngineOptions(azurite.ConnectionString, taskHub) { WorkItemVisibility = TimeSpan.FromSeconds(30) });
        using var channel = engine.CreateChannel();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDurableTaskWorker(b => b.UseGrpc(channel).AddTasks(tasks => tasks.AddJobRuns(() => activities)));
        builder.Services.AddDurableTaskClient(b => b.UseGrpc(channel));
        using var host = builder.Build();
        await host.StartAsync();
        var client = host.Services.GetRequiredService<DurableTaskClient>();

        var instanceId = await client.ScheduleNewOrchestrationInstanceAsync(
            JobRunOrchestration.Name, new JobRunInput(business, run.Id, created.ClientIds, run.StartedAt, run.StartedAt.AddHours(1)), new StartOrchestrationOptions(run.Id));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var metadata = await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
        var stored = (await worker.Stores.JobRuns.GetAsync(business, run.Id, CancellationToken.None))!;
        var (_, events) = await worker.Stores.Events.QueryAsync(business, new EventQuery(null, null, null, null, null, 0, 1), CancellationToken.None);
        var instance = (await azurite.CreateTableService().GetTableClient(taskHub + "Instances").GetEntityAsync<TableEntity>(run.Id, string.Empty)).Value;
        await host.StopAsync();

        Assert.Equal((OrchestrationRuntimeStatus.Completed, JobRunStatus.Completed), (metadata.RuntimeStatus, metadata.ReadOutputAs<JobRunStatus>()));
        Assert.Equal((JobRunStatus.Completed, 8, events), (stored.Status, stored.ClientsFinished, stored.Counts.EventsCreated));
        Assert.Equal("Completed", instance.GetString("RuntimeStatus"));
    }
}
