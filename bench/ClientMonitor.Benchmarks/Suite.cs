using System.Diagnostics;
using ClientMonitor.Testing;

namespace ClientMonitor.Benchmarks;

/// <summary>
/// The suite scripts/bench.sh runs: every benchmark on one private Azurite, each figure printed beside the reference
/// measured in the same run. A benchmark that fails leaves its keys <c>null</c> with a note; the others still run.
/// </summary>
internal static class Suite
{
    public static async Task RunAsync(bool quick, string resultsDirectory, TextWriter log)
    {
        var total = Stopwatch.StartNew();
        var results = new BenchResults(log);
        await using var azurite = await Azurite.StartPrivateAsync();

        double? inserts = null, pageP99 = null;
        await Step("raw storage", ["raw_inserts_per_s", "page_query_p99_ms", "page_query_p50_ms"], async () =>
            (inserts, pageP99) = await RawStorageBenchmark.RunAsync(azurite, quick, results));

        IReadOnlyDictionary<string, double> api = new Dictionary<string, double>();
        IReadOnlyDictionary<string, double> sameTablePageP99 = new Dictionary<string, double>();
        await Step("api", ["api_p99_ms", "api_p50_ms", "api_1_caller_p99_ms", "api_1_caller_p50_ms", "api_storage_requests_per_call", "page_query_same_table_p99_ms", "page_query_same_table_p50_ms"], async () =>
            (api, sameTablePageP99) = await ApiBenchmark.RunAsync(azurite, quick, results));

        double? startup = null, empty = null;
        await Step("startup", ["startup_ms", "empty_startup_ms"], async () =>
            (startup, empty) = await StartupBenchmark.RunAsync(azurite, results));

        double? pipeline = null, ours = null, engine = null;
        await Step("pipeline (100 clients)", ["pipeline_clients_per_s", "storage_requests_per_client", "peak_rss_mb"], async () =>
            (pipeline, ours, engine) = await PipelineBenchmark.RunAsync(azurite, 100, results, string.Empty));
        if (!quick)
        {
            await Step("pipeline (1,000 clients)", ["pipeline_clients_per_s_1000"], async () =>
                await PipelineBenchmark.RunAsync(azurite, 1_000, results, "_1000"));
        }

        double? activities = null;
        await Step("engine fan-out (1,000 no-op activities)", ["engine_activities_per_s"], async () =>
            activities = await EngineBenchmark.RunAsync(azurite, 1_000, results));

        double? tickRows = null, tickSchedules = null;
        await Step("scheduler tick (10,000 schedules, 10 due)", ["tick_rows_read", "tick_due", "tick_storage_requests", "tick_ms", "tick_schedules_seeded"], async () =>
            (tickRows, tickSchedules) = await TickBenchmark.RunAsync(azurite, quick, results));

        await Step("in process (classifier, file sink)", ["classifier_items_per_s", "emails_per_s"], () => InProcessBenchmark.RunAsync(quick, results));

        log.WriteLine();
        log.WriteLine("== figures beside their references (same run) ==");
        foreach (var (endpoint, p99) in api)
        {
            results.Compare($"api_p99_ms {endpoint}", p99, "page_query_p99_ms", pageP99);
            if (sameTablePageP99.TryGetValue(endpoint, out var sameTable))
            {
                results.Compare($"api_p99_ms {endpoint}", p99, "page_query_same_table_p99_ms (a 51-row key-range page of the list's own table)", sameTable);
            }
        }

        results.Compare("startup_ms", startup, "empty_startup_ms", empty);
        results.Compare("pipeline_clients_per_s", pipeline, "raw storage bound: raw_inserts_per_s / (ours + engine requests per client)",
            inserts is { } ins && ours is { } o && engine is { } e && o + e > 0 ? ins / (o + e) : null);
        results.Compare("pipeline_clients_per_s", pipeline, "engine_activities_per_s", activities);
        results.Compare("storage_requests_per_client.ours", ours, "storage_requests_per_client.engine", engine);
        results.Compare("tick_rows_read", tickRows, "tick_schedules_seeded", tickSchedules);

        results.Set("total_seconds", BenchResults.Round(total.Elapsed.TotalSeconds));
        var at = TimeProvider.System.GetUtcNow();
        await results.WriteAsync(resultsDirectory, quick ? "quick" : "full", at);
        log.WriteLine($"wrote {Path.Combine(resultsDirectory, "latest.json")} and {at:yyyy-MM-dd}.md in {total.Elapsed.TotalSeconds:F0} s");

        async Task Step(string name, string[] keys, Func<Task> run)
        {
            var watch = Stopwatch.StartNew();
            log.WriteLine($"-- {name}");
            try
            {
                await run();
                log.WriteLine($"-- {name}: {watch.Elapsed.TotalSeconds:F0} s");
            }
#pragma warning disable CA1031 // a benchmark that fails is reported, and the rest of the suite still runs
            catch (Exception ex)
#pragma warning restore CA1031
            {
                foreach (var key in keys)
                {
                    results.Missing(key, $"{name} failed: {ex.GetType().Name}: {ex.Message.Split('\n')[0]}");
                }

                log.WriteLine(ex);
            }
        }
    }
}
