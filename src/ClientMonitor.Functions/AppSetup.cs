using ClientMonitor.Functions.Api;
using ClientMonitor.Functions.Demo;
using ClientMonitor.Functions.Health;
using ClientMonitor.Functions.Hosting;
using ClientMonitor.Functions.Notifications;
using ClientMonitor.Functions.Pipeline;
using ClientMonitor.Functions.Reports;
using ClientMonitor.Functions.Scheduling;
using ClientMonitor.Functions.Storage;
using ClientMonitor.Functions.Telemetry;

namespace ClientMonitor.Functions;

/// <summary>Every service of the app, for the worker and for the CLI commands that work on the same storage.</summary>
public static class AppSetup
{
    public static WebApplicationBuilder AddClientMonitor(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddFunctionsHosting();
        builder.Services.AddClientMonitorTelemetry(builder.Configuration);
        builder.Services.AddClientMonitorStorage();
        builder.Services.AddMonitoringPipeline();
        builder.Services.AddScheduling();
        builder.Services.AddNotifications();
        builder.Services.AddReports();
        builder.Services.AddClientMonitorApi(builder.Configuration);
        builder.Services.AddClientMonitorHealth();
        builder.Services.AddDemoRun(builder.Configuration);
        return builder;
    }
}
