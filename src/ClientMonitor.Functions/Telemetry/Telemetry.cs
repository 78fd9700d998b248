namespace ClientMonitor.Functions.Telemetry;

/// <summary>Where the Application Insights connection string comes from: the platform's variable, or <c>ApplicationInsights:ConnectionString</c>.</summary>
public static class TelemetrySettings
{
    public static string? ConnectionString(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        return string.IsNullOrWhiteSpace(value) ? configuration["ApplicationInsights:ConnectionString"] : value;
    }
}
