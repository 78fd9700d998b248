using System.Text.Json;
using ClientMonitor.Core.Classifiers;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Mocks;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;
using ClientMonitor.Functions.Hosting;
using ClientMonitor.Application.Triggers;
using ClientMonitor.Functions.Invocations;
using ClientMonitor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClientMonitor.Functions.Tests.Pipeline;

public sealed class PipelineTests
{
    [Fact]
    public async Task RedeliveringEveryMessageOfAFinishedRun_CreatesNothingAndKeepsCounters()
    {
        await using var worker = await PipelineWorker.StartAsync(new Dictionary<string, string?> { ["Providers:UseMocks"] = "true" });
        var business = await worker.SeedAsync(clients: 6);
        var run = (await worker.Jobs.StartAsync(new StartJobRequest(business, JobType.ClientMonitoring, null, false, "test"), CancellationToken.None)).JobRun!;
        var messages = worker.Dispatcher.MonitorMessages.Where(m => m.JobRunId == run.Id).ToList();

        await worker.DeliverAsync(messages);
        var finished = (await worker.Stores.JobRuns.GetAsync(business, run.Id, CancellationToken.None))!;
        var before = await SnapshotAsync(worker, business);

        await worker.DeliverAsync(messages, dequeueCount: 2);
        await worker.DeliverAsync(messages.Take(2), dequeueCount: 3);
        var after = await SnapshotAsync(worker, business);
        var again = (await worker.Stores.JobRuns.GetAsync(business, run.Id, CancellationToken.None))!;

        Assert.Equal(6, messages.Count);
        Assert.Equal(JobRunStatus.Completed, finished.Status);
        Assert.True(finished.Counts.EventsCreated > 0 && finished.Counts.NotificationsCreated > 0 && finished.Counts.EmailsQueued > 0, finished.Counts.ToString());
        Assert.Equal(before, after);
        Assert.Equal(finished.Counts, again.Counts);
        Assert.Equal(finished.ClientsFinished, again.ClientsFinished);
        Assert.Equal(finished.CompletedAt, again.CompletedAt);
        Assert.Equal(finished.Counts.EventsCreated, before.Events);
        Assert.Equal(finished.Counts.NotificationsCreated, before.Notifications);
    }

    [Fact]
    public async Task AClientAttemptThatCrashedMidway_IsCountedWholeByTheNextAttempt()
    {
        var insights = new CrashOnceInsights(crashOnCall: 3);
        await using var worker = await PipelineWorker.StartAsync(
            new Dictionary<string, string?> { ["Providers:UseMocks"] = "true" },
            services => services.Replace(ServiceDescriptor.Singleton<IProviderCatalog>(new MockCatalogWith(insights))));
        var business = await worker.SeedAsync(clients: 1);
        var created = await worker.Jobs.CreateAsync(new StartJobRequest(business, JobType.ClientMonitoring, null, false, "test"), CancellationToken.None);
        var processor = worker.Services.GetRequiredService<MonitorClientProcessor>();
        var clientId = Assert.Single(created.ClientIds);

        await Assert.ThrowsAsync<InvalidOperationException>(() => processor.RunClientAsync(business, created.JobRun!.Id, clientId, CancellationToken.None));
        var writtenByTheCrashedAttempt = await SnapshotAsync(worker, business);
        var outcome = await processor.RunClientAsync(business, created.JobRun!.Id, clientId, CancellationToken.None);
        var after = await SnapshotAsync(worker, business);

        Assert.True(writtenByTheCrashedAttempt.Events >= 2, "the first attempt wrote events before it crashed");
        Assert.Equal((after.Events, after.Notifications, after.DistinctEmailIds), (outcome.Counts.EventsCreated, outcome.Counts.NotificationsCreated, outcome.Counts.EmailsQueued));
        Assert.True(outcome.Counts.EventsCreated <= 5, "still at most five events per client");
    }

    [Fact]
    public async Task ARunOverNewItemsOnly_SecondRunTheSameDay_FindsNothingNew()
    {
        await using var worker = await PipelineWorker.StartAsync(new Dictionary<string, string?> { ["Providers:UseMocks"] = "true" });
        var business = await worker.SeedAsync(clients: 2);

        var first = await RunAsync(worker, business);
        var second = await RunAsync(worker, business);

        Assert.True(first.Counts.NewItems > 0);
        Assert.Equal(first.Counts.ItemsFound, second.Counts.ItemsFound);
        Assert.Equal(0, second.Counts.NewItems);
        Assert.Equal(0, second.Counts.EventsCreated);
    }

    [Fact]
    public async Task TwoHundredClients_WithOneSourceFailingEveryCall_CompleteOnTheOtherSource()
    {
        await using var gdelt = await FakeProviderServer.StartAsync(500, "Internal Server Error", "text/plain");
        await using var newsApi = await FakeProviderServer.StartAsync(200, """
            {"status":"ok","totalResults":1,"articles":[{"source":{"id":"reuters","name":"Reuters"},"author":null,"title":"Regional software makers announce layoffs as demand slows","description":"Several companies cut jobs.","url":"https://www.reuters.com/technology/software-layoffs-2026-11-21/","urlToImage":null,"publishedAt":"2026-11-21T09:30:00Z","content":"..."}]}
            """);
        await using var worker = await PipelineWorker.StartAsync(new Dictionary<string, string?>
        {
            ["Providers:UseMocks"] = "false",
            ["Providers:Gdelt:BaseUrl"] = gdelt.BaseUrl.ToString(),
            ["Providers:NewsApi:BaseUrl"] = newsApi.BaseUrl.ToString(),
            ["Providers:NewsApi:ApiKey"] = "test-key",
            ["Providers:Resilience:MaxRetries"] = "1",
            ["Providers:Resilience:BaseDelay"] = "00:00:00.005",
            ["Providers:Resilience:AttemptTimeout"] = "00:00:05",
            ["Providers:Resilience:BreakerMinimumThroughput"] = "5",
        });
        var business = await worker.SeedAsync(clients: 200);
        var run = (await worker.Jobs.StartAsync(new StartJobRequest(business, JobType.ClientMonitoring, null, false, "test"), CancellationToken.None)).JobRun!;

        await worker.DeliverAsync(worker.Dispatcher.MonitorMessages.Where(m => m.JobRunId == run.Id).ToList());

        var finished = (await worker.Stores.JobRuns.GetAsync(business, run.Id, CancellationToken.None))!;
        var clientRuns = await worker.Stores.JobRuns.ListClientRunsAsync(run.Id, CancellationToken.None);
        Assert.False(finished.UsedMockProviders);
        Assert.Equal(JobRunStatus.Completed, finished.Status);
        Assert.Equal(200, clientRuns.Count);
        Assert.All(clientRuns, c =>
        {
            Assert.Equal(ClientRunStatus.Completed, c.Status);
            Assert.Contains("news_api", c.SourcesUsed);
            Assert.Contains(c.FailedSources, f => f.StartsWith("gdelt: ", StringComparison.Ordinal));
        });
        Assert.Contains(clientRuns, c => c.FailedSources.Any(f => f.Contains("CircuitOpen", StringComparison.Ordinal)));
        Assert.Equal(200, finished.Counts.ItemsFound);

        using var client = worker.CreateClient();
        using var health = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/health", UriKind.Relative)));
        var providers = health.RootElement.GetProperty("checks").GetProperty("providers");
        Assert.Equal("Degraded", providers.GetProperty("status").GetString());
        Assert.Equal("open", providers.GetProperty("data").GetProperty("gdelt").GetProperty("circuit").GetString());
    }

    [Fact]
    public async Task MalformedOrUnknownMessages_AreRejectedAsUnprocessable()
    {
        await using var worker = await PipelineWorker.StartAsync(new Dictionary<string, string?> { ["Providers:UseMocks"] = "true" });

        await Assert.ThrowsAsync<InvalidMessageException>(() => worker.MonitorClient.RunAsync(new QueueInvocation("MonitorClient", "not json", "m1", 1, null), CancellationToken.None));
        await Assert.ThrowsAsync<InvalidMessageException>(() => worker.MonitorClient.RunAsync(new QueueInvocation("MonitorClient", "{}", "m2", 1, null), CancellationToken.None));
        var unknown = WireJson.Serialize(new MonitorClientMessage(1, "no-such-business", JobRunService.NewJobRunId(DateTimeOffset.UnixEpoch), "c"));
        var ex = await Assert.ThrowsAsync<InvalidMessageException>(() => worker.MonitorClient.RunAsync(new QueueInvocation("MonitorClient", unknown, "m3", 1, null), CancellationToken.None));
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClientThatKeepsFailing_IsRecordedFailedOnTheLastTry_AndTheJobRunStillFinishes()
    {
        await using var worker = await PipelineWorker.StartAsync(
            new Dictionary<string, string?> { ["Providers:UseMocks"] = "true" },
            services => services.Replace(ServiceDescriptor.Singleton<IProviderCatalog>(new BrokenSearchCatalog())));
        var business = await worker.SeedAsync(clients: 2);
        var run = (await worker.Jobs.StartAsync(new StartJobRequest(business, JobType.ClientMonitoring, null, false, "test"), CancellationToken.None)).JobRun!;
        var messages = worker.Dispatcher.MonitorMessages.Where(m => m.JobRunId == run.Id).ToList();
        var maxTries = worker.Services.GetRequiredService<HostSettings>().MaxDequeueCount;

        await Assert.ThrowsAsync<InvalidOperationException>(() => worker.DeliverAsync(messages.Take(1), dequeueCount: 1));
        var afterFirstTry = (await worker.Stores.JobRuns.GetClientRunAsync(run.Id, messages[0].ClientId, CancellationToken.None))!;
        foreach (var message in messages)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => worker.DeliverAsync([message], dequeueCount: maxTries));
        }

        var finished = (await worker.Stores.JobRuns.GetAsync(business, run.Id, CancellationToken.None))!;
        var clientRun = (await worker.Stores.JobRuns.GetClientRunAsync(run.Id, messages[0].ClientId, CancellationToken.None))!;
        Assert.Equal(ClientRunStatus.Pending, afterFirstTry.Status);
        Assert.Equal(JobRunStatus.Failed, finished.Status);
        Assert.Equal(2, finished.ClientsFailed);
        Assert.Equal(ClientRunStatus.Failed, clientRun.Status);
        Assert.Equal(maxTries, clientRun.Attempts);
        Assert.Contains("search index unavailable", clientRun.Error, StringComparison.Ordinal);
    }

    private static async Task<JobRun> RunAsync(PipelineWorker worker, string business)
    {
        var run = (await worker.Jobs.StartAsync(new StartJobRequest(business, JobType.ClientMonitoring, null, false, "test"), CancellationToken.None)).JobRun!;
        await worker.DeliverAsync(worker.Dispatcher.MonitorMessages.Where(m => m.JobRunId == run.Id).ToList());
        return (await worker.Stores.JobRuns.GetAsync(business, run.Id, CancellationToken.None))!;
    }

    private static async Task<Snapshot> SnapshotAsync(PipelineWorker worker, string business)
    {
        var stores = worker.Stores;
        var (_, events) = await stores.Events.QueryAsync(business, new EventQuery(null, null, null, null, null, 0, 1), CancellationToken.None);
        var (_, amy) = await stores.Notifications.ListAsync(business, "amy", false, 0, 1, CancellationToken.None);
        var (_, bob) = await stores.Notifications.ListAsync(business, "bob", false, 0, 1, CancellationToken.None);
        var raw = 0;
        foreach (var client in await stores.Clients.ListAsync(business, CancellationToken.None))
        {
            raw += (await stores.RawData.ListAsync(business, client.Id, CancellationToken.None)).Count;
        }

        var emailIds = worker.Dispatcher.Emails.Where(e => e.BusinessId == business).Select(e => e.EmailId).Distinct().Count();
        return new Snapshot(events, amy + bob, raw, emailIds);
    }

    /// <summary>The mock providers with the given insight generator.</summary>
    private sealed class MockCatalogWith(IInsightGenerator insights) : IProviderCatalog
    {
        public ProviderSet Resolve(bool forceMock)
            => new([new MockSearchProvider()], [new MockCrmProvider(TimeProvider.System)], KeylessClassifier.Default, insights, UsesMocks: true);
    }

    /// <summary>Rule-based insights that crash once, on the given call: a worker dying in the middle of a client.</summary>
    private sealed class CrashOnceInsights(int crashOnCall) : IInsightGenerator
    {
        private int _calls;

        public string Name => "rule_based";

        public Task<Insight> GenerateAsync(MonitoringEvent monitoringEvent, Client client, CrmContext? crm, CancellationToken cancellationToken)
            => Interlocked.Increment(ref _calls) == crashOnCall
                ? throw new InvalidOperationException("worker died")
                : Task.FromResult(RuleBasedInsights.Generate(monitoringEvent, client, crm));
    }

    /// <summary>A search source that fails with an unexpected exception (not a provider failure), so the message is retried.</summary>
    private sealed class BrokenSearchCatalog : IProviderCatalog
    {
        public ProviderSet Resolve(bool forceMock) => new([new BrokenSearch()], [], new RuleBasedClassifier(), new RuleBasedInsights(), UsesMocks: true);

        private sealed class BrokenSearch : ISearchProvider
        {
            public string Name => "broken";

            public Task<IReadOnlyList<SearchItem>> SearchAsync(SearchRequest request, CancellationToken cancellationToken)
                => throw new InvalidOperationException("search index unavailable");
        }
    }

    private sealed record Snapshot(int Events, int Notifications, int RawData, int DistinctEmailIds);
}
