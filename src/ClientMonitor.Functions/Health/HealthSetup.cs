using System.Text.Json;
using ClientMonitor.Core.Operations;
using ClientMonitor.Functions.Hosting;
using ClientMonitor.Infrastructure.Operations;
using ClientMonitor.Infrastructure.Providers;
using ClientMonitor.Infrastructure.Queues;
using ClientMonitor.Infrastructure.Tables;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ClientMonitor.Functions.Health;

/// <summary><c>GET /api/health</c>: storage reachability and the hosting mode; 200 when healthy, 503 otherwise.</summary>
public static class HealthSetup
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    public static IServiceCollection AddClientMonitorHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<TableStorageHealthCheck>("tableStorage", timeout: CheckTimeout)
            .AddCheck<QueueStorageHealthCheck>("queueStorage", timeout: CheckTimeout)
            .AddCheck<ProviderHealthCheck>("providers", timeout: CheckTimeout);
        return services;
    }

    public static IEndpointRouteBuilder MapClientMonitorHealth(this IEndpointRouteBuilder endpoints)
    {
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
            await tables.GetTableClient(TableFunctionActivityLog.TableName).GetEntityIfExistsAsync<ProbeEntity>("health", "probe", cancellationToken);
            return HealthCheckResult.Healthy("Table service reachable");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("Table service unreachable: " + ex.Message.Split('\n')[0]);
        }
    }

    private sealed class ProbeEntity : TableEntity;
}

internal sealed class QueueStorageHealthCheck(QueueServiceClient queues) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var backlog = await queues.GetQueueClient(QueueNames.MonitorClient).GetApproximateMessageCountAsync(cancellationToken);
            return HealthCheckResult.Healthy("Queue service reachable", new Dictionary<string, object> { [QueueNames.MonitorClient] = backlog });
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("Queue service unreachable: " + ex.Message.Split('\n')[0]);
        }
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
