using System.Text.Json;
using Azure.Identity;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Operations;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Durable;
using ClientMonitor.Core.Providers;
using ClientMonitor.Application.Triggers;
using ClientMonitor.Application.Storage;
using ClientMonitor.Infrastructure.Pipeline;
using ClientMonitor.Infrastructure.Providers;
using Microsoft.Extensions.Options;

namespace ClientMonitor.Application.Pipeline;

/// <summary>The monitoring pipeline: stores, providers, job runs and the activities of the job run orchestration.</summary>
public static partial class PipelineSetup
{
    public static IServiceCollection AddMonitoringPipeline(this IServiceCollection services)
    {
        services.AddOptions<ProvidersOptions>().BindConfiguration(ProvidersOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProvidersOptions>, ProvidersOptionsValidator>();
        services.AddOptions<PipelineOptions>().BindConfiguration("Pipeline");

        services.AddSingleton<TenantTables>();
        services.AddSingleton<ITenantStore>(sp => sp.GetRequiredService<TenantTables>());
        services.AddSingleton<IClientStore>(sp => sp.GetRequiredService<TenantTables>());
        services.AddSingleton<IPreferenceStore>(sp => sp.GetRequiredService<TenantTables>());
        services.AddSingleton<MonitoringTables>();
        services.AddSingleton<IRawDataStore>(sp => sp.GetRequiredService<MonitoringTables>());
        services.AddSingleton<IEventStore>(sp => sp.GetRequiredService<MonitoringTables>());
        services.AddSingleton<INotificationStore>(sp => sp.GetRequiredService<MonitoringTables>());
        services.AddSingleton<IUserStore>(sp => sp.GetRequiredService<TenantTables>());
        services.AddSingleton<IJobRunStore, JobRunTables>();
        services.AddSingleton<QueueNotificationOutbox>();
        services.AddSingleton(sp => new PipelineStores(
            sp.GetRequiredService<ITenantStore>(), sp.GetRequiredService<IClientStore>(), sp.GetRequiredService<IPreferenceStore>(),
            sp.GetRequiredService<IRawDataStore>(), sp.GetRequiredService<IEventStore>(), sp.GetRequiredService<INotificationStore>(),
            sp.GetRequiredService<IEmailLogStore>(), sp.GetRequiredService<IJobRunStore>(), sp.GetRequiredService<INotificationOutbox>()));

        services.AddSingleton<IProviderQuota, TableProviderQuota>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ProvidersOptions>>().Value;
            var time = sp.GetRequiredService<TimeProvider>();
            var logger = sp.GetRequiredService<ILogger<ProviderGateway>>();
            return new ProviderGateway(options.ResilienceFor, sp.GetRequiredService<IProviderQuota>(), time, async (provider, opened, ct) =>
            {
                try
                {
                    sp.GetRequiredService<IMonitoringTelemetry>().CircuitChanged(provider, opened);
                    await CircuitAlertAsync(sp, time, provider, opened, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.CircuitAlertFailed(logger, provider, ex);
                }
            });
        });
        services.AddSingleton<ProviderHttpClient>();
        services.AddSingleton<IProviderCatalog>(sp => new ProviderCatalog(
            sp.GetRequiredService<IOptions<ProvidersOptions>>().Value,
            sp.GetRequiredService<ProviderHttpClient>().Client,
            sp.GetRequiredService<ProviderGateway>(),
            new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = sp.GetRequiredService<IOptions<StorageOptions>>().Value.ClientId }),
            sp.GetRequiredService<TimeProvider>()));

        services.AddSingleton(sp => new JobRunService(
            sp.GetRequiredService<IClientStore>(), sp.GetRequiredService<IJobRunStore>(),
            sp.GetRequiredService<IProviderCatalog>(), sp.GetRequiredService<TimeProvider>(), sp.GetServices<IJobRunFinishedListener>(),
            sp.GetService<IDigestRunner>(), sp.GetRequiredService<IMonitoringTelemetry>()));
        services.AddSingleton(sp => new MonitorClientProcessor(
            sp.GetRequiredService<PipelineStores>(), sp.GetRequiredService<IProviderCatalog>(),
            sp.GetRequiredService<IOptions<PipelineOptions>>().Value, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<EmailDeliveryOptions>().MaxInstantPerUserPerHour > 0 ? sp.GetRequiredService<InstantEmailGate>() : null,
            sp.GetRequiredService<IMonitoringTelemetry>()));
        services.AddSingleton<JobRunActivities>();
        return services;
    }

    /// <summary>A provider's circuit opened (an app-wide alert) or closed again (the alert resolves).</summary>
    private static Task<bool> CircuitAlertAsync(IServiceProvider sp, TimeProvider time, string provider, bool opened, CancellationToken ct)
    {
        var alerts = sp.GetRequiredService<IAlertSink>();
        var now = time.GetUtcNow();
        return opened
            ? alerts.RaiseAsync(
                new OperationalAlert(
                    StableId.From("circuit-open", provider, now.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture)), OperationalAlert.SystemBusinessId,
                    AlertTypes.ProviderCircuitOpen, AlertSeverity.Warning, $"Provider {provider} is failing; its circuit is open",
                    $"Calls to {provider} failed repeatedly, so they are paused and runs continue on the other sources.", null, null, now, provider),
                ct)
            : alerts.ResolveAsync(OperationalAlert.SystemBusinessId, AlertTypes.ProviderCircuitOpen, provider, $"Calls to {provider} succeed again; its circuit is closed.", ct);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2101, EventName = "CircuitAlertFailed", Level = LogLevel.Error, Message = "The alert for provider {Provider}'s circuit could not be raised or resolved")]
        public static partial void CircuitAlertFailed(ILogger logger, string provider, Exception exception);
    }
}

/// <summary>One HTTP client for every provider: pooled connections renewed every few minutes (DNS changes), no client-level timeout (the gateway times each attempt).</summary>
public sealed class ProviderHttpClient : IDisposable
{
    public HttpClient Client { get; } = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };

    public void Dispose() => Client.Dispose();
}

