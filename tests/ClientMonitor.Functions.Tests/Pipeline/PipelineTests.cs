using System.Text.Json;
using ClientMonitor.Core.Classifiers;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Mocks;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;
using ClientMonitor.Durable;
using ClientMonitor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClientMonitor.Functions.Tests.Pipeline;

public sealed class PipelineTests
{
    [Fact]
    public async Task EveryActivityRunTwice_CreatesNothingMore_AndTheTotalsEqualTheRowsWritten()
    {
        await using var worker = await PipelineWorker.StartAsync(new Dictionary<string, string?> { ["Providers:UseMocks"] = "true" });
        var business = await worker.SeedAsync(clients: 6);

        var finished = await worker.RunJobAsync(business, deliveries: 2);
        var rows = await SnapshotAsync(worker, business);

        Assert.Equal(JobRunStatus.Completed, finished.Status);
        Assert.Equal(6, finished.ClientsFinished);
        Assert.True(finished.Counts.EventsCreated > 0 && finished.Counts.NotificationsCreated > 0 && finished.Counts.EmailsQueued > 0, finished.Counts.ToString());
        Assert.Equal((finished.Counts.EventsCreated, finished.Counts.NotificationsCreated, finished.Counts.EmailsQueued), (rows.Events, rows.Notifications, rows.DistinctEmailIds));
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
        var finished = await worker.RunJobAsync(business);
        var clientRuns = await worker.Stores.JobRuns.ListClientRunsAsync(finished.Id, CancellationToken.None);
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
    public async Task AnActivityForARunThatDoesNotExist_IsUnprocessable_SoTheOrchestrationDoesNotRetryIt()
    {
        await using var worker = await PipelineWorker.StartAsync(new Dictionary<string, string?> { ["Providers:UseMocks"] = "true" });

        var ex = await Assert.ThrowsAsync<UnprocessableMessageException>(() => worker.Activities.MonitorClientAsync(
            new ClientWork("no-such-business", JobRunService.NewJobRunId(DateTimeOffset.UnixEpoch), "c"), CancellationToken.None));

        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClientThatKeepsFailing_IsRecordedFailed_AndTheJobRunFinishesFailed()
    {
        await using var worker = await PipelineWorker.StartAsync(
            new Dictionary<string, string?> { ["Providers:UseMocks"] = "true" },
            services => services.Replace(ServiceDescriptor.Singleton<IProviderCatalog>(new BrokenSearchCatalog())));
        var business = await worker.SeedAsync(clients: 2);
        var (run, input) = await worker.CreateRunAsync(business);

        var outcomes = new List<ClientOutcome>();
        foreach (var clientId in input.ClientIds)
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => worker.Activities.MonitorClientAsync(new ClientWork(business, run.Id, clientId), CancellationToken.None));
            outcomes.Add(await worker.Activities.RecordClientFailedAsync(new ClientFailure(business, run.Id, clientId, error.Message, JobRunOrchestration.ClientRetry.MaxNumberOfAttempts), CancellationToken.None));
        }

        await worker.Activities.FinishJobRunAsync(new JobRunFinish(business, run.Id, outcomes, null), CancellationToken.None);
        var finished = (await worker.Stores.JobRuns.GetAsync(business, run.Id, CancellationToken.None))!;
        var clientRun = (await worker.Stores.JobRuns.GetClientRunAsync(run.Id, input.ClientIds[0], CancellationToken.None))!;
        Assert.Equal(JobRunStatus.Failed, finished.Status);
        Assert.Equal(2, finished.ClientsFailed);
        Assert.Equal(ClientRunStatus.Failed, clientRun.Status);
        Assert.Equal(JobRunOrchestration.ClientRetry.MaxNumberOfAttempts, clientRun.Attempts);
        Assert.Contains("search index unavailable", clientRun.Error, StringComparison.Ordinal);
    }

    private static Task<JobRun> RunAsync(PipelineWorker worker, string business) => worker.RunJobAsync(business);

    private static async Task<Snapshot> SnapshotAsync(PipelineWorker worker, string business)
    {
        var stores = worker.Stores;
        var events = (await stores.Events.QueryAsync(business, new EventQuery(null, null, null, null, null, 0, int.MaxValue), CancellationToken.None)).Items.Count;
        var amy = (await stores.Notifications.ListAsync(business, "amy", false, 0, int.MaxValue, null, CancellationToken.None)).Items.Count;
        var bob = (await stores.Notifications.ListAsync(business, "bob", false, 0, int.MaxValue, null, CancellationToken.None)).Items.Count;
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
