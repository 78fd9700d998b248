using Microsoft.Extensions.DependencyInjection.Extensions;
using ClientMonitor.Application.Api;
using ClientMonitor.Application.Demo;
using ClientMonitor.Application.Health;
using ClientMonitor.Application.Notifications;
using ClientMonitor.Application.Pipeline;
using ClientMonitor.Application.Reports;
using ClientMonitor.Application.Scheduling;
using ClientMonitor.Application.Storage;
using ClientMonitor.Application.Telemetry;
using ClientMonitor.Application.Triggers;

namespace ClientMonitor.Application;

/// <summary>Every service of the app, for each host that runs its functions and for the CLI commands that work on the same storage.</summary>
public static class AppSetup
{
    public static IServiceCollection AddClientMonitor(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        // host.json sits next to the app in both hosts (the build copies it), as the Functions host expects it.
        services.TryAddSingleton(_ => HostSettings.Load(Path.Combine(AppContext.BaseDirectory, "host.json")));
        services.AddSingleton<QueueMessageRunner>();
        services.AddClientMonitorTelemetry(configuration);
        services.AddClientMonitorStorage();
        services.AddMonitoringPipeline();
        services.AddScheduling();
        services.AddNotifications();
        services.AddReports();
        services.AddClientMonitorApi(configuration);
        services.AddClientMonitorHealth();
        services.AddDemoRun(configuration);
        return services;
    }
}
