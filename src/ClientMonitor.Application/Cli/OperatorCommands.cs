using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;
using ClientMonitor.Core.Reports;
using ClientMonitor.Core.Scheduling;
using ClientMonitor.Application.Api;
using ClientMonitor.Application.Health;
using ClientMonitor.Application.Storage;
using ClientMonitor.Application.Telemetry;
using ClientMonitor.Infrastructure.Notifications;
using ClientMonitor.Infrastructure.Providers;
using ClientMonitor.Infrastructure.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ClientMonitor.Application.Cli;

/// <summary>
/// The app's services for a CLI command: the worker's own setup (same settings, same validation, same stores),
/// built but not started, so no timer, listener or demo runs. Settings given to <see cref="Build"/> add to or
/// override the configuration (tests).
/// </summary>
internal sealed class CliHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private CliHost(WebApplication app) => _app = app;

    public IServiceProvider Services => _app.Services;

    public static CliHost Build(IReadOnlyDictionary<string, string?>? settings)
    {
        // The environment decides which appsettings file applies (and whether a development signing key is allowed).
        var environment = settings?.GetValueOrDefault("ASPNETCORE_ENVIRONMENT") ?? settings?.GetValueOrDefault("DOTNET_ENVIRONMENT");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = environment });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.Logging.ClearProviders();
        builder.Services.AddClientMonitor(builder.Configuration);
        return new CliHost(builder.Build());
    }

    /// <summary>Tables and queues exist afterwards (a command may run before the worker ever did).</summary>
    public Task EnsureStorageAsync(CancellationToken cancellationToken)
        => StorageInitializer.CreateAllAsync(Services.GetRequiredService<TableServiceClient>(), Services.GetRequiredService<QueueServiceClient>(), cancellationToken);

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}

/// <summary><c>config-check</c>, <c>status</c>, <c>report</c>, <c>seed-demo</c> and <c>run</c>: the operator's commands.</summary>
internal static class OperatorCommands
{
    private static readonly JsonSerializerOptions Indented = new(WireJson.Options) { WriteIndented = true };

    /// <summary>
    /// Validates every setting group the worker validates at start-up, then says for each feature what it will run
    /// on (real, mock, off) and why. Secret values are never printed, only whether they are set.
    /// </summary>
    public static async Task<int> ConfigCheckAsync(IReadOnlyDictionary<string, string?>? settings, TextWriter output)
    {
        await using var host = CliHost.Build(settings);
        var services = host.Services;
        var failures = new List<string>();
        T? Read<T>()
            where T : class
        {
            try
            {
                return services.GetRequiredService<IOptions<T>>().Value;
            }
            catch (OptionsValidationException ex)
            {
                failures.AddRange(ex.Failures);
                return null;
            }
        }

        var storage = Read<StorageOptions>();
        var auth = Read<AuthOptions>();
        var providers = Read<ProvidersOptions>();
        Read<SchedulerOptions>();
        var email = Read<EmailOptions>();
        Read<EmailDeliveryOptions>();
        Read<AlertOptions>();
        var channels = Read<AlertChannelOptions>();
        var alerts = services.GetRequiredService<IOptions<AlertOptions>>();
        var configuration = services.GetRequiredService<IConfiguration>();

        var lines = new List<(string Feature, string State, string Detail)>
        {
            ("storage", storage is null ? "invalid" : "real", storage is null ? "see errors" : StorageDetail(storage)),
            ("api auth", auth is null ? "invalid" : "real", auth is null ? "see errors: the worker will not start" : !string.IsNullOrWhiteSpace(auth.Authority) ? $"Entra ID tokens from {new Uri(auth.Authority).Host}" : "development signing key (Auth:SigningKey is set; value not shown)"),
        };

        if (providers is not null)
        {
            using var http = new HttpClient();
            using var catalog = new ProviderCatalog(providers, http, new ProviderGateway(providers.ResilienceFor, new InMemoryQuota(), TimeProvider.System), new Azure.Identity.DefaultAzureCredential(), TimeProvider.System);
            var set = catalog.Resolve(false);
            var state = set.UsesMocks ? "mock" : "real";
            var why = set.UsesMocks ? " (Providers:UseMocks=true)" : string.Empty;
            lines.Add(("search", set.Search.Count == 0 ? "off" : state, (set.Search.Count == 0 ? "no search source: set Providers:GdeltEnabled or a key" : string.Join(", ", set.Search.Select(s => s.Name))) + why));
            lines.Add(("crm", set.Crm.Count == 0 ? "off" : state, (set.Crm.Count == 0 ? "no CRM: events carry no CRM context (set Salesforce or HubSpot credentials)" : string.Join(", ", set.Crm.Select(c => c.Name))) + why));
            lines.Add(("ai", set.UsesMocks ? "mock" : set.Classifier.Name == "rule_based" ? "rule-based" : "real", set.Classifier.Name + why));
        }
        else
        {
            lines.Add(("providers", "invalid", "see errors: no monitoring job can run"));
        }

        if (email is not null)
        {
            lines.Add(("email", email.Provider == "file" ? "local" : "real", email.Provider switch
            {
                "smtp" => $"SMTP {email.Smtp.Host}:{email.Smtp.Port} ({email.Smtp.Security}{(string.IsNullOrEmpty(email.Smtp.Username) ? string.Empty : ", credentials set")})",
                "acs" => "Azure Communication Services" + (string.IsNullOrWhiteSpace(email.Acs.ConnectionString) ? $" at {email.Acs.Endpoint} with the managed identity" : " (connection string set)"),
                _ => $"files in {Path.GetFullPath(email.FileDirectory)} (nothing is sent)",
            }));
            lines.Add(("email tracking", string.IsNullOrWhiteSpace(email.TrackingKey) ? "off" : "on", string.IsNullOrWhiteSpace(email.TrackingKey) ? "no Email:TrackingKey: emails carry plain links, opens and clicks are not recorded" : "signed open/click links (key set)"));
        }

        var alertChannels = new List<string>();
        if (alerts.Value.RecipientList.Count > 0)
        {
            alertChannels.Add($"email to {alerts.Value.RecipientList.Count} recipient(s)");
        }

        if (channels?.SlackConfigured == true)
        {
            alertChannels.Add(string.IsNullOrWhiteSpace(channels.SlackWebhookUrl) ? $"Slack {channels.SlackChannel}" : "Slack incoming webhook");
        }

        if (channels?.WebhookConfigured == true)
        {
            alertChannels.Add("signed webhook " + new Uri(channels.WebhookUrl!).Host);
        }

        lines.Add(("alerts", alertChannels.Count == 0 ? "off" : "real", alertChannels.Count == 0 ? "no channel: alerts are stored and listed (GET /api/v1/alerts) but not sent" : string.Join(", ", alertChannels)));
        lines.Add(("telemetry", string.IsNullOrWhiteSpace(TelemetrySettings.ConnectionString(configuration)) ? "off" : "real", string.IsNullOrWhiteSpace(TelemetrySettings.ConnectionString(configuration)) ? "no APPLICATIONINSIGHTS_CONNECTION_STRING: nothing is sent to Application Insights" : "Application Insights (connection string set)"));

        foreach (var (feature, state, detail) in lines)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{feature,-15} {state,-10} {detail}"));
        }

        foreach (var failure in failures.Distinct(StringComparer.Ordinal))
        {
            await output.WriteLineAsync("error: " + failure);
        }

        await output.WriteLineAsync(failures.Count == 0 ? "configuration ok" : $"{failures.Count} setting(s) must be fixed");
        return failures.Count == 0 ? 0 : 1;
    }

    private static string StorageDetail(StorageOptions storage)
    {
        if (storage.TableServiceUri is { } tables)
        {
            return $"{tables.Host} with {(storage.ClientId is null ? "the managed identity" : "user-assigned identity " + storage.ClientId)}";
        }

        var text = storage.ConnectionString ?? string.Empty;
        if (text.Contains("UseDevelopmentStorage=true", StringComparison.OrdinalIgnoreCase) || text.Contains("devstoreaccount1", StringComparison.Ordinal))
        {
            return "Azurite (the local emulator)";
        }

        var account = text.Split(';').Select(p => p.Split('=', 2)).FirstOrDefault(p => p.Length == 2 && p[0].Equals("AccountName", StringComparison.OrdinalIgnoreCase))?[1];
        return $"account {account ?? "(from the connection string)"} (key set; value not shown)";
    }

    /// <summary>Health checks, the scheduler, each business's recent runs, and this process's system metrics.</summary>
    public static async Task<int> StatusAsync(IReadOnlyDictionary<string, string?>? settings, TextWriter output, CancellationToken cancellationToken)
    {
        await using var host = CliHost.Build(settings);
        var services = host.Services;
        var health = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync(cancellationToken);
        await output.WriteLineAsync($"health: {health.Status}");
        foreach (var (name, entry) in health.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            await output.WriteLineAsync($"  {name,-13} {entry.Status,-9} {entry.Description}");
        }

        if (health.Entries.TryGetValue("tableStorage", out var tables) && tables.Status == HealthStatus.Unhealthy)
        {
            return 1;
        }

        var stores = services.GetRequiredService<PipelineStores>();
        foreach (var business in await stores.Tenants.ListBusinessesAsync(cancellationToken))
        {
            var schedules = (await services.GetRequiredService<IScheduleStore>().ListAsync(business.Id, cancellationToken)).Select(v => v.Value).ToList();
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"business {business.Id}: {schedules.Count(s => s.IsActive)} of {schedules.Count} schedule(s) active"));
            foreach (var run in await stores.JobRuns.ListRecentAsync(business.Id, 5, cancellationToken))
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {run.StartedAt:yyyy-MM-dd HH:mm}Z {WireJson.Name(run.JobType),-18} {WireJson.Name(run.Status),-16} {run.ClientsFinished}/{run.ClientsTotal} clients, {run.Counts.EventsCreated} events{(run.Error is null ? string.Empty : " - " + run.Error)}"));
            }
        }

        var m = services.GetRequiredService<SystemMetrics>().Capture();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"this process: cpu {m.CpuPercent:0.0}% of {m.ProcessorCount} cores, working set {m.WorkingSetBytes / 1048576.0:0} MiB, GC heap {m.GcHeapBytes / 1048576.0:0} MiB, gen0/1/2 {m.Gen0Collections}/{m.Gen1Collections}/{m.Gen2Collections}, {m.ThreadPoolThreads} pool threads, up {m.UptimeSeconds:0} s"));
        return health.Status == HealthStatus.Unhealthy ? 1 : 0;
    }

    /// <summary>
    /// Reports for one business or every one. With <c>--export-json</c>, one file per source: <c>all</c>, <c>email</c>,
    /// and each provider with calls in the window (<c>--source X</c>: just that one), named
    /// <c>{business}_{source}_{time}.json</c>; otherwise the reports are printed as JSON.
    /// </summary>
    public static async Task<int> ReportAsync(
        IReadOnlyDictionary<string, string?>? settings, int hours, bool detailed, string source, string? businessId, bool export, string outputDir, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        await using var host = CliHost.Build(settings);
        await host.EnsureStorageAsync(cancellationToken);
        var service = host.Services.GetRequiredService<ReportService>();
        if (service.Validate(new ReportRequest(hours, source, detailed)) is { } invalid)
        {
            await error.WriteLineAsync($"--{invalid.Field.Replace('_', '-')}: {invalid.Message}");
            return 2;
        }

        var businesses = businessId is null
            ? (await host.Services.GetRequiredService<ITenantStore>().ListBusinessesAsync(cancellationToken)).Select(b => b.Id).ToList()
            : [businessId];
        if (export)
        {
            Directory.CreateDirectory(outputDir);
        }

        foreach (var business in businesses)
        {
            var reports = source == ReportRequest.All
                ? await service.GenerateEverySourceAsync(business, hours, detailed, cancellationToken)
                : [await service.GenerateAsync(business, new ReportRequest(hours, source, detailed), cancellationToken)];

            foreach (var report in reports)
            {
                var json = JsonSerializer.Serialize(report, Indented);
                if (!export)
                {
                    await output.WriteLineAsync(json);
                    continue;
                }

                var file = Path.Combine(outputDir, $"{business}_{report.Metadata.Source}_{report.Metadata.ReportGeneratedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.json");
                await File.WriteAllTextAsync(file, json, cancellationToken);
                var p = report.PerformanceMetrics;
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{file}: {p.TotalActions} actions, success rate {(p.OverallSuccessRate is { } r ? (r * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "n/a")}, {report.Recommendations.Count} recommendation(s)"));
            }
        }

        return 0;
    }

    public static async Task<int> SeedDemoAsync(IReadOnlyDictionary<string, string?>? settings, TextWriter output, CancellationToken cancellationToken)
    {
        await using var host = CliHost.Build(settings);
        await host.EnsureStorageAsync(cancellationToken);
        var stores = host.Services.GetRequiredService<PipelineStores>();
        await Demo.DemoData.SeedAsync(stores, host.Services.GetRequiredService<TimeProvider>(), cancellationToken);
        var users = await stores.Tenants.ListUsersAsync(Demo.DemoData.BusinessId, cancellationToken);
        var clients = await stores.Clients.ListAsync(Demo.DemoData.BusinessId, cancellationToken);
        await output.WriteLineAsync($"Seeded {Demo.DemoData.BusinessId}: {users.Count} users ({string.Join(", ", users.Select(u => u.Id))}), {clients.Count} clients.");
        return 0;
    }

    /// <summary>
    /// <c>migrate-lists</c>: gives clients, events, notifications and email logs stored by a version before paged lists the list rows a
    /// page is read from. Safe to run again: it writes only what lacks them.
    /// </summary>
    public static async Task<int> MigrateListsAsync(IReadOnlyDictionary<string, string?>? settings, TextWriter output, CancellationToken cancellationToken)
    {
        await using var host = CliHost.Build(settings);
        await host.EnsureStorageAsync(cancellationToken);
        var clients = await host.Services.GetRequiredService<Infrastructure.Pipeline.TenantTables>().AddMissingClientListRowsAsync(cancellationToken);
        var monitoring = host.Services.GetRequiredService<Infrastructure.Pipeline.MonitoringTables>();
        var events = await monitoring.AddMissingEventListRowsAsync(cancellationToken);
        var notifications = await monitoring.AddMissingNotificationListRowsAsync(cancellationToken);
        var emails = await host.Services.GetRequiredService<Infrastructure.Notifications.NotificationTables>().AddMissingListRowsAsync(cancellationToken);
        await output.WriteLineAsync($"Added list rows for {clients} client(s), {events} event(s), {notifications} notification(s) and {emails} email log(s) stored without them.");
        return 0;
    }

    /// <summary><c>run</c>: with <c>--dry-run</c> a run whose writes stay in memory; without, a real job run is started and its id printed.</summary>
    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string?>? settings, string businessId, IReadOnlyList<string>? clients, bool dryRun, TextWriter output, CancellationToken cancellationToken)
    {
        await using var host = CliHost.Build(settings);
        await host.EnsureStorageAsync(cancellationToken);
        if (dryRun)
        {
            return await DryRun.RunAsync(host.Services, businessId, clients, output, cancellationToken);
        }

        var scheduler = host.Services.GetRequiredService<SchedulerService>();
        var storage = host.Services.GetRequiredService<IOptions<StorageOptions>>().Value;
        using var launcher = new TaskHubJobRunLauncher(StorageSetup.TaskHubStorage(storage), TaskHub.Name(host.Services.GetRequiredService<IConfiguration>()));
        var started = await scheduler.StartRunAsync(new StartJobRequest(businessId, JobType.ClientMonitoring, clients, false, "cli"), host.Services.GetRequiredService<SchedulerOptions>().TimeoutMinutes, launcher, cancellationToken);
        await output.WriteLineAsync(started.JobRun is { } run
            ? $"Started job run {run.Id} for {run.ClientsTotal} client(s) in task hub {TaskHub.Name(host.Services.GetRequiredService<IConfiguration>())}; the app serving it runs the orchestration (GET /api/v1/job-runs/{run.Id})."
            : $"{started.Field}: {started.Error}");
        return started.JobRun is null ? 1 : 0;
    }
}
