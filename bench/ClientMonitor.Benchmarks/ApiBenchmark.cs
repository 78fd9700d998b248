using System.Text.Json.Nodes;
using Azure.Data.Tables;
using ClientMonitor.Infrastructure.Notifications;
using ClientMonitor.Infrastructure.Pipeline;
using ClientMonitor.Infrastructure.Storage;
using ClientMonitor.Testing;

namespace ClientMonitor.Benchmarks;

/// <summary>
/// p50 and p99 of the list endpoints on the local host (a process, Release build, Development) over the suite's
/// Azurite, with 1 and with 8 concurrent callers, after seeding clients, events, email logs and notifications
/// through our stores; and the storage requests one call of each makes, counted by a second host behind a proxy.
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
        ("/api/v1/notifications?limit=50", "/api/v1/notifications?limit=50"),
    ];

    public static async Task<(IReadOnlyDictionary<string, double> P99, IReadOnlyDictionary<string, double> SameTablePageP99)> RunAsync(Azurite azurite, bool quick, BenchResults results)
    {
        var tables = azurite.CreateTableService();
        const int clients = 1_000;
        const int events = 50_000;
        var others = quick ? 5_000 : 20_000;
        await Seeder.SeedBusinessAsync(tables, Business, clients);
        var seeding = System.Diagnostics.Stopwatch.StartNew();
        var budget = quick ? TimeSpan.FromSeconds(120) : TimeSpan.FromMinutes(5);
        var written = await Seeder.SeedEventsAsync(tables, Business, clients, events, budget);
        var eventSeconds = seeding.Elapsed.TotalSeconds;
        var emails = await Seeder.SeedEmailLogsAsync(tables, Business, others, budget);
        var notifications = await Seeder.SeedNotificationsAsync(tables, Business, others, budget);
        results.Set("api_seed", new JsonObject
        {
            ["clients"] = clients, ["events"] = written, ["events_seconds"] = BenchResults.Round(eventSeconds),
            ["email_logs"] = emails, ["notifications"] = notifications, ["seconds"] = BenchResults.Round(seeding.Elapsed.TotalSeconds),
        });
        if (written < events)
        {
            results.Note($"api: seeded {written} of {events} events (the seeding time budget ran out)");
        }

        results.Note("api: '/api/v1/job-runs' has no list route; measured GET /api/v1/scheduler/jobs/recent?limit=50 in its place (the bench business has no job runs, so it returns an empty list)");
        var sameTable = await SameTablePagesAsync(tables, quick, results);

        var figures = new Dictionary<string, double>();
        using (var host = HostProcess.StartLocalHost(azurite.ConnectionString, "benchapi"))
        {
            await host.WaitForLiveAsync(TimeSpan.FromMinutes(2));
            using var http = host.CreateClient(Business);
            var p99 = new JsonObject();
            var p50 = new JsonObject();
            var oneP99 = new JsonObject();
            var oneP50 = new JsonObject();
            var counts = new JsonObject();
            var timeBudget = quick ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(60);
            foreach (var (key, path) in Endpoints)
            {
                var uri = new Uri(path, UriKind.Relative);
                await CallAsync(http, uri); // warm-up: JIT, connection
                var (one, _) = await Load.RunAsync(quick ? 20 : 100, 1, _ => CallAsync(http, uri), timeBudget);
                var (eight, _) = await Load.RunAsync(quick ? 160 : 800, 8, _ => CallAsync(http, uri), timeBudget);
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
        }

        await CountRequestsAsync(azurite, results);
        return (figures, sameTable);
    }

    private static async Task CallAsync(HttpClient http, Uri uri)
    {
        using var response = await http.GetAsync(uri);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET {uri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>
    /// Storage requests one call of each endpoint makes (mean of 5), from a host whose table traffic goes through a
    /// counting proxy: what a page costs the storage account, whatever the emulator's speed.
    /// </summary>
    private static async Task CountRequestsAsync(Azurite azurite, BenchResults results)
    {
        await using var proxy = await CountingProxy.StartAsync(azurite.TablePort, "benchapicount", allEngine: false);
        var storage = azurite.ConnectionString.Replace($"127.0.0.1:{azurite.TablePort}/", $"127.0.0.1:{proxy.Port}/", StringComparison.Ordinal);
        using var host = HostProcess.StartLocalHost(storage, "benchapicount");
        await host.WaitForLiveAsync(TimeSpan.FromMinutes(2));
        using var http = host.CreateClient(Business);
        var perCall = new JsonObject();
        foreach (var (key, path) in Endpoints)
        {
            var uri = new Uri(path, UriKind.Relative);
            await CallAsync(http, uri); // caches (the caller's membership) filled before counting
            proxy.Reset();
            for (var i = 0; i < 5; i++)
            {
                await CallAsync(http, uri);
            }

            perCall[key] = BenchResults.Round(proxy.Ours / 5.0);
        }

        results.Set("api_storage_requests_per_call", perCall);
    }

    /// <summary>
    /// The emulator's floor for a page of each list's own table: one 51-row key-range query straight on the table as
    /// seeded (no app code), over the list rows the endpoint reads, at 8 callers. Azurite evaluates a query against
    /// every row of the table, so this grows with the table even though the page does not; the recent job runs have
    /// no rows here, so they have no such floor.
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, double>> SameTablePagesAsync(TableServiceClient tables, bool quick, BenchResults results)
    {
        (string Key, string Table, string Partition, string Prefix)[] lists =
        [
            ("/api/v1/clients?limit=50", TenantTables.ClientsTable, Business, "~n_"),
            ("/api/v1/events?limit=50", MonitoringTables.EventsTable, Business, "t_"),
            ("/api/v1/email-logs?limit=50", NotificationTables.EmailLogsTable, Business, "~t_"),
            ("/api/v1/notifications?limit=50", MonitoringTables.NotificationsTable, Business + "_amy", "~t_"),
        ];
        var p99s = new Dictionary<string, double>();
        var p99 = new JsonObject();
        var p50 = new JsonObject();
        foreach (var (key, name, partition, prefix) in lists)
        {
            var table = tables.GetTableClient(name);
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {prefix} and RowKey lt {TablePages.After(prefix)}");
            var (latencies, _) = await Load.RunAsync(quick ? 80 : 400, 8, async _ =>
            {
                var rows = 0;
                await foreach (var page in table.QueryAsync<TableEntity>(filter, maxPerPage: 51).AsPages())
                {
                    rows += page.Values.Count;
                    break;
                }

                if (rows != 51)
                {
                    throw new InvalidOperationException($"the key-range page of {name} returned {rows} rows");
                }
            }, TimeSpan.FromSeconds(quick ? 15 : 60));
            p99s[key] = Load.Percentile(latencies, 99);
            p99[key] = p99s[key];
            p50[key] = Load.Percentile(latencies, 50);
        }

        results.Set("page_query_same_table_p99_ms", p99);
        results.Set("page_query_same_table_p50_ms", p50);
        return p99s;
    }
}
