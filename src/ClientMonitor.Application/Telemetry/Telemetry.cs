using System.Globalization;
using Azure.Identity;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Operations;
using ClientMonitor.Core.Pipeline;
using Microsoft.ApplicationInsights;
using Microsoft.ApplicationInsights.Extensibility;

namespace ClientMonitor.Application.Telemetry;

/// <summary>
/// Application Insights when a connection string is configured (<c>APPLICATIONINSIGHTS_CONNECTION_STRING</c>, as
/// Azure sets it, or <c>ApplicationInsights:ConnectionString</c>); otherwise nothing is registered and nothing is
/// sent. With <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> = <c>Authorization=AAD[;ClientId=...]</c> (the
/// Functions convention) ingestion uses the managed identity, for resources with local authentication disabled.
/// </summary>
public static class TelemetrySettings
{
    public static string? ConnectionString(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        return string.IsNullOrWhiteSpace(value) ? configuration["ApplicationInsights:ConnectionString"] : value;
    }

    public static IServiceCollection AddClientMonitorTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = ConnectionString(configuration);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            services.AddSingleton<IMonitoringTelemetry>(NoTelemetry.Instance);
            return services;
        }

        // The worker SDK in both hosts: the Functions host tracks requests and invocations itself (the worker adds
        // ConfigureFunctionsApplicationInsights), the local host has no request telemetry of its own.
        var authentication = configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"];
        var credential = authentication?.Contains("Authorization=AAD", StringComparison.OrdinalIgnoreCase) == true ? ManagedIdentity(authentication) : null;
        services.AddApplicationInsightsTelemetryWorkerService(options =>
        {
            options.ConnectionString = connectionString;
            options.Credential = credential; // Entra ingestion, for resources with local authentication disabled
        });
        services.AddSingleton<IMonitoringTelemetry, AppInsightsTelemetry>();
        return services;
    }

    /// <summary>The managed identity of <c>Authorization=AAD[;ClientId=...]</c>: the user-assigned one named, or the system-assigned one.</summary>
    private static ManagedIdentityCredential ManagedIdentity(string authentication)
    {
        var clientId = authentication.Split(';').Select(p => p.Split('=', 2)).FirstOrDefault(p => p.Length == 2 && p[0].Trim().Equals("ClientId", StringComparison.OrdinalIgnoreCase))?[1].Trim();
        return new ManagedIdentityCredential(clientId is null ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId));
    }
}

/// <summary>
/// The product's metrics as pre-aggregated Application Insights metrics (names are what the workbook queries in
/// <c>customMetrics</c>), and one <c>JobRunFinished</c> custom event per run with its ids for correlation.
/// </summary>
public sealed class AppInsightsTelemetry(TelemetryClient client) : IMonitoringTelemetry
{
    public const string JobRunDuration = "job_run_duration_seconds";
    public const string JobRuns = "job_runs";
    public const string ClientsProcessed = "clients_processed";
    public const string ItemsFound = "items_found";
    public const string EventsCreated = "events_created";
    public const string QualifiedEvents = "qualified_events";
    public const string NotificationsCreated = "notifications_created";
    public const string EmailsSent = "emails";
    public const string EmailEngagement = "email_engagement";
    public const string ReportSuccessRate = "report_success_rate";
    public const string ReportActions = "report_actions";
    public const string AlertDeliveries = "alert_deliveries";
    public const string ProviderLatency = "provider_call_latency_ms";
    public const string ProviderErrors = "provider_call_errors";
    public const string CircuitState = "provider_circuit_open";
    public const string TickLag = "scheduler_tick_lag_seconds";
    public const string QueueBacklog = "queue_backlog";
    public const string PoisonMessages = "queue_poison";
    public const string JobRunFinishedEvent = "JobRunFinished";

    /// <summary>Every custom metric and event name this class emits (the infrastructure test checks the workbook against it).</summary>
    public static readonly IReadOnlyList<string> Names =
    [
        JobRunDuration, JobRuns, ClientsProcessed, ItemsFound, EventsCreated, QualifiedEvents, NotificationsCreated, EmailsSent, EmailEngagement,
        ReportSuccessRate, ReportActions, AlertDeliveries,
        ProviderLatency, ProviderErrors, CircuitState, TickLag, QueueBacklog, PoisonMessages, JobRunFinishedEvent,
    ];

    public void JobRunFinished(JobRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var type = WireJson.Name(run.JobType);
        var status = WireJson.Name(run.Status);
        client.GetMetric(JobRuns, "job_type", "status").TrackValue(1, type, status);
        if (run.Duration is { } duration)
        {
            client.GetMetric(JobRunDuration, "job_type", "status").TrackValue(duration.TotalSeconds, type, status);
        }

        // Application Insights 3.x events carry properties only, so the figures are invariant-culture strings
        // (the workbook reads them with todouble(customDimensions.x)).
        var inv = CultureInfo.InvariantCulture;
        client.TrackEvent(
            JobRunFinishedEvent,
            new Dictionary<string, string>
            {
                ["job_run_id"] = run.Id, ["business_id"] = run.BusinessId, ["job_type"] = type, ["status"] = status, ["trigger"] = run.Trigger,
                ["schedule_id"] = run.ScheduleId ?? string.Empty, ["used_mock_providers"] = run.UsedMockProviders ? "true" : "false",
                ["clients_total"] = run.ClientsTotal.ToString(inv), ["clients_failed"] = run.ClientsFailed.ToString(inv), ["items_found"] = run.Counts.ItemsFound.ToString(inv),
                ["events_created"] = run.Counts.EventsCreated.ToString(inv), ["notifications_created"] = run.Counts.NotificationsCreated.ToString(inv),
                ["emails_queued"] = run.Counts.EmailsQueued.ToString(inv), ["duration_seconds"] = (run.Duration?.TotalSeconds ?? 0).ToString(inv),
            });
    }

    public void ClientProcessed(ClientRun run, IReadOnlyCollection<EventCategory> eventCategories, int qualifiedEvents)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(eventCategories);
        client.GetMetric(ClientsProcessed, "status").TrackValue(1, WireJson.Name(run.Status));
        client.GetMetric(ItemsFound).TrackValue(run.Counts.ItemsFound);
        foreach (var group in eventCategories.GroupBy(c => c))
        {
            client.GetMetric(EventsCreated, "category").TrackValue(group.Count(), WireJson.Name(group.Key));
        }

        client.GetMetric(QualifiedEvents).TrackValue(qualifiedEvents);
        client.GetMetric(NotificationsCreated).TrackValue(run.Counts.NotificationsCreated);
        foreach (var call in run.ProviderCalls ?? [])
        {
            var outcome = call.Succeeded ? "success" : "failure";
            client.GetMetric(ProviderLatency, "provider", "kind", "outcome").TrackValue(call.DurationMs, call.Provider, call.Kind, outcome);
            if (!call.Succeeded)
            {
                client.GetMetric(ProviderErrors, "provider", "kind").TrackValue(1, call.Provider, call.Kind);
            }
        }
    }

    public void EmailHandled(string provider, string emailType, EmailStatus status)
        => client.GetMetric(EmailsSent, "provider", "email_type", "status").TrackValue(1, provider, emailType, WireJson.Name(status));

    public void EmailEngaged(string kind) => client.GetMetric(EmailEngagement, "kind").TrackValue(1, kind);

    public void ReportGenerated(string source, int actions, double? successRate)
    {
        client.GetMetric(ReportActions, "source").TrackValue(actions, source);
        if (successRate is { } rate)
        {
            client.GetMetric(ReportSuccessRate, "source").TrackValue(rate, source);
        }
    }

    public void AlertDelivered(string channel, string kind, string outcome)
        => client.GetMetric(AlertDeliveries, "channel", "kind", "outcome").TrackValue(1, channel, kind, outcome);

    public void CircuitChanged(string provider, bool open)
        => client.GetMetric(CircuitState, "provider").TrackValue(open ? 1 : 0, provider);

    public void SchedulerTicked(TimeSpan lag, int due, int started)
        => client.GetMetric(TickLag).TrackValue(lag.TotalSeconds);

    public void QueueSampled(string queue, int backlog, int poison)
    {
        client.GetMetric(QueueBacklog, "queue").TrackValue(backlog, queue);
        client.GetMetric(PoisonMessages, "queue").TrackValue(poison, queue);
    }
}
