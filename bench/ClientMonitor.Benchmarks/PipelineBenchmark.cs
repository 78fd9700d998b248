using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ClientMonitor.Testing;

namespace ClientMonitor.Benchmarks;

/// <summary>
/// A monitoring job with mock providers on the local host (a process) and its Durable engine, over the suite's
/// Azurite behind counting proxies: clients per second from <c>POST /api/v1/monitoring-jobs/execute</c> to the run's
/// <c>completed</c>, and the storage requests per client, ours and the engine's.
/// </summary>
internal static class PipelineBenchmark
{
    public const string Hub = "benchhub";

    public static async Task<(double ClientsPerSecond, double Ours, double Engine)> RunAsync(Azurite azurite, int clients, BenchResults results, string suffix)
    {
        var business = "benchpipe" + clients;
        await Seeder.SeedBusinessAsync(azurite.CreateTableService(), business, clients);

        await using var tables = await CountingProxy.StartAsync(azurite.TablePort, Hub, allEngine: false);
        await using var queues = await CountingProxy.StartAsync(azurite.QueuePort, Hub, allEngine: false);
        await using var blobs = await CountingProxy.StartAsync(azurite.BlobPort, Hub, allEngine: true);
        var storage = azurite.ConnectionString
            .Replace($"127.0.0.1:{azurite.TablePort}/", $"127.0.0.1:{tables.Port}/", StringComparison.Ordinal)
            .Replace($"127.0.0.1:{azurite.QueuePort}/", $"127.0.0.1:{queues.Port}/", StringComparison.Ordinal)
            .Replace($"127.0.0.1:{azurite.BlobPort}/", $"127.0.0.1:{blobs.Port}/", StringComparison.Ordinal);

        using var host = HostProcess.StartLocalHost(storage, Hub);
        await host.WaitForLiveAsync(TimeSpan.FromMinutes(2));
        using var http = host.CreateClient(business);

        CountingProxy[] proxies = [tables, queues, blobs];
        foreach (var proxy in proxies)
        {
            proxy.Reset();
        }

        var watch = Stopwatch.StartNew();
        using var started = await http.PostAsJsonAsync("/api/v1/monitoring-jobs/execute", new { force_mock = true });
        var body = await started.Content.ReadFromJsonAsync<JsonObject>();
        var runId = (string?)body?["id"] ?? throw new InvalidOperationException($"execute: {(int)started.StatusCode} {body}");
        string? status;
        var polls = 0;
        while (true)
        {
            await Task.Delay(500);
            polls++;
            var run = await http.GetFromJsonAsync<JsonObject>(new Uri($"/api/v1/job-runs/{runId}", UriKind.Relative));
            status = (string?)run?["status"];
            if (status is not null && !status.Equals("running", StringComparison.OrdinalIgnoreCase))
            {
                break;
            }

            if (watch.Elapsed > TimeSpan.FromMinutes(15))
            {
                throw new TimeoutException($"run {runId} still {status} after 15 minutes");
            }
        }

        var elapsed = watch.Elapsed;
        var ours = proxies.Sum(p => p.Ours);
        var engine = proxies.Sum(p => p.Engine);
        var perSecond = BenchResults.Round(clients / elapsed.TotalSeconds);
        var (oursPerClient, enginePerClient) = (BenchResults.Round((double)ours / clients), BenchResults.Round((double)engine / clients));
        results.Set("pipeline_clients_per_s" + suffix, perSecond);
        results.Set("pipeline_run" + suffix, new JsonObject
        {
            ["clients"] = clients,
            ["status"] = status,
            ["seconds"] = BenchResults.Round(elapsed.TotalSeconds),
            ["status_polls"] = polls,
            ["storage_requests"] = new JsonObject { ["ours"] = ours, ["engine"] = engine, ["tables"] = tables.Ours + tables.Engine, ["queues"] = queues.Ours + queues.Engine, ["blobs"] = blobs.Engine },
            ["storage_requests_by_resource"] = new JsonObject(proxies.SelectMany(p => p.ByResource)
                .GroupBy(r => r.Key, r => r.Value)
                .Select(g => (g.Key, Count: g.Sum()))
                .OrderByDescending(r => r.Count)
                .Select(r => KeyValuePair.Create(r.Key, (JsonNode?)r.Count))),
        });
        results.Note($"pipeline{suffix}: {clients} clients, mock providers, local host with LocalHost__Triggers=false (no timers or queue " +
            $"listeners, so the notifications queue is written but not drained); the {polls} status polls (GET /api/v1/job-runs/{{id}} every 500 ms) " +
            "count among 'ours'; the engine's own queue polling while the run lasts counts among 'engine'");
        results.Set("storage_requests_per_client" + suffix, new JsonObject { ["ours"] = oursPerClient, ["engine"] = enginePerClient });
        results.Set("peak_rss_mb" + suffix, host.PeakRssMb());
        return (perSecond, oursPerClient, enginePerClient);
    }
}
