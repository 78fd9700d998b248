using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ClientMonitor.Application;
using ClientMonitor.Application.Storage;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Scheduling;
using ClientMonitor.Infrastructure.Scheduling;
using ClientMonitor.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace ClientMonitor.Benchmarks;

/// <summary>
/// One scheduler tick with 10,000 schedules of which 10 are due: the due index is what keeps a tick from reading
/// every schedule, and this shows whether it does. The scheduler comes from the app's own service setup (as the
/// tests' worker has it) on a manual clock, over the suite's Azurite behind counting proxies; its launcher records
/// launches and starts nothing, so the figures are the tick's own, not its runs'.
/// </summary>
internal static class TickBenchmark
{
    public const int Schedules = 10_000;
    public const int DueSchedules = 10;
    private const int Businesses = 4;
    private const int ClientsPerBusiness = 1;
    private const string Hub = "benchtickhub";

    /// <summary>
    /// A Sunday 08:00 UTC: the due schedules run daily at 09:00, one more daily at 08:30 (the warm-up tick's), the
    /// others weekly, Monday to Saturday. In the past, so nothing the suite's other benchmarks leave in the due index
    /// (they run on the wall clock, and the index is one partition for every business) is due at this tick.
    /// </summary>
    private static readonly DateTimeOffset Seeded = new(2025, 11, 23, 8, 0, 0, TimeSpan.Zero);

    private static readonly DateTimeOffset WarmupAt = Seeded.AddMinutes(30);

    private static readonly DateTimeOffset TickAt = Seeded.AddHours(1);

    public static async Task<(double RowsRead, double Schedules)> RunAsync(Azurite azurite, bool quick, BenchResults results)
    {
        var clock = new ManualTimeProvider(Seeded);
        var direct = azurite.CreateTableService();
        await StorageInitializer.CreateAllAsync(direct, azurite.CreateQueueService(), CancellationToken.None);
        for (var b = 0; b < Businesses; b++)
        {
            await Seeder.SeedBusinessAsync(direct, Business(b), ClientsPerBusiness);
        }

        var seedWatch = Stopwatch.StartNew();
        var seeded = await SeedSchedulesAsync(new SchedulingTables(direct), clock, quick ? TimeSpan.FromSeconds(50) : TimeSpan.FromMinutes(10));
        var seedSeconds = seedWatch.Elapsed.TotalSeconds;

        await using var tables = await CountingProxy.StartAsync(azurite.TablePort, Hub, allEngine: false);
        await using var queues = await CountingProxy.StartAsync(azurite.QueuePort, Hub, allEngine: false);
        var storage = azurite.ConnectionString
            .Replace($"127.0.0.1:{azurite.TablePort}/", $"127.0.0.1:{tables.Port}/", StringComparison.Ordinal)
            .Replace($"127.0.0.1:{azurite.QueuePort}/", $"127.0.0.1:{queues.Port}/", StringComparison.Ordinal);
        await using var app = BuildApp(storage, clock);
        var scheduler = app.Services.GetRequiredService<SchedulerService>();
        var dueIndex = app.Services.GetRequiredService<IDueIndex>();
        var options = app.Services.GetRequiredService<SchedulerOptions>();
        var launcher = new RecordingLauncher();

        // The warm-up tick starts one run, so the measured tick's clients, connections and code paths are warm.
        clock.SetUtcNow(WarmupAt);
        var warmupWatch = Stopwatch.StartNew();
        var warmup = await scheduler.TickAsync(launcher, WarmupAt, CancellationToken.None);
        var warmupMs = BenchResults.Round(warmupWatch.Elapsed.TotalMilliseconds);
        var warmupLaunches = launcher.Launched.Count;
        var deadlineRows = (await dueIndex.ListDueAsync(DueKind.RunDeadline, TickAt, options.MaxDuePerTick, CancellationToken.None)).Count;
        clock.SetUtcNow(TickAt);
        CountingProxy[] proxies = [tables, queues];
        foreach (var proxy in proxies)
        {
            proxy.Reset();
        }

        var tickWatch = Stopwatch.StartNew();
        var report = await scheduler.TickAsync(launcher, TickAt, CancellationToken.None);
        var tickMs = BenchResults.Round(tickWatch.Elapsed.TotalMilliseconds);
        var requests = proxies.Sum(p => p.Ours + p.Engine);
        var byResource = proxies.SelectMany(p => p.ByResource).GroupBy(r => r.Key, r => r.Value).Select(g => (g.Key, Count: g.Sum())).OrderByDescending(r => r.Count).ToList();

        // Rows the scheduler reads to decide: the index rows its two range queries return, and the schedules they name.
        var rowsRead = deadlineRows + report.Due + report.SchedulesRead;
        // Each start lists its business's clients (schedules with client_ids null run every active one).
        var launched = launcher.Launched.Count - warmupLaunches;
        var clientRows = launched * ClientsPerBusiness;
        results.Set("tick_rows_read", rowsRead);
        results.Set("tick_due", report.Due);
        results.Set("tick_storage_requests", requests);
        results.Set("tick_ms", tickMs);
        results.Set("tick_schedules_seeded", seeded);
        results.Set("tick", new JsonObject
        {
            ["schedules"] = seeded,
            ["businesses"] = Businesses,
            ["due_index_rows"] = report.Due,
            ["deadline_index_rows"] = deadlineRows,
            ["schedule_rows"] = report.SchedulesRead,
            ["client_rows_listed_by_starts"] = clientRows,
            ["rows_read_including_starts"] = rowsRead + clientRows,
            ["started"] = report.Started,
            ["skipped"] = report.Skipped,
            ["stale"] = report.Stale,
            ["errors"] = report.Errors.Count,
            ["launched"] = launched,
            ["warmup_tick_due"] = warmup.Due,
            ["warmup_tick_started"] = warmup.Started,
            ["warmup_tick_ms"] = warmupMs,
            ["seed_seconds"] = BenchResults.Round(seedSeconds),
            ["storage_requests_by_resource"] = new JsonObject(byResource.Select(r => KeyValuePair.Create(r.Key, (JsonNode?)r.Count))),
        });
        results.Note(
            string.Create(CultureInfo.InvariantCulture, $"tick: {seeded} schedules over {Businesses} businesses ({ClientsPerBusiness} client each), {DueSchedules} due at {TickAt:u}, ") +
            string.Create(CultureInfo.InvariantCulture, $"one at {WarmupAt:u} (run by a warm-up tick before), the rest weekly 1-6 days later; seeded through ScheduleManager.CreateAsync (due-index row, then schedule row) in {seedSeconds:F0} s. ") +
            "The tick is the app's SchedulerService from its own service setup on a manual clock; its launcher only records " +
            "(no orchestration). tick_rows_read = index rows returned + schedule rows read; starting each run also lists its business's clients " +
            "and writes the job run, client run and deadline entry, which tick_storage_requests counts");
        foreach (var error in report.Errors.Take(3))
        {
            results.Note("tick error: " + error);
        }

        return (rowsRead, seeded);
    }

    private static string Business(int b) => "benchtick" + b.ToString(CultureInfo.InvariantCulture);

    /// <summary>The due and warm-up schedules first, then the rest by parallel creates until <paramref name="budget"/>; returns how many exist.</summary>
    private static async Task<int> SeedSchedulesAsync(SchedulingTables store, TimeProvider clock, TimeSpan budget)
    {
        var manager = new ScheduleManager(store, store, clock);
        var created = 0;
        using var stop = new CancellationTokenSource(budget);
        var options = new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = stop.Token };
        try
        {
            await Parallel.ForAsync(0, DueSchedules + 1, options, async (i, _) => await CreateAsync(i));
            await Parallel.ForAsync(DueSchedules + 1, Schedules, options, async (i, _) => await CreateAsync(i));
        }
        catch (OperationCanceledException)
        {
            // The budget ran out: the caller reports how many were seeded.
        }

        return created;

        async Task CreateAsync(int i)
        {
            var timing = i < DueSchedules ? new ScheduleTiming(ScheduleType.Daily, null, 9, 0, null, null, "UTC")
                : i == DueSchedules ? new ScheduleTiming(ScheduleType.Daily, null, 8, 30, null, null, "UTC")
                : new ScheduleTiming(ScheduleType.Weekly, null, i % 24, i % 60, i % 6, null, "UTC");
            var schedule = new AutomationSchedule(
                string.Create(CultureInfo.InvariantCulture, $"sched-{i:D5}"), Business(i % Businesses), "amy", string.Create(CultureInfo.InvariantCulture, $"Schedule {i}"),
                null, JobType.ClientMonitoring, null, new ScheduleConfig(ForceMock: true), timing, true, null, null, null, null, 0, null, null, [], 0, 0, null, default, default);
            await manager.CreateAsync(schedule, CancellationToken.None);
            Interlocked.Increment(ref created);
        }
    }

    /// <summary>The app's services (as every host adds them), built and never started, on <paramref name="storage"/> and <paramref name="clock"/>.</summary>
    private static WebApplication BuildApp(string storage, TimeProvider clock)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Development" });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storage,
            ["Auth:SigningKey"] = HostProcess.SigningKey,
            ["Providers:UseMocks"] = "true",
        });
        builder.Services.AddClientMonitor(builder.Configuration);
        builder.Services.Replace(ServiceDescriptor.Singleton(clock));
        return builder.Build();
    }

    /// <summary>Records each launch and starts nothing: the tick's reads are measured, not the runs.</summary>
    private sealed class RecordingLauncher : IJobRunLauncher
    {
        public ConcurrentQueue<string> Launched { get; } = new();

        public Task LaunchAsync(JobRun jobRun, IReadOnlyList<string> clientIds, DateTimeOffset deadline, CancellationToken cancellationToken)
        {
            Launched.Enqueue(jobRun.Id);
            return Task.CompletedTask;
        }

        public Task<string?> GetRuntimeStatusAsync(string jobRunId, CancellationToken cancellationToken) => Task.FromResult<string?>(null);
    }
}
