using System.Globalization;
using System.Text;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Preferences;
using ClientMonitor.Core.Scheduling;
using ClientMonitor.Core.Tenancy;
using ClientMonitor.Application.Api;
using ClientMonitor.Application.Storage;
using ClientMonitor.Infrastructure.Notifications;
using Microsoft.Extensions.Options;

namespace ClientMonitor.Application.Demo;

/// <summary>
/// A demo business with four users whose preferences differ (instant, digest, narrow categories, everything off)
/// and eight clients. Fixed ids, so seeding twice changes nothing.
/// </summary>
public static class DemoData
{
    public const string BusinessId = "demo-business";

    public static async Task SeedAsync(PipelineStores stores, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stores);
        var now = time.GetUtcNow();
        await stores.Tenants.UpsertBusinessAsync(new Business(BusinessId, "Demo Customer Success Co.", now), cancellationToken);
        User[] users =
        [
            new("ana", BusinessId, "ana@demo.example", "Ana Admin", UserRole.Admin, "Europe/Berlin"),
            new("ben", BusinessId, "ben@demo.example", "Ben Risk-Watcher", UserRole.Member, "America/New_York"),
            new("chloe", BusinessId, "chloe@demo.example", "Chloe Growth", UserRole.Member, "America/Los_Angeles"),
            new("dev", BusinessId, "dev@demo.example", "Dev Quiet", UserRole.Member, "UTC"),
        ];
        foreach (var user in users)
        {
            await stores.Tenants.UpsertUserAsync(user, cancellationToken);
        }

        UserPreferences Prefs(string user) => UserPreferences.Default(BusinessId, user, now);
        UserPreferences[] preferences =
        [
            Prefs("ana") with { RelevanceThreshold = 0.6 },
            Prefs("ben") with
            {
                RelevanceThreshold = 0.5,
                NotificationFrequency = NotificationFrequency.Daily,
                AssignedClientsOnly = true,
                NotificationCategories = [EventCategory.Risk, EventCategory.Layoffs, EventCategory.Legal, EventCategory.LeadershipChange],
            },
            Prefs("chloe") with { RelevanceThreshold = 0.75, NotificationCategories = [EventCategory.Acquisition, EventCategory.Funding, EventCategory.Expansion, EventCategory.Partnership] },
            Prefs("dev") with { NotificationEnabled = false, EmailNotificationsEnabled = false },
        ];
        foreach (var preference in preferences)
        {
            await stores.Preferences.UpsertAsync(preference, cancellationToken);
        }

        Client[] clients =
        [
            new("contoso", BusinessId, "Contoso", "contoso.com", "software", ["Contoso Cloud"], ["ana", "ben"], null, null, true),
            new("fabrikam", BusinessId, "Fabrikam", "fabrikam.com", "manufacturing", [], ["ben"], null, null, true),
            new("northwind", BusinessId, "Northwind Traders", "northwindtraders.com", "logistics", [], ["chloe"], null, null, true),
            new("tailspin", BusinessId, "Tailspin Toys", "tailspintoys.com", "retail", [], ["ben", "chloe"], null, null, true),
            new("woodgrove", BusinessId, "Woodgrove Bank", "woodgrovebank.com", "banking", [], ["ana"], null, null, true),
            new("litware", BusinessId, "Litware", "litware.com", "analytics", [], ["chloe"], null, null, true),
            new("relecloud", BusinessId, "Relecloud", "relecloud.com", "cloud", [], ["ben"], null, null, true),
            new("lamna", BusinessId, "Lamna Healthcare", "lamnahealthcare.com", "healthcare", [], ["ana", "chloe"], null, null, true),
        ];
        foreach (var client in clients)
        {
            await stores.Clients.UpsertAsync(client, cancellationToken);
        }
    }

    /// <summary>A few lines a person reads at the end of the demo run.</summary>
    public static string Summary(JobRun run, IReadOnlyList<ClientRun> clientRuns, IReadOnlyList<MonitoringEvent> events, int users)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(clientRuns);
        ArgumentNullException.ThrowIfNull(events);
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        var providers = run.UsedMockProviders ? "mock providers (set Providers__UseMocks=false for real ones)" : "configured providers";
        text.AppendLine(inv, $"Demo job run {run.Id}: {run.Status} in {run.Duration?.TotalSeconds ?? 0:0.0} s with {providers}");
        text.AppendLine(inv, $"  clients:       {run.ClientsTotal} ({run.ClientsTotal - run.ClientsFailed} completed, {run.ClientsFailed} failed)");
        text.AppendLine(inv, $"  items found:   {run.Counts.ItemsFound} ({run.Counts.NewItems} new)");
        var byCategory = events.GroupBy(e => e.Category).OrderByDescending(g => g.Count()).ThenBy(g => g.Key)
            .Select(g => $"{System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(g.Key.ToString())} {g.Count()}");
        text.AppendLine(inv, $"  events:        {run.Counts.EventsCreated}{(events.Count > 0 ? " (" + string.Join(", ", byCategory) + ")" : string.Empty)}");
        text.AppendLine(inv, $"  insights:      {run.Counts.InsightsGenerated} (events with relevance >= 0.7)");
        text.AppendLine(inv, $"  notifications: {run.Counts.NotificationsCreated} in-app for the {users} demo users, by their preferences");
        text.AppendLine(inv, $"  emails queued: {run.Counts.EmailsQueued} (instant-frequency users; past the hourly cap per user, a catch-up digest follows)");
        var failedSources = clientRuns.SelectMany(c => c.FailedSources).Distinct().ToList();
        if (failedSources.Count > 0)
        {
            text.AppendLine(inv, $"  failed sources: {string.Join("; ", failedSources)}");
        }

        if (run.Counts.ItemsFound > 0 && run.Counts.NewItems == 0)
        {
            text.AppendLine("  (no new items: an earlier demo run today already processed them; delete .azurite/ to start over)");
        }

        return text.ToString();
    }
}

/// <summary>Seeds the demo business and runs one monitoring job at start-up (<c>ClientMonitor:Demo:RunOnStart</c>).</summary>
public sealed partial class DemoRunner(
    StorageInitializer storage, PipelineStores stores, SchedulerService scheduler, ScheduleManager schedules, IScheduleStore scheduleStore, SchedulerOptions schedulerOptions,
    IEmailLogStore emailLogs, IEmailSender sender, IJobRunLauncher launcher,
    IOptions<AuthOptions> auth, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<DemoRunner> logger, PublicAddress address) : BackgroundService
{
    /// <summary>The demo's hourly schedule: ScheduleTick runs it at the top of every hour while the demo is up.</summary>
    public const string DemoScheduleId = "demo-hourly";

    private static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(3);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await storage.Ready.WaitAsync(stoppingToken);
            await DemoData.SeedAsync(stores, time, stoppingToken);
            if (await scheduleStore.GetVersionedAsync(DemoData.BusinessId, DemoScheduleId, stoppingToken) is null)
            {
                await schedules.CreateAsync(
                    new AutomationSchedule(
                        DemoScheduleId, DemoData.BusinessId, "ana", "Hourly demo monitoring", "Every client, every hour, on the configured providers.", JobType.ClientMonitoring,
                        null, new ScheduleConfig(), new ScheduleTiming(ScheduleType.Hourly, null, null, 0, null, null, "Europe/Berlin"), true,
                        null, null, null, null, 0, null, null, [], 0, 0, null, default, default),
                    stoppingToken);
            }

            var started = await scheduler.StartRunAsync(new StartJobRequest(DemoData.BusinessId, JobType.ClientMonitoring, null, false, "demo"), schedulerOptions.TimeoutMinutes, launcher, stoppingToken);
            var run = started.JobRun!;
            Log.Started(logger, run.Id, run.ClientsTotal);
            var deadline = time.GetUtcNow() + MaxWait;
            while (!run.IsFinished && time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), time, stoppingToken);
                run = (await stores.JobRuns.GetAsync(run.BusinessId, run.Id, stoppingToken))!;
            }

            var clientRuns = await stores.JobRuns.ListClientRunsAsync(run.Id, stoppingToken);
            var events = (await stores.Events.QueryAsync(run.BusinessId, new EventQuery(null, null, null, run.StartedAt, null, 0, 1000), stoppingToken)).Items;
            var users = await stores.Tenants.ListUsersAsync(run.BusinessId, stoppingToken);
            var summary = new StringBuilder();
            summary.AppendLine(DemoData.Summary(run, clientRuns, events.Where(e => e.JobRunId == run.Id).ToList(), users.Count));
            // Digest users get theirs now too (a notification_digest run), so every kind of email can be looked at.
            var digests = await scheduler.StartRunAsync(new StartJobRequest(DemoData.BusinessId, JobType.NotificationDigest, null, false, "demo"), schedulerOptions.TimeoutMinutes, launcher, stoppingToken);
            summary.AppendLine(await EmailSummaryAsync(run.StartedAt, digests.JobRun?.Counts.EmailsQueued ?? 0, stoppingToken));
            if (auth.Value.UsesDevelopmentKey)
            {
                var token = ApiAuth.MintDevelopmentToken(auth.Value, "ana", DemoData.BusinessId, ApiRoles.Admin, time.GetUtcNow(), TimeSpan.FromHours(8));
                summary.AppendLine("API: a token for ana (admin of demo-business, 8 hours; more with ./scripts/token.sh):")
                    .AppendLine(CultureInfo.InvariantCulture, $"  TOKEN={token}")
                    .AppendLine(CultureInfo.InvariantCulture, $"  curl -H \"Authorization: Bearer $TOKEN\" {address.BaseUrl}/api/v1/events?limit=5");
            }

            summary.AppendLine(CultureInfo.InvariantCulture, $"Dashboard: {address.BaseUrl}/api/dashboard/ (development sign-in: ana, demo-business; ben, chloe and dev are members)")
                .AppendLine(CultureInfo.InvariantCulture, $"API reference: {address.BaseUrl}/api/v1/reference/");

            // The summary is for the person at the terminal: plain text on standard output, in one block.
            await Console.Out.WriteAsync(summary.ToString());
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Log.Failed(logger, ex);
        }
    }

    /// <summary>Waits (up to 30 s) for the run's emails to leave the queue, then says where they are.</summary>
    private async Task<string> EmailSummaryAsync(DateTimeOffset since, int digests, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(30);
        IReadOnlyList<EmailLog> logs;
        do
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), time, cancellationToken);
            logs = (await emailLogs.QueryAsync(DemoData.BusinessId, new EmailLogQuery(From: since, Limit: int.MaxValue), cancellationToken)).Items;
        }
        while (logs.Any(l => l.Status == EmailStatus.Pending) && time.GetUtcNow() < deadline);

        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(inv, $"  digests:       {digests} on demand for the daily and weekly users");
        text.Append(inv, $"  emails:        {logs.Count(l => l.Status == EmailStatus.Sent)} sent, {logs.Count(l => l.Status == EmailStatus.Pending)} pending, {logs.Count(l => l.Status is EmailStatus.Failed or EmailStatus.Bounced)} failed (provider {sender.Name})");
        if (sender is FileEmailSender files)
        {
            text.Append(inv, $"\n                 written to {files.Directory}: open an .html file in a browser, or an .eml in a mail program");
        }

        return text.ToString();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 300, EventName = "DemoJobStarted", Level = LogLevel.Information, Message = "Demo job run {JobRunId} started for {Clients} clients")]
        public static partial void Started(ILogger logger, string jobRunId, int clients);

        [LoggerMessage(EventId = 301, EventName = "DemoJobFailed", Level = LogLevel.Error, Message = "The demo run failed")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}

public static class DemoSetup
{
    public static IServiceCollection AddDemoRun(this IServiceCollection services, IConfiguration configuration)
    {
        if (configuration.GetValue<bool>("ClientMonitor:Demo:RunOnStart"))
        {
            services.AddHostedService<DemoRunner>();
        }

        return services;
    }
}
