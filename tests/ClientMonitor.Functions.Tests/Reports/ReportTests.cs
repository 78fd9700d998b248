using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Reports;
using ClientMonitor.Core.Scheduling;
using ClientMonitor.Core.Tenancy;
using ClientMonitor.Functions.Tests.Pipeline;
using ClientMonitor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClientMonitor.Functions.Tests.Reports;

/// <summary>
/// Automation reports against a seeded history with known totals, on a private Azurite (ReportTick visits every
/// business) with a manual clock: the numbers, an empty window, a window with only failures and its alert, and
/// the HTTP endpoints.
/// </summary>
public sealed class ReportTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private readonly ManualTimeProvider _clock = new(Now);
    private Azurite _azurite = null!;
    private PipelineWorker _worker = null!;

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartPrivateAsync();
        _worker = await PipelineWorker.StartAsync(new Dictionary<string, string?> { ["Providers:UseMocks"] = "true" }, services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_clock)), _azurite);
    }

    public async Task DisposeAsync()
    {
        await _worker.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    private ReportService Reports => _worker.Services.GetRequiredService<ReportService>();

    private static ClientRun Client(string run, string business, string id, bool ok, int ms, DateTimeOffset started, params ProviderCall[] calls) => new(
        run, business, id, id, ok ? ClientRunStatus.Completed : ClientRunStatus.Failed, RunCounts.Zero with { ItemsFound = 5, NewItems = 2, NotificationsCreated = ok ? 1 : 0 },
        [], [], null, ok ? null : "boom: every search source failed", 1, started, started.AddMilliseconds(ms), calls);

    private async Task RunAsync(string business, string? schedule, DateTimeOffset started, params ClientRun[] clients)
    {
        var id = JobRunService.NewJobRunId(started);
        var failed = clients.Count(c => c.Status == ClientRunStatus.Failed);
        var run = new JobRun(
            id, business, JobType.ClientMonitoring, failed == clients.Length ? JobRunStatus.Failed : failed > 0 ? JobRunStatus.PartiallyFailed : JobRunStatus.Completed,
            schedule is null ? "api" : "schedule", schedule, null, false, true, clients.Length, clients.Length, failed, RunCounts.Zero, started, started.AddMinutes(1), null);
        await _worker.Stores.JobRuns.CreateAsync(run, clients.Select(c => c with { JobRunId = id }).ToList(), CancellationToken.None);
        foreach (var c in clients)
        {
            await _worker.Stores.JobRuns.SaveClientRunAsync(c with { JobRunId = id }, CancellationToken.None);
        }
    }

    private Task EventAsync(string business, string id, EventCategory category, double relevance, DateTimeOffset at) => _worker.Stores.Events.UpsertAsync(
        new MonitoringEvent(id, business, "c1", "run", "t " + id, null, "https://news.test/" + id, "mock_news", at, category, relevance, 0, RiskLevel.None, "rule_based", null, null, null, at),
        CancellationToken.None);

    private async Task EmailAsync(string business, string id, EmailStatus status, DateTimeOffset at, bool opened = false, bool clicked = false)
    {
        var logs = _worker.Services.GetRequiredService<IEmailLogStore>();
        await logs.AddPendingIfAbsentAsync(
            new EmailLog(id, business, "amy", null, null, EmailTypes.EventNotification, "amy@test.example", "s", null, status, at,
                SentAt: status == EmailStatus.Sent ? at.AddSeconds(2) : null, OpenedAt: opened ? at.AddMinutes(5) : null, ClickedAt: clicked ? at.AddMinutes(6) : null),
            CancellationToken.None);
    }

    private async Task ScheduleAsync(string business, string id, string name, bool active, int failures)
        => await _worker.Services.GetRequiredService<IScheduleStore>().CreateAsync(
            new AutomationSchedule(
                id, business, "amy", name, null, JobType.ClientMonitoring, null, new ScheduleConfig(), new ScheduleTiming(ScheduleType.Hourly, null, null, 0, null, null, "UTC"),
                active, null, null, failures > 0 ? ScheduleRunStatus.Failed : ScheduleRunStatus.Success, null, failures, failures > 0 ? "search failed" : null, null, [], 0, 0, null, Now, Now),
            CancellationToken.None);

    /// <summary>One run two hours ago (3 of 4 clients completed), one 30 hours ago (outside a 24-hour window), events, emails, two schedules.</summary>
    private async Task<string> SeedHistoryAsync()
    {
        var business = Azurite.UniqueName("report");
        await _worker.Stores.Tenants.UpsertBusinessAsync(new Business(business, "Report business", Now), CancellationToken.None);
        await _worker.Stores.Tenants.UpsertUserAsync(new User("amy", business, "amy@test.example", "Amy", UserRole.Admin, "UTC"), CancellationToken.None);
        await _worker.Stores.Tenants.UpsertUserAsync(new User("bob", business, "bob@test.example", "Bob", UserRole.Member, "UTC"), CancellationToken.None);
        var at = Now.AddHours(-2);
        ProviderCall Gdelt() => new("gdelt", "search", true, 100);
        await RunAsync(
            business, "s1", at,
            Client("r", business, "c1", true, 1000, at, Gdelt(), new("news_api", "search", true, 200), new("rule_based", "ai", true, 10)),
            Client("r", business, "c2", true, 2000, at, Gdelt(), new("news_api", "search", true, 200), new("rule_based", "ai", true, 10)),
            Client("r", business, "c3", true, 3000, at, Gdelt(), new("news_api", "search", true, 200)),
            Client("r", business, "c4", false, 4000, at, Gdelt(), new("news_api", "search", false, 500)));
        var old = Now.AddHours(-30);
        await RunAsync(business, null, old, Client("r", business, "c1", true, 9000, old), Client("r", business, "c2", true, 9000, old));

        await EventAsync(business, "e1", EventCategory.Expansion, 0.8, at);
        await EventAsync(business, "e2", EventCategory.Risk, 0.9, at);
        await EventAsync(business, "e3", EventCategory.Other, 0.3, at);
        await EventAsync(business, "e0", EventCategory.Risk, 0.9, old);

        await EmailAsync(business, "m1", EmailStatus.Sent, at, opened: true);
        await EmailAsync(business, "m2", EmailStatus.Sent, at, opened: true, clicked: true);
        await EmailAsync(business, "m3", EmailStatus.Sent, at);
        await EmailAsync(business, "m4", EmailStatus.Failed, at);
        await EmailAsync(business, "m5", EmailStatus.Pending, at);
        await EmailAsync(business, "m0", EmailStatus.Sent, old);

        await ScheduleAsync(business, "s1", "Hourly", active: true, failures: 0);
        await ScheduleAsync(business, "s2", "Broken", active: false, failures: 3);
        return business;
    }

    [Fact]
    public async Task TheLast24Hours_ForAllWork_OneProvider_AndEmail_MatchTheSeededTotals()
    {
        var business = await SeedHistoryAsync();

        var all = await Reports.GenerateAsync(business, new ReportRequest(24, ReportRequest.All, Detailed: true), CancellationToken.None);
        var news = await Reports.GenerateAsync(business, new ReportRequest(24, "news_api"), CancellationToken.None);
        var email = await Reports.GenerateAsync(business, new ReportRequest(24, ReportRequest.Email), CancellationToken.None);
        var longer = await Reports.GenerateAsync(business, new ReportRequest(48, ReportRequest.All), CancellationToken.None);

        Assert.Equal(new PerformanceMetrics(4, 3, 1, 0.75, 0.17, 2500, 4000), all.PerformanceMetrics);
        Assert.Equal(new PerformanceMetrics(4, 3, 1, 0.75, 0.17, 275, 500), news.PerformanceMetrics);
        Assert.Equal(new PerformanceMetrics(4, 3, 1, 0.75, 0.17, 2000, 2000), email.PerformanceMetrics);
        Assert.Equal(6, longer.PerformanceMetrics.TotalActions);

        var b = all.BusinessMetrics;
        Assert.Equal((1, 4, 20, 8, 3, 2, 3), (b.JobRuns, b.ClientsMonitored, b.ItemsFound, b.NewItems, b.Events, b.QualifiedEvents, b.Notifications));
        Assert.Equal(new Dictionary<string, int> { ["expansion"] = 1, ["other"] = 1, ["risk"] = 1 }, b.EventsByCategory);
        Assert.Equal((5, 0.6, 0.6667, 0.3333), (b.Emails, b.EmailDeliveryRate, Math.Round(b.EmailOpenRate!.Value, 4), Math.Round(b.EmailClickRate!.Value, 4)));

        Assert.Equal((1, 2, 0.5), (all.SystemHealth.ActiveSchedules, all.SystemHealth.TotalSchedules, all.SystemHealth.ScheduleUtilizationRate));
        Assert.Equal(["high:reliability", "high:scheduling", "medium:email"], all.Recommendations.Select(r => r.Priority + ":" + r.Category).ToArray());
        Assert.Contains("75.0%", all.Recommendations[0].Text, StringComparison.Ordinal);
        Assert.Contains("boom", all.Recommendations[0].Text, StringComparison.Ordinal);
        Assert.Contains("'Broken'", all.Recommendations[1].Text, StringComparison.Ordinal);

        var gdelt = Assert.Single(all.Providers!, p => p.Provider == "gdelt");
        Assert.Equal(new ProviderBreakdown("gdelt", "search", 4, 0, 1.0, 100, 100), gdelt);
        Assert.Equal(new ProviderBreakdown("rule_based", "ai", 2, 0, 1.0, 10, 10), Assert.Single(all.Providers!, p => p.Provider == "rule_based"));
        var hourly = Assert.Single(all.Schedules!, s => s.ScheduleId == "s1");
        Assert.Equal((1, 1, 0), (hourly.Runs, hourly.Successful, hourly.Failed));
        Assert.Null(news.Providers);
    }

    [Fact]
    public async Task AnEmptyWindow_HasZeroActionsAndNoRates_AndAWindowOfOnlyFailures_RaisesTheAlert()
    {
        var business = await SeedHistoryAsync();
        var failing = Azurite.UniqueName("report");
        await _worker.Stores.Tenants.UpsertBusinessAsync(new Business(failing, "Failing business", Now), CancellationToken.None);
        var at = Now.AddHours(-1);
        await RunAsync(failing, null, at, Client("r", failing, "c1", false, 500, at), Client("r", failing, "c2", false, 700, at));

        var empty = await Reports.GenerateAsync(business, new ReportRequest(1), CancellationToken.None);
        var stored = await Reports.RunScheduledAsync(CancellationToken.None);

        Assert.Equal(new PerformanceMetrics(0, 0, 0, null, 0, null, null), empty.PerformanceMetrics);
        Assert.Equal(0, empty.BusinessMetrics.JobRuns);
        Assert.Null(empty.BusinessMetrics.EmailDeliveryRate);
        Assert.DoesNotContain(empty.Recommendations, r => r.Category == "reliability");
        var failed = Assert.Single(stored, r => r.Metadata.BusinessId == failing);
        Assert.Equal(new PerformanceMetrics(2, 0, 2, 0, 0.08, 600, 700), failed.PerformanceMetrics);
        var alert = Assert.Single(await _worker.Services.GetRequiredService<IAlertStore>().ListAsync(failing, CancellationToken.None));
        Assert.Equal(AlertTypes.ReportSuccessRate, alert.AlertType);
        Assert.Contains("0.0%", alert.Message, StringComparison.Ordinal);
        // The seeded business's last 24 hours succeeded 75%: it gets the alert as well.
        Assert.Contains(await _worker.Services.GetRequiredService<IAlertStore>().ListAsync(business, CancellationToken.None), a => a.AlertType == AlertTypes.ReportSuccessRate);
    }

    [Fact]
    public async Task TheApi_GeneratesTheSameNumbers_ListsAndReadsReports_AndRefusesBadOptions()
    {
        var business = await SeedHistoryAsync();
        using var admin = _worker.CreateClient().As("amy", business, "admin");
        using var member = _worker.CreateClient().As("bob", business, "member");

        using var created = await admin.PostAsJsonAsync("/api/v1/reports/generate", new { time_window = 24, source = "news_api", detailed = true });
        var report = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        var id = report.GetProperty("id").GetString();
        var list = JsonDocument.Parse(await admin.GetStringAsync("/api/v1/reports/")).RootElement;
        using var read = await admin.GetAsync($"/api/v1/reports/{id}");
        using var badSource = await admin.PostAsJsonAsync("/api/v1/reports/generate", new { source = "carrier_pigeon" });
        using var badWindow = await admin.PostAsJsonAsync("/api/v1/reports/generate", new { time_window = 0 });
        using var forbidden = await member.GetAsync("/api/v1/reports/");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var performance = report.GetProperty("performance_metrics");
        Assert.Equal(4, performance.GetProperty("total_actions").GetInt32());
        Assert.Equal(0.75, performance.GetProperty("overall_success_rate").GetDouble());
        Assert.Equal(500, performance.GetProperty("p95_duration_ms").GetDouble());
        Assert.Equal("news_api", report.GetProperty("metadata").GetProperty("source").GetString());
        Assert.Equal(1, list.GetProperty("total").GetInt32());
        Assert.Contains("news_api", list.GetProperty("sources").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badSource.StatusCode);
        Assert.Contains("carrier_pigeon", await badSource.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badWindow.StatusCode);
        Assert.Contains("time_window", await badWindow.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }
}
