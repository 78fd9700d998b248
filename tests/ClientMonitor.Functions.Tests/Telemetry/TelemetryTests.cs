using System.Collections.Concurrent;
using ClientMonitor.Core.Operations;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Application.Telemetry;
using ClientMonitor.Functions.Tests.Pipeline;
using Microsoft.ApplicationInsights;
using Microsoft.ApplicationInsights.Channel;
using Microsoft.ApplicationInsights.DataContracts;
using Microsoft.Extensions.DependencyInjection;

namespace ClientMonitor.Functions.Tests.Telemetry;

/// <summary>Application Insights with an in-memory channel: what one job run emits, with its dimensions; and nothing without a connection string.</summary>
public sealed class TelemetryTests
{
    /// <summary>Keeps every item the SDK would send.</summary>
    private sealed class RecordingChannel : ITelemetryChannel
    {
        public ConcurrentQueue<ITelemetry> Items { get; } = new();

        public bool? DeveloperMode { get; set; }

        public string EndpointAddress { get; set; } = "http://127.0.0.1:9/";

        public void Send(ITelemetry item) => Items.Enqueue(item);

        public void Flush()
        {
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task OneJobRun_EmitsItsMetricsWithDimensions_AndOneEventWithItsIds()
    {
        var channel = new RecordingChannel();
        await using var worker = await PipelineWorker.StartAsync(
            new Dictionary<string, string?>
            {
                ["Providers:UseMocks"] = "true",
                ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "InstrumentationKey=11111111-2222-3333-4444-555555555555;IngestionEndpoint=http://127.0.0.1:9/",
            },
            services => services.AddSingleton<ITelemetryChannel>(channel));
        var business = await worker.SeedAsync(clients: 2);
        var run = (await worker.Jobs.StartAsync(new StartJobRequest(business, JobType.ClientMonitoring, null, false, "test"), CancellationToken.None)).JobRun!;
        await worker.DeliverAsync(worker.Dispatcher.MonitorMessages.Where(m => m.JobRunId == run.Id).ToList());
        worker.Services.GetRequiredService<TelemetryClient>().Flush();

        var metrics = channel.Items.OfType<MetricTelemetry>().ToList();
        MetricTelemetry Metric(string name, params (string Key, string Value)[] dimensions)
            => Assert.Single(metrics, m => m.Name == name && dimensions.All(d => m.Properties.TryGetValue(d.Key, out var v) && v == d.Value));

        Assert.IsType<AppInsightsTelemetry>(worker.Services.GetRequiredService<IMonitoringTelemetry>());
        Assert.Equal(1, Metric(AppInsightsTelemetry.JobRunDuration, ("job_type", "client_monitoring"), ("status", "completed")).Count);
        Assert.Equal(2, Metric(AppInsightsTelemetry.ClientsProcessed, ("status", "completed")).Sum);
        var finished = (await worker.Stores.JobRuns.GetAsync(business, run.Id, CancellationToken.None))!;
        Assert.Equal(finished.Counts.ItemsFound, Metric(AppInsightsTelemetry.ItemsFound).Sum);
        Assert.Equal(finished.Counts.EventsCreated, metrics.Where(m => m.Name == AppInsightsTelemetry.EventsCreated).Sum(m => m.Sum));
        Assert.All(metrics.Where(m => m.Name == AppInsightsTelemetry.EventsCreated), m => Assert.True(m.Properties.ContainsKey("category")));
        Assert.Equal(2, Metric(AppInsightsTelemetry.ProviderLatency, ("provider", "mock_news"), ("kind", "search"), ("outcome", "success")).Count);
        var runEvent = Assert.Single(channel.Items.OfType<EventTelemetry>(), e => e.Name == AppInsightsTelemetry.JobRunFinishedEvent && e.Properties["job_run_id"] == run.Id);
        Assert.Equal(business, runEvent.Properties["business_id"]);
        Assert.Equal(finished.Counts.EventsCreated, runEvent.Metrics["events_created"]);
        Assert.DoesNotContain(channel.Items.OfType<EventTelemetry>().SelectMany(e => e.Properties.Values), v => v.Contains('@', StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithoutAConnectionString_NothingIsRegistered()
    {
        await using var worker = await PipelineWorker.StartAsync(new Dictionary<string, string?> { ["Providers:UseMocks"] = "true" });

        Assert.IsType<NoTelemetry>(worker.Services.GetRequiredService<IMonitoringTelemetry>());
        Assert.Null(worker.Services.GetService<TelemetryClient>());
    }
}
