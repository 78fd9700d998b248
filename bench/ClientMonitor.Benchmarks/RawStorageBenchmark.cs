using Azure.Data.Tables;
using ClientMonitor.Testing;

namespace ClientMonitor.Benchmarks;

/// <summary>
/// The storage references, straight on Azure.Data.Tables (none of our code): single-entity inserts per second and
/// the latency of one 50-row partition query, both with 8 concurrent callers, on the suite's Azurite.
/// </summary>
internal static class RawStorageBenchmark
{
    private const int Callers = 8;
    private const int PageRows = 50;

    public static async Task<(double InsertsPerSecond, double PageP99Ms)> RunAsync(Azurite azurite, bool quick, BenchResults results)
    {
        var table = azurite.CreateTableService().GetTableClient(Azurite.UniqueName("raw"));
        await table.CreateAsync();
        var inserts = quick ? 2_000 : 10_000;

        // Warm up the connection pool, JIT and the emulator.
        await Load.RunAsync(200, Callers, i => table.AddEntityAsync(Row("warmup", i)));

        var (_, elapsed) = await Load.RunAsync(inserts, Callers, i => table.AddEntityAsync(Row("insert", i)));
        var insertsPerSecond = BenchResults.Round(inserts / elapsed.TotalSeconds);
        results.Set("raw_inserts_per_s", insertsPerSecond);

        await Load.RunAsync(PageRows, Callers, i => table.AddEntityAsync(Row("page", i)));
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {"page"}");
        var (latencies, _) = await Load.RunAsync(quick ? 400 : 2_000, Callers, async _ =>
        {
            var rows = 0;
            await foreach (var unused in table.QueryAsync<TableEntity>(filter))
            {
                rows++;
            }

            if (rows != PageRows)
            {
                throw new InvalidOperationException($"page query returned {rows} rows");
            }
        });
        var p99 = Load.Percentile(latencies, 99);
        results.Set("page_query_p99_ms", p99);
        results.Set("page_query_p50_ms", Load.Percentile(latencies, 50));
        return (insertsPerSecond, p99);
    }

    private static TableEntity Row(string partition, int i) => new(partition, i.ToString("D8", System.Globalization.CultureInfo.InvariantCulture))
    {
        ["Name"] = $"Client {i}",
        ["Domain"] = $"client{i}.example",
        ["Industry"] = "software",
        ["IsActive"] = true,
    };
}
