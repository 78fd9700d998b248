using ClientMonitor.Testing;

namespace ClientMonitor.Benchmarks;

/// <summary>
/// Process start → first 200 on <c>/api/health/live</c>, median of 3: the local host (on the suite's Azurite) and,
/// as the reference, an empty ASP.NET Core app (bench/EmptyApp).
/// </summary>
internal static class StartupBenchmark
{
    private const int Runs = 3;

    public static async Task<(double Startup, double Empty)> RunAsync(Azurite azurite, BenchResults results)
    {
        var empty = new List<double>();
        var startup = new List<double>();
        for (var i = 0; i < Runs; i++)
        {
            using (var app = HostProcess.Start(HostProcess.EmptyAppDll, new Dictionary<string, string>()))
            {
                empty.Add(await app.WaitForLiveAsync(TimeSpan.FromMinutes(1)));
            }

            using var host = HostProcess.StartLocalHost(azurite.ConnectionString, "benchstart");
            startup.Add(await host.WaitForLiveAsync(TimeSpan.FromMinutes(2)));
        }

        var (median, emptyMedian) = (BenchResults.Round(Load.Median(startup)), BenchResults.Round(Load.Median(empty)));
        results.Set("startup_ms", median);
        results.Set("startup_runs_ms", new System.Text.Json.Nodes.JsonArray(startup.Select(s => (System.Text.Json.Nodes.JsonNode?)BenchResults.Round(s)).ToArray()));
        results.Set("empty_startup_ms", emptyMedian);
        return (median, emptyMedian);
    }
}
