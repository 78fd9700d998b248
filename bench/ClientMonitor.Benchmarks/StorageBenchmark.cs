using System.Diagnostics;
using System.Globalization;
using System.Text;
using ClientMonitor.Core;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Infrastructure.Pipeline;
using ClientMonitor.Testing;

namespace ClientMonitor.Benchmarks;

/// <summary>
/// Entities per second through our own stores (the clients store: the same code path as every versioned store) on
/// a private Azurite in memory: inserts, ETag-checked replaces and 50-row partition queries, with one and with eight
/// callers at once. Each figure is the median of three rounds, so one slow round (a GC, the emulator's own pause)
/// does not decide it.
/// </summary>
internal static class StorageBenchmark
{
    private const int Rounds = 3;
    private const int PageRows = 50;

    public static async Task<string> RunAsync(int rows, TextWriter log)
    {
        await using var azurite = await Azurite.StartPrivateAsync();
        var tables = azurite.CreateTableService();
        await tables.GetTableClient(TenantTables.ClientsTable).CreateIfNotExistsAsync();
        var store = new TenantTables(tables);

        // Warm up the connection pool, JIT and the emulator before measuring.
        await MeasureAsync(store, "warmup", 200, 8);

        var lines = new StringBuilder();
        lines.AppendLine("| operation | callers | entities/s (median of 3) |");
        lines.AppendLine("|---|---|---|");
        foreach (var callers in new[] { 1, 8 })
        {
            var results = new Dictionary<string, List<double>>();
            for (var round = 0; round < Rounds; round++)
            {
                foreach (var (operation, perSecond) in await MeasureAsync(store, $"r{round}c{callers}", rows, callers))
                {
                    (results.TryGetValue(operation, out var list) ? list : results[operation] = []).Add(perSecond);
                }
            }

            foreach (var (operation, values) in results)
            {
                var median = values.Order().ElementAt(values.Count / 2);
                var line = string.Create(CultureInfo.InvariantCulture, $"| {operation} | {callers} | {median:F0} |");
                lines.AppendLine(line);
                await log.WriteLineAsync(line);
            }
        }

        return lines.ToString();
    }

    private static async Task<List<(string Operation, double PerSecond)>> MeasureAsync(TenantTables tenantTables, string prefix, int rows, int callers)
    {
        IVersionedStore<Client> store = tenantTables;
        IClientStore list = tenantTables;
        var business = "bench" + prefix + Guid.NewGuid().ToString("N")[..8];
        var clients = Enumerable.Range(0, rows)
            .Select(i => new Client($"client-{i:D6}", business, $"Client {i}", $"client{i}.example", "software", ["cloud", "ai"], ["ana"], null, null, true))
            .ToArray();
        var etags = new string[rows];

        var insert = await TimeAsync(rows, callers, async i =>
        {
            var (result, etag) = await store.CreateAsync(clients[i], CancellationToken.None);
            if (result != WriteResult.Done)
            {
                throw new InvalidOperationException($"insert {i}: {result}");
            }

            etags[i] = etag!;
        });

        var update = await TimeAsync(rows, callers, async i =>
        {
            var (result, etag) = await store.ReplaceAsync(clients[i] with { Industry = "fintech" }, etags[i], CancellationToken.None);
            if (result != WriteResult.Done)
            {
                throw new InvalidOperationException($"update {i}: {result}");
            }

            etags[i] = etag!;
        });

        // 50-row queries: one partition of exactly 50 rows, read whole, as a page of a list endpoint would be.
        var pageBusiness = business + "page";
        for (var i = 0; i < PageRows; i++)
        {
            await store.CreateAsync(clients[i] with { BusinessId = pageBusiness }, CancellationToken.None);
        }

        var queries = Math.Max(callers * 5, rows / PageRows);
        var query = await TimeAsync(queries, callers, async _ =>
        {
            var page = await list.ListAsync(pageBusiness, CancellationToken.None);
            if (page.Count != PageRows)
            {
                throw new InvalidOperationException($"query returned {page.Count} rows");
            }
        });

        return [("insert", rows / insert.TotalSeconds), ("etag_update", rows / update.TotalSeconds), ("query_50_rows", queries * PageRows / query.TotalSeconds)];
    }

    private static async Task<TimeSpan> TimeAsync(int count, int callers, Func<int, Task> operation)
    {
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await operation(i);
            }
        }));
        return watch.Elapsed;
    }
}
