using Azure.Data.Tables;
using ClientMonitor.Core.Classifiers;
using ClientMonitor.Core.Mocks;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;
using ClientMonitor.Durable;
using ClientMonitor.LocalHost;
using ClientMonitor.Testing;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
        await using var worker = await PipelineWorker.StartAsync(Mocks);
        var business = await worker.SeedAsync(clients: 8);
        var (run, input) = await worker.CreateRunAsync(business);
        var taskHub = Azurite.UniqueName("hub");

        await using (var host = await DurableHost.StartAsync(azurite, taskHub, worker.Activities))
        {
            await host.Client.ScheduleNewOrchestrationInstanceAsync(JobRunOrchestration.Name, input, new StartOrchestrationOptions(run.Id));
            var metadata = await host.WaitAsync(run.Id);
            Assert.Equal((OrchestrationRuntimeStatus.Completed, JobRunStatus.Completed), (metadata.RuntimeStatus, metadata.ReadOutputAs<JobRunStatus>()));
        }

        var stored = (await worker.Stores.JobRuns.GetAsync(business, run.Id, CancellationToken.None))!;
        var events = (await worker.Stores.Events.QueryAsync(business, new EventQuery(null, null, null, null, null, 0, int.MaxValue), CancellationToken.None)).Items.Count;
        var instance = (await azurite.CreateTableService().GetTableClient(taskHub + "Instances").GetEntityAsync<TableEntity>(run.Id, string.Empty)).Value;
        Assert.Equal((JobRunStatus.Completed, 8, events), (stored.Status, stored.ClientsFinished, stored.Counts.EventsCreated));
        Assert.Equal("Completed", instance.GetString("RuntimeStatus"));
    }

    /// <summary>
    /// The engine and its worker stopped in the middle of a run (in process: the work already taken is abandoned,
    /// activities still running may finish behind its back), then started again on the same task hub: the run
    /// completes, no client is lost, and nothing is counted twice.
    /// </summary>
    [Fact]
    public async Task ARunInterruptedMidway_ResumesWhenTheEngineStartsAgain_WithNoClientLostOrCountedTwice()
    {
        var azurite = await Azurite.SharedAsync();
        await using var worker = await PipelineWorker.StartAsync(Mocks, services => services.Replace(ServiceDescriptor.Singleton<IProviderCatalog>(new SlowMockCatalog())));
        var business = await worker.SeedAsync(clients: 30);
        var (run, input) = await worker.CreateRunAsync(business);
        var taskHub = Azurite.UniqueName("hub");

        await using (var first = await DurableHost.StartAsync(azurite, taskHub, worker.Activities))
        {
            await first.Client.ScheduleNewOrchestrationInstanceAsync(JobRunOrchestration.Name, input, new StartOrchestrationOptions(run.Id));
            await WaitUntilAsync(async () => (await worker.Stores.JobRuns.ListClientRunsAsync(run.Id, CancellationToken.None)).Count(c => c.IsFinished) >= 5);
        }

        var finishedBeforeRestart = (await worker.Stores.JobRuns.ListClientRunsAsync(run.Id, CancellationToken.None)).Count(c => c.IsFinished);
        await using (var second = await DurableHost.StartAsync(azurite, taskHub, worker.Activities))
        {
            var metadata = await second.WaitAsync(run.Id);
            Assert.Equal(JobRunStatus.Completed, metadata.ReadOutputAs<JobRunStatus>());
        }

        var stored = (await worker.Stores.JobRuns.GetAsync(business, run.Id, CancellationToken.None))!;
        var events = (await worker.Stores.Events.QueryAsync(business, new EventQuery(null, null, null, null, null, 0, int.MaxValue), CancellationToken.None)).Items.Count;
        var amy = (await worker.Stores.Notifications.ListAsync(business, "amy", false, 0, int.MaxValue, null, CancellationToken.None)).Items.Count;
        var bob = (await worker.Stores.Notifications.ListAsync(business, "bob", false, 0, int.MaxValue, null, CancellationToken.None)).Items.Count;
        var emails = worker.Dispatcher.Emails.Where(e => e.BusinessId == business).Select(e => e.EmailId).Distinct().Count();
        Assert.InRange(finishedBeforeRestart, 5, 29);
        Assert.Equal((JobRunStatus.Completed, 30, 0), (stored.Status, stored.ClientsFinished, stored.ClientsFailed));
        Assert.Equal((events, amy + bob, emails), (stored.Counts.EventsCreated, stored.Counts.NotificationsCreated, stored.Counts.EmailsQueued));
    }

    private static readonly Dictionary<string, string?> Mocks = new() { ["Providers:UseMocks"] = "true" };

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (!await condition())
        {
            await Task.Delay(100, timeout.Token);
        }
    }

    /// <summary>The local engine on the task hub and a Durable Task worker and client connected to it.</summary>
    private sealed class DurableHost : IAsyncDisposable
    {
        private readonly LocalDurableEngine _engine;
        private readonly Grpc.Net.Client.GrpcChannel _channel;
        private readonly IHost _host;

        private DurableHost(LocalDurableEngine engine, Grpc.Net.Client.GrpcChannel channel, IHost host)
        {
            _engine = engine;
            _channel = channel;
            _host = host;
        }

        public DurableTaskClient Client => _host.Services.GetRequiredService<DurableTaskClient>();

        public static async Task<DurableHost> StartAsync(Azurite azurite, string taskHub, JobRunActivities activities)
        {
            // Short leases, so work taken by a stopped engine runs again soon.
            var engine = await LocalDurableEngine.StartAsync(new LocalDurableEngineOptions(new DurableTask.AzureStorage.StorageAccountClientProvider(azurite.ConnectionString), taskHub)
            {
                WorkItemVisibility = TimeSpan.FromSeconds(10),
                ControlQueueVisibility = TimeSpan.FromSeconds(10),
            });
            var channel = engine.CreateChannel();
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Services.AddDurableTaskWorker(b => b.UseGrpc(channel).AddTasks(tasks => tasks.AddJobRuns(() => activities)));
            builder.Services.AddDurableTaskClient(b => b.UseGrpc(channel));
            var host = builder.Build();
            await host.StartAsync();
            return new DurableHost(engine, channel, host);
        }

        public async Task<OrchestrationMetadata> WaitAsync(string instanceId)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            return await Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
        }

        public async ValueTask DisposeAsync()
        {
            // No grace: whatever the worker holds is abandoned, as when the process dies.
            using (var stopNow = new CancellationTokenSource())
            {
                await stopNow.CancelAsync();
                await _host.StopAsync(stopNow.Token);
            }

            _host.Dispose();
            _channel.Dispose();
            await _engine.DisposeAsync();
        }
    }

    /// <summary>The mock providers, with each search taking a moment, so a run is still going when the engine stops.</summary>
    private sealed class SlowMockCatalog : IProviderCatalog
    {
        public ProviderSet Resolve(bool forceMock)
            => new([new SlowSearch()], [new MockCrmProvider(TimeProvider.System)], KeylessClassifier.Default, new RuleBasedInsights(), UsesMocks: true);

        private sealed class SlowSearch : ISearchProvider
        {
            private readonly MockSearchProvider _inner = new();

            public string Name => _inner.Name;

            public async Task<IReadOnlyList<SearchItem>> SearchAsync(SearchRequest request, CancellationToken cancellationToken)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(400), cancellationToken);
                return await _inner.SearchAsync(request, cancellationToken);
            }
        }
    }
}
