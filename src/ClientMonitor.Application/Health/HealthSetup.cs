using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using ClientMonitor.Core.Operations;
using ClientMonitor.Core.Scheduling;
using ClientMonitor.Infrastructure.Operations;
using ClientMonitor.Infrastructure.Providers;
using ClientMonitor.Infrastructure.Storage;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ClientMonitor.Application.Health;

/// <summary>
/// <c>GET /api/health</c>: storage, each provider's circuit and quota, the scheduler's lag, and queue backlogs with
/// poison counts, with the hosting mode; 200 when healthy or degraded, 503 when unhealthy. <c>GET /api/health/live</c>
/// answers 200 while the process serves requests (liveness: no dependency is checked).
/// </summary>
public static class HealthSetup
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    public static IServiceCollection AddClientMonitorHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<TableStorageHealthCheck>("tableStorage", timeout: CheckTimeout)
            .AddCheck<QueueStorageHealthCheck>("queueStorage", timeout: CheckTimeout)
            .AddCheck<ProviderHealthCheck>("providers", timeout: CheckTimeout)
            .AddCheck<SchedulerHealthCheck>("scheduler", timeout: CheckTimeout);
        services.AddSingleton<SystemMetrics>();
        return services;
    }

    public static IEndpointRouteBuilder MapClientMonitorHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/api/health/live", new HealthCheckOptions
        {
            Predicate = _ => false,
            ResponseWriter = (context, report) => WriteAsync(context, report),
        });
        endpoints.MapHealthChecks("/api/health", new HealthCheckOptions
        {
            ResponseWriter = (context, report) => WriteAsync(context, report),
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        return endpoints;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        var mode = context.RequestServices.GetRequiredService<HostingModeInfo>().Mode;
        var body = new
        {
            status = report.Status.ToString(),
            mode = mode.ToString().ToLowerInvariant(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new
                {
                    status = e.Value.Status.ToString(),
                    description = e.Value.Description,
                    durationMs = Math.Round(e.Value.Duration.TotalMilliseconds),
                    data = e.Value.Data.Count == 0 ? null : e.Value.Data,
                }),
        };
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, JsonSerializerOptions.Web));
    }
}

internal sealed class TableStorageHealthCheck(TableServiceClient tables) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // A point read: cheap, and it proves the endpoint answers and accepts our credentials.
            await tables.GetTableClient(TableFunctionActivityLog.TableName).GetOrNullAsync<ProbeEntity>("health", "probe", cancellationToken);
            return HealthCheckResult.Healthy("Table service reachable");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("Table service unreachable: " + ex.Message.Split('\n')[0]);
        }
    }

    private sealed class ProbeEntity : TableRow;
}

/// <summary>Backlog and poison count of every queue; degraded while a poison queue holds messages (they need a look).</summary>
internal sealed class QueueStorageHealthCheck(QueueServiceClient queues) : IHealthCheck
{
    private static readonly string[] Queues = [QueueNames.Notifications];

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var data = new Dictionary<string, object>();
            var poisoned = new List<string>();
            foreach (var queue in Queues)
            {
                var backlog = await queues.GetQueueClient(queue).CountAsync(cancellationToken);
                var poison = await PoisonCountAsync(QueueNames.PoisonOf(queue), cancellationToken);
                data[queue] = new { backlog, poison };
                if (poison > 0)
                {
                    poisoned.Add($"{QueueNames.PoisonOf(queue)} ({poison})");
                }
            }

            return poisoned.Count == 0
                ? HealthCheckResult.Healthy("Queue service reachable", data)
                : HealthCheckResult.Degraded("Messages in poison queues: " + string.Join(", ", poisoned), data: data);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("Queue service unreachable: " + ex.Message.Split('\n')[0]);
        }
    }

    private async Task<int> PoisonCountAsync(string queue, CancellationToken cancellationToken)
    {
        try
        {
            return await queues.GetQueueClient(queue).CountAsync(cancellationToken);
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            return 0; // the host creates a poison queue on its first poison message
        }
    }
}

/// <summary>
/// Degraded when <c>ScheduleTick</c> has not finished a tick for three minutes (its timer fires every minute) or its
/// last tick started late by more than a minute; data gives the last tick and its lag.
/// </summary>
internal sealed class SchedulerHealthCheck(ISchedulerHeartbeatStore heartbeats, TimeProvider time) : IHealthCheck
{
    private static readonly TimeSpan Stale = TimeSpan.FromMinutes(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var beat = await heartbeats.GetAsync(cancellationToken);
        if (beat is null)
        {
            return HealthCheckResult.Healthy("No scheduler tick recorded yet");
        }

        var age = time.GetUtcNow() - beat.TickedAt;
        var data = new Dictionary<string, object>
        {
            ["lastTickAt"] = beat.TickedAt,
            ["secondsSinceLastTick"] = Math.Round(age.TotalSeconds),
            ["lastTickLagSeconds"] = Math.Round(beat.Lag.TotalSeconds, 1),
        };
        return age > Stale || beat.Lag > TimeSpan.FromMinutes(1)
            ? HealthCheckResult.Degraded($"The scheduler's last tick was {age.TotalMinutes:0} minute(s) ago with a lag of {beat.Lag.TotalSeconds:0} s", data: data)
            : HealthCheckResult.Healthy("Scheduler ticking", data);
    }
}

/// <summary>Degraded while any provider's circuit is open or its daily quota is used up; data lists every provider called so far.</summary>
internal sealed class ProviderHealthCheck(ProviderGateway gateway) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var providers = await gateway.SnapshotAsync(cancellationToken);
        var data = providers.ToDictionary(
            p => p.Provider,
            p => (object)new { circuit = p.Circuit, quotaUsed = p.QuotaUsed, dailyQuota = p.DailyQuota, lastFailureAt = p.LastFailureAt, lastFailure = p.LastFailure });
        var open = providers.Where(p => p.Circuit != "closed" || (p.DailyQuota is { } q && p.QuotaUsed >= q)).Select(p => p.Provider).ToList();
        return open.Count == 0
            ? HealthCheckResult.Healthy("All provider circuits closed", data)
            : HealthCheckResult.Degraded("Open circuit or exhausted quota: " + string.Join(", ", open), data: data);
    }
}
