using System.Collections.Concurrent;
using System.Diagnostics;

namespace ClientMonitor.Benchmarks;

/// <summary>Runs an operation <c>count</c> times over a number of concurrent callers, timing each call.</summary>
internal static class Load
{
    /// <summary>
    /// The latency of each call in ms, and the wall time. Stops starting new calls after <paramref name="budget"/>
    /// (when given), so that a slow endpoint cannot stretch a run past its time; the result says how many ran.
    /// </summary>
    public static async Task<(double[] LatenciesMs, TimeSpan Elapsed)> RunAsync(int count, int callers, Func<int, Task> operation, TimeSpan? budget = null)
    {
        var next = -1;
        var latencies = new ConcurrentQueue<double>();
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(async _ =>
        {
            int i;
            while ((budget is null || watch.Elapsed < budget) && (i = Interlocked.Increment(ref next)) < count)
            {
                var call = Stopwatch.StartNew();
                await operation(i);
                latencies.Enqueue(call.Elapsed.TotalMilliseconds);
            }
        }));
        return (latencies.ToArray(), watch.Elapsed);
    }

    /// <summary>The nearest-rank percentile (0..100) of <paramref name="values"/>.</summary>
    public static double Percentile(IReadOnlyCollection<double> values, double percentile)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return BenchResults.Round(sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)]);
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }
}
