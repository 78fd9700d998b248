using System.Collections.Concurrent;
using System.Globalization;
using ClientMonitor.Application.Telemetry;
using ClientMonitor.Core.Operations;
using ClientMonitor.Functions.Tests.Pipeline;
using Microsoft.ApplicationInsights;
using Microsoft.ApplicationInsights.Extensibility;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OtelMetric = OpenTelemetry.Metrics.Metric;

namespace ClientMonitor.Functions.Tests.Telemetry;

/// <summary>
/// Application Insights 3.x records every <c>TelemetryClient.GetMetric</c> value on a histogram of the meter named
/// <c>Microsoft.ApplicationInsights</c>, and the host's OpenTelemetry meter provider listens to every meter of that name
/// in the process, whichever host created it. Another test host with a connection string emitting at the same time
/// would add to this test's series, so this collection runs alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SharedApplicationInsightsMeter
{
    public const string Name = "Application Insights meter";
}

/// <summary>
/// Application Insights 3.x (OpenTelemetry underneath): what one job run emits, with its dimensions, read by a recording
/// metric reader and a recording log exporter added to the host's own OpenTelemetry providers, next to the Azure
/// Monitor exporter (so they see what it exports); and nothing without a connection string.
/// </summary>
[Collection(SharedApplicationInsightsMeter.Name)]
public sealed class TelemetryTests
{
    /// <summary>The meter <c>TelemetryClient.GetMetric(...).TrackValue</c> records on (one histogram per metric name).</summary>
    private const string ApplicationInsightsMeter = "Microsoft.ApplicationInsights";

    /// <summary>The log record attribute that makes the Azure Monitor exporter send a record to <c>customEvents</c> (what <c>TrackEvent</c> sets).</summary>
    private const string CustomEventNameAttribute = "microsoft.custom_event.name";

    private const string ConnectionString = "InstrumentationKey=11111111-2222-3333-4444-555555555555;IngestionEndpoint=http://127.0.0.1:9/";

    /// <summary>One metric series as exported: its name, its dimensions, and the count and sum of the values tracked.</summary>
    private sealed record Series(string Meter, string Name, IReadOnlyDictionary<string, string> Dimensions, long Count, double Sum);

    /// <summary>One custom event as exported: its name and its properties.</summary>
    private sealed record CustomEvent(string Name, IReadOnlyDictionary<string, string> Properties);

    /// <summary>Keeps the last exported state of every histogram series (the reader's temporality is cumulative, so the last is the total).</summary>
    private sealed class MetricRecorder : BaseExporter<OtelMetric>
    {
        private readonly ConcurrentDictionary<string, Series> series = new(StringComparer.Ordinal);

        public IReadOnlyList<Series> All => [.. series.Values];

        public override ExportResult Export(in Batch<OtelMetric> batch)
        {
            foreach (var metric in batch)
            {
                if (metric.MetricType != MetricType.Histogram)
                {
                    continue;
                }

                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    var dimensions = new SortedDictionary<string, string>(StringComparer.Ordinal);
                    foreach (var tag in point.Tags)
                    {
                        dimensions[tag.Key] = Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? string.Empty;
                    }

                    var key = string.Join('|', [metric.MeterName, metric.Name, .. dimensions.Select(d => d.Key + "=" + d.Value)]);
                    series[key] = new Series(metric.MeterName, metric.Name, dimensions, point.GetHistogramCount(), point.GetHistogramSum());
                }
            }

            return ExportResult.Success;
        }
    }

    /// <summary>Keeps every custom event (a log record carrying <see cref="CustomEventNameAttribute"/>).</summary>
    private sealed class EventRecorder : BaseExporter<LogRecord>
    {
        public ConcurrentQueue<CustomEvent> Events { get; } = new();

        public override ExportResult Export(in Batch<LogRecord> batch)
        {
            foreach (var record in batch)
            {
                var attributes = record.Attributes ?? [];
                if (attributes.FirstOrDefault(a => a.Key == CustomEventNameAttribute).Value is not string name)
                {
                    continue;
                }

                var properties = attributes
                    .Where(a => a.Key is not CustomEventNameAttribute and not "{OriginalFormat}")
                    .ToDictionary(a => a.Key, a => Convert.ToString(a.Value, CultureInfo.InvariantCulture) ?? string.Empty, StringComparer.Ordinal);
                Events.Enqueue(new CustomEvent(name, properties));
            }

            return ExportResult.Success;
        }
    }

    [Fact]
    public async Task OneJobRun_EmitsItsMetricsWithDimensions_AndOneEventWithItsIds()
    {
        using var metricRecorder = new MetricRecorder();
        using var eventRecorder = new EventRecorder();
        await using var worker = await PipelineWorker.StartAsync(
            new Dictionary<string, string?>
            {
                ["Providers:UseMocks"] = "true",
                ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = ConnectionString,
                // Live metrics would connect to their default endpoint: nothing is to leave the machine.
                ["ApplicationInsights:EnableQuickPulseMetricStream"] = "false",
            },
            services =>
            {
                // Items the exporter fails to send to the closed port would otherwise be kept on disk and retried.
                services.Configure<TelemetryConfiguration>(c => c.DisableOfflineStorage = true);
                services.ConfigureOpenTelemetryMeterProvider(m => m.AddReader(new BaseExportingMetricReader(metricRecorder)));
                services.ConfigureOpenTelemetryLoggerProvider(l => l.AddProcessor(new SimpleLogRecordExportProcessor(eventRecorder)));
            });
        var business = await worker.SeedAsync(clients: 2);
        var run = await worker.RunJobAsync(business);
        // In 3.x Flush force-flushes the host's meter and logger providers: the recording reader collects then.
        worker.Services.GetRequiredService<TelemetryClient>().Flush();

        var metrics = metricRecorder.All.Where(s => s.Meter == ApplicationInsightsMeter).ToList();
        Series Metric(string name, params (string Key, string Value)[] dimensions)
            => Assert.Single(metrics, m => m.Name == name && dimensions.All(d => m.Dimensions.TryGetValue(d.Key, out var v) && v == d.Value));

        Assert.IsType<AppInsightsTelemetry>(worker.Services.GetRequiredService<IMonitoringTelemetry>());
        Assert.Equal(1, Metric(AppInsightsTelemetry.JobRunDuration, ("job_type", "client_monitoring"), ("status", "completed")).Count);
        Assert.Equal(2, Metric(AppInsightsTelemetry.ClientsProcessed, ("status", "completed")).Sum);
        var finished = (await worker.Stores.JobRuns.GetAsync(business, run.Id, CancellationToken.None))!;
        Assert.Equal(finished.Counts.ItemsFound, Metric(AppInsightsTelemetry.ItemsFound).Sum);
        var eventsCreated = metrics.Where(m => m.Name == AppInsightsTelemetry.EventsCreated).ToList();
        Assert.True(finished.Counts.EventsCreated > 0, "The mock providers' run is expected to create events, or events_created proves nothing.");
        Assert.NotEmpty(eventsCreated);
        Assert.Equal(finished.Counts.EventsCreated, eventsCreated.Sum(m => m.Sum));
        Assert.All(eventsCreated, m => Assert.True(m.Dimensions.ContainsKey("category")));
        Assert.Equal(2, Metric(AppInsightsTelemetry.ProviderLatency, ("provider", "mock_news"), ("kind", "search"), ("outcome", "success")).Count);

        var events = eventRecorder.Events.ToList();
        var runEvent = Assert.Single(events, e => e.Name == AppInsightsTelemetry.JobRunFinishedEvent && e.Properties.GetValueOrDefault("job_run_id") == run.Id);
        Assert.Equal(business, runEvent.Properties["business_id"]);
        Assert.Equal(finished.Counts.EventsCreated.ToString(CultureInfo.InvariantCulture), runEvent.Properties["events_created"]);
        Assert.DoesNotContain(events.SelectMany(e => e.Properties.Values), v => v.Contains('@', StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithoutAConnectionString_NothingIsRegistered()
    {
        await using var worker = await PipelineWorker.StartAsync(new Dictionary<string, string?> { ["Providers:UseMocks"] = "true" });

        Assert.IsType<NoTelemetry>(worker.Services.GetRequiredService<IMonitoringTelemetry>());
        Assert.Null(worker.Services.GetService<TelemetryClient>());
    }
}
