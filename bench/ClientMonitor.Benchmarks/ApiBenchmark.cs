using System.Text.Json.Nodes;
using ClientMonitor.Testing;

namespace ClientMonitor.Benchmarks;

/// <summary>
/// p50 and p99 of four list endpoints on the local host (a process, Release build, Development) over the suite's
/// Azurite, with 1 and with 8 concurrent callers, after seeding clients and events through our stores.
/// </summary>
internal static class ApiBenchmark
{
    private const string Business = "benchapi";

    /// <summary>The endpoints measured. <c>/api/v1/job-runs</c> has no list route; the recent list stands in for it.</summary>
    private static readonly (string Key, string Path)[] Endpoints =
    [
        ("/api/v1/clients?limit=50", "/api/v1/clients?limit=50"),
        ("/api/v1/events?limit=50", "/api/v1/events?limit=50"),
        ("/api/v1/job-runs", "/api/v1/scheduler/jobs/recent?limit=50"),
        ("/api/v1/email-logs?limit=50", "/api/v1/email-logs?limit=50"),
    ];

    public static async Task<IReadOnlyDictionary<string, double>> RunAsync(Azurite azurite, bool quick, BenchResults results)
    {
        var tables = azurite.CreateTableService();
        const int clients = 1_000;
        var events = 50_000;
        await Seeder.SeedBusinessAsync(tables, Business, clients);
        var seeding = System.Diagnostics.Stopwatch.StartNew();
        var written = await Seeder.SeedEventsAsync(tables, Business, clients, events, quick ? TimeSpan.FromSeconds(60) : TimeSpan.FromMinutes(5));
        results.Set("api_seed", new JsonObject { ["clients"] = clients, ["events"] = written, ["events_seconds"] = BenchResults.Round(seeding.Elapsed.TotalSeconds) });
        if (written < events)
        {
            results.Note($"api: seeded {written} of {events} events (parallel upserts; the seeding time budget ran out)");
        }

        results.Note("api: '/api/v1/job-runs' has no list route; measured GET /api/v1/scheduler/jobs/recent?limit=50 in its place (the bench business has no job runs, so it returns an empty list)");

        using var host = HostProcess.StartLocalHost(azurite.ConnectionString, "benchapi");
        await host.WaitForLiveAsync(TimeSpan.FromMinutes(2));
        using var http = host.CreateClient(Business);

        var p99 = new JsonObject();
        var p50 = new JsonObject();
        var oneP99 = new JsonObject();
        var oneP50 = new JsonObject();
        var counts = new JsonObject();
        var figures = new Dictionary<string, double>();
        var budget = quick ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(60);
        foreach (var (key, path) in Endpoints)
        {
            var uri = new Uri(path, UriKind.Relative);
            async Task Call(int _)
            {
                using var response = await http.GetAsync(uri);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }

                await response.Content.ReadAsByteArrayAsync();
            }

            await Call(0); // warm-up: JIT, connection
            var (one, _) = await Load.RunAsync(quick ? 20 : 100, 1, Call, budget);
            var (eight, _) = await Load.RunAsync(quick ? 160 : 800, 8, Call, budget);
            p99[key] = Load.Percentile(eight, 99);
            p50[key] = Load.Percentile(eight, 50);
            oneP99[key] = Load.Percentile(one, 99);
            oneP50[key] = Load.Percentile(one, 50);
            counts[key] = new JsonObject { ["1_caller"] = one.Length, ["8_callers"] = eight.Length };
            figures[key] = Load.Percentile(eight, 99);
        }

        results.Set("api_p99_ms", p99);
        results.Set("api_p50_ms", p50);
        results.Set("api_1_caller_p99_ms", oneP99);
        results.Set("api_1_caller_p50_ms", oneP50);
        results.Set("api_requests_measured", counts);
        results.Set("api_peak_rss_mb", host.PeakRssMb());
        return figures;
    }
}
