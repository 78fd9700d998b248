using ClientMonitor.Application.Telemetry;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;

namespace ClientMonitor.Functions;

internal static class WorkerTelemetry
{
    /// <summary>With a connection string, the worker's own telemetry (invocations, dependencies, logs) goes to Application Insights too.</summary>
    public static FunctionsApplicationBuilder AddWorkerTelemetry(this FunctionsApplicationBuilder builder)
    {
        if (!string.IsNullOrWhiteSpace(TelemetrySettings.ConnectionString(builder.Configuration)))
        {
            builder.Services.ConfigureFunctionsApplicationInsights();
        }

        return builder;
    }
}
