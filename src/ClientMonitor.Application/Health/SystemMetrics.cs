using System.Diagnostics;
using ClientMonitor.Application.Api;

namespace ClientMonitor.Application.Health;

/// <summary>
/// Seed 004's system metrics for this worker process: CPU (share of all cores since the previous snapshot, or since
/// start), memory, garbage collection, the thread pool and uptime.
/// </summary>
public sealed record SystemMetricsSnapshot(
    DateTimeOffset CapturedAt,
    double UptimeSeconds,
    int ProcessorCount,
    double CpuPercent,
    double CpuTotalSeconds,
    long WorkingSetBytes,
    long PrivateMemoryBytes,
    long GcHeapBytes,
    long GcTotalAllocatedBytes,
    int Gen0Collections,
    int Gen1Collections,
    int Gen2Collections,
    double GcPauseTimePercent,
    int ThreadCount,
    int ThreadPoolThreads,
    long ThreadPoolPendingWorkItems,
    long ThreadPoolCompletedWorkItems);

public sealed class SystemMetrics(TimeProvider time)
{
    private readonly Lock _gate = new();
    private (DateTimeOffset At, TimeSpan Cpu)? _previous;

    public SystemMetricsSnapshot Capture()
    {
        using var process = Process.GetCurrentProcess();
        var now = time.GetUtcNow();
        var started = new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero);
        var cpu = process.TotalProcessorTime;
        double percent;
        lock (_gate)
        {
            var (at, before) = _previous ?? (started, TimeSpan.Zero);
            var wall = (now - at).TotalSeconds * Environment.ProcessorCount;
            percent = wall <= 0 ? 0 : Math.Clamp(100 * (cpu - before).TotalSeconds / wall, 0, 100);
            _previous = (now, cpu);
        }

        var gc = GC.GetGCMemoryInfo();
        return new SystemMetricsSnapshot(
            now,
            Math.Round((now - started).TotalSeconds, 1),
            Environment.ProcessorCount,
            Math.Round(percent, 2),
            Math.Round(cpu.TotalSeconds, 2),
            process.WorkingSet64,
            process.PrivateMemorySize64,
            GC.GetTotalMemory(forceFullCollection: false),
            GC.GetTotalAllocatedBytes(),
            GC.CollectionCount(0),
            GC.CollectionCount(1),
            GC.CollectionCount(2),
            Math.Round(gc.PauseTimePercentage, 2),
            process.Threads.Count,
            ThreadPool.ThreadCount,
            ThreadPool.PendingWorkItemCount,
            ThreadPool.CompletedWorkItemCount);
    }
}

/// <summary><c>GET /api/v1/metrics</c>: this worker's system metrics, for business admins and operators.</summary>
public static class SystemMetricsApi
{
    public static RouteGroupBuilder MapSystemMetricsApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapGet("/metrics", (HttpContext context, SystemMetrics metrics) =>
            context.IsOperator() || context.IsTenantAdmin()
                ? TypedResults.Ok(metrics.Capture())
                : ApiProblems.Forbidden("System metrics are for admins and operators."))
            .RequireAuthorization()
            .WithTags("Health")
            .Doc("GetSystemMetrics", "This worker's CPU, memory, GC, thread pool and uptime (admins and operators).")
            .Produces<SystemMetricsSnapshot>();
        return api;
    }
}
