using System.Globalization;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Preferences;
using ClientMonitor.Core.Scheduling;

namespace ClientMonitor.Core.Reports;

/// <summary>
/// Automation reports computed from what is stored: job runs and their client runs (with each provider call), events,
/// email logs, schedules and preferences, plus this worker's view of provider circuits and quotas.
/// <para>Recommendations follow fixed rules, checked in this order:</para>
/// <list type="number">
/// <item>success rate below 95% (high, reliability), naming the most common error;</item>
/// <item>a provider's circuit is open (high, reliability);</item>
/// <item>a schedule failing two or more times in a row, or deactivated after failures (high, scheduling);</item>
/// <item>a provider at 80% or more of its daily quota (medium, capacity);</item>
/// <item>active schedules but no job run in a window of two hours or more (medium, scheduling);</item>
/// <item>email delivery below 90% over five or more emails (medium, email);</item>
/// <item>a provider whose p95 latency is over 10 s (low, performance);</item>
/// <item>job runs that found no items at all (low, coverage);</item>
/// <item>a category with events that no user is notified of, by their category filters (low, coverage).</item>
/// </list>
/// </summary>
public sealed class ReportService(
    ITenantStore tenants,
    IJobRunStore jobRuns,
    IEventStore events,
    IEmailLogStore emailLogs,
    IScheduleStore schedules,
    IPreferenceStore preferences,
    IProviderStatusSource providers,
    IReportStore reports,
    IAlertSink alerts,
    TimeProvider time,
    Operations.IMonitoringTelemetry? telemetry = null)
{
    public const double SuccessRateAlertThreshold = 0.95;
    private const double QualifiedRelevance = 0.7;

    /// <summary>The sources a report can be for: <c>all</c>, each known provider, <c>email</c>.</summary>
    public IReadOnlyList<string> Sources => [ReportRequest.All, .. providers.KnownProviders.Order(StringComparer.Ordinal), ReportRequest.Email];

    /// <summary>Null when the request is valid; otherwise the field at fault and why.</summary>
    public FieldError? Validate(ReportRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.TimeWindowHours is < 1 or > ReportRequest.MaxWindowHours)
        {
            return new FieldError("time_window", string.Create(CultureInfo.InvariantCulture, $"Use 1..{ReportRequest.MaxWindowHours} hours."));
        }

        return Sources.Contains(request.Source, StringComparer.Ordinal) ? null : new FieldError("source", $"'{request.Source}' is not one of: {string.Join(", ", Sources)}.");
    }

    public async Task<AutomationReport> GenerateAsync(string businessId, ReportRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Compute(await LoadAsync(businessId, request.TimeWindowHours, cancellationToken).ConfigureAwait(false), request);
    }

    /// <summary>
    /// One window's reports for <c>all</c>, each provider with calls in it, and <c>email</c>, from one read of the
    /// history (the CLI's export writes one file per source).
    /// </summary>
    public async Task<IReadOnlyList<AutomationReport>> GenerateEverySourceAsync(string businessId, int hours, bool detailed, CancellationToken cancellationToken)
    {
        var history = await LoadAsync(businessId, hours, cancellationToken).ConfigureAwait(false);
        var providersWithCalls = history.Finished.SelectMany(c => c.ProviderCalls ?? []).Select(c => c.Provider).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return providersWithCalls.Prepend(ReportRequest.All).Append(ReportRequest.Email).Select(source => Compute(history, new ReportRequest(hours, source, detailed))).ToList();
    }

    /// <summary>Everything a report of one window reads, read once.</summary>
    private sealed record History(
        string BusinessId, DateTimeOffset From, DateTimeOffset Now, IReadOnlyList<JobRun> Runs, List<ClientRun> Finished, IReadOnlyList<MonitoringEvent> Events,
        IReadOnlyList<EmailLog> Logs, List<AutomationSchedule> Schedules, IReadOnlyList<UserPreferences> Preferences, IReadOnlyList<ProviderStatus> Status);

    private async Task<History> LoadAsync(string businessId, int hours, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var from = now.AddHours(-hours);
        var runs = await jobRuns.ListSinceAsync(businessId, from, cancellationToken).ConfigureAwait(false);
        var clientRuns = new List<ClientRun>();
        foreach (var run in runs.Where(r => r.JobType != JobType.NotificationDigest))
        {
            clientRuns.AddRange(await jobRuns.ListClientRunsAsync(run.Id, cancellationToken).ConfigureAwait(false));
        }

        var windowEvents = (await events.QueryAsync(businessId, new EventQuery(null, null, null, from, now, 0, int.MaxValue), cancellationToken).ConfigureAwait(false)).Items;
        var logs = (await emailLogs.QueryAsync(businessId, new EmailLogQuery(From: from, To: now, Limit: int.MaxValue), cancellationToken).ConfigureAwait(false)).Items;
        var allSchedules = (await schedules.ListAsync(businessId, cancellationToken).ConfigureAwait(false)).Select(v => v.Value).ToList();
        var prefs = await preferences.ListAsync(businessId, cancellationToken).ConfigureAwait(false);
        var status = await providers.SnapshotAsync(cancellationToken).ConfigureAwait(false);
        return new History(businessId, from, now, runs, clientRuns.Where(c => c.IsFinished).ToList(), windowEvents, logs, allSchedules, prefs, status);
    }

    private static AutomationReport Compute(History history, ReportRequest request)
    {
        var (businessId, from, now, runs, finished, windowEvents, logs, allSchedules, prefs, status) = history;
        var calls = finished.SelectMany(c => c.ProviderCalls ?? []).ToList();

        var performance = request.Source switch
        {
            ReportRequest.All => Performance(finished.Count, finished.Count(c => c.Status == ClientRunStatus.Completed), finished.Where(c => c.StartedAt is not null && c.CompletedAt is not null).Select(c => (c.CompletedAt!.Value - c.StartedAt!.Value).TotalMilliseconds), request.TimeWindowHours),
            ReportRequest.Email => Performance(
                logs.Count(l => l.Status != EmailStatus.Pending), logs.Count(l => l.Status == EmailStatus.Sent), logs.Where(l => l.SentAt is not null).Select(l => (l.SentAt!.Value - l.CreatedAt).TotalMilliseconds), request.TimeWindowHours),
            var provider => Performance(calls.Count(c => c.Provider == provider), calls.Count(c => c.Provider == provider && c.Succeeded), calls.Where(c => c.Provider == provider).Select(c => c.DurationMs), request.TimeWindowHours),
        };

        var active = allSchedules.Count(s => s.IsActive);
        var quotas = status.Where(s => s.DailyQuota is > 0 && s.QuotaUsed is not null)
            .Select(s => new QuotaUse(s.Provider, s.QuotaUsed!.Value, s.DailyQuota!.Value, Math.Round((double)s.QuotaUsed.Value / s.DailyQuota.Value, 4)))
            .ToList();
        var health = new SystemHealth(active, allSchedules.Count, allSchedules.Count == 0 ? null : Math.Round((double)active / allSchedules.Count, 4), status.Where(s => s.Circuit == "open").Select(s => s.Provider).ToList(), quotas);

        var stats = EmailStats.From(logs);
        var business = new BusinessMetrics(
            runs.Count(r => r.JobType != JobType.NotificationDigest),
            finished.Select(c => c.ClientId).Distinct(StringComparer.Ordinal).Count(),
            finished.Sum(c => c.Counts.ItemsFound),
            finished.Sum(c => c.Counts.NewItems),
            windowEvents.Count,
            windowEvents.GroupBy(e => WireJson.Name(e.Category)).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            windowEvents.Count(e => e.Relevance >= QualifiedRelevance),
            finished.Sum(c => c.Counts.NotificationsCreated),
            logs.Count,
            logs.Count == 0 ? null : stats.DeliveryRate / 100,
            stats.Sent == 0 ? null : stats.OpenRate / 100,
            stats.Sent == 0 ? null : stats.ClickRate / 100);

        var byProvider = calls.GroupBy(c => (c.Provider, c.Kind))
            .OrderBy(g => g.Key.Provider, StringComparer.Ordinal)
            .Select(g => new ProviderBreakdown(
                g.Key.Provider, g.Key.Kind, g.Count(), g.Count(c => !c.Succeeded), Math.Round((double)g.Count(c => c.Succeeded) / g.Count(), 4),
                Math.Round(g.Average(c => c.DurationMs), 1), P95(g.Select(c => c.DurationMs))))
            .ToList();
        var bySchedule = allSchedules.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s =>
        {
            var own = runs.Where(r => r.ScheduleId == s.Id && r.IsFinished).ToList();
            return new ScheduleBreakdown(
                s.Id, s.Name, s.IsActive, own.Count, own.Count(r => r.Status != JobRunStatus.Failed), own.Count(r => r.Status == JobRunStatus.Failed),
                s.LastRunStatus is null ? null : WireJson.Name(s.LastRunStatus.Value), s.ConsecutiveFailures, s.LastErrorMessage);
        }).ToList();

        var recommendations = Recommend(performance, health, business, finished, allSchedules, byProvider, windowEvents, prefs, request.TimeWindowHours);
        return new AutomationReport(
            JobRunService.NewJobRunId(now),
            new ReportMetadata(request.Source, businessId, now, request.TimeWindowHours, from, now, request.Detailed),
            performance,
            health,
            business,
            recommendations,
            request.Detailed ? bySchedule : null,
            request.Detailed ? byProvider : null);
    }

    /// <summary>
    /// <c>ReportTick</c>: the last 24 hours of every business, stored; a success rate below 95% raises the
    /// <c>report_success_rate</c> alert, and a report back above it resolves the alert.
    /// </summary>
    public async Task<IReadOnlyList<AutomationReport>> RunScheduledAsync(CancellationToken cancellationToken)
    {
        var made = new List<AutomationReport>();
        foreach (var b in await tenants.ListBusinessesAsync(cancellationToken).ConfigureAwait(false))
        {
            var report = await GenerateAsync(b.Id, new ReportRequest(24, ReportRequest.All, Detailed: true), cancellationToken).ConfigureAwait(false);
            await reports.SaveAsync(report, cancellationToken).ConfigureAwait(false);
            (telemetry ?? Operations.NoTelemetry.Instance).ReportGenerated(report.Metadata.Source, report.PerformanceMetrics.TotalActions, report.PerformanceMetrics.OverallSuccessRate);
            await AlertOnSuccessRateAsync(report, cancellationToken).ConfigureAwait(false);
            made.Add(report);
        }

        return made;
    }

    public async Task AlertOnSuccessRateAsync(AutomationReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.PerformanceMetrics.OverallSuccessRate is not { } rate)
        {
            return;
        }

        var m = report.Metadata;
        if (rate < SuccessRateAlertThreshold)
        {
            await alerts.RaiseAsync(
                new OperationalAlert(
                    StableId.From("report-success-rate", m.BusinessId, report.Id), m.BusinessId, AlertTypes.ReportSuccessRate, AlertSeverity.Warning,
                    "Automation success rate below 95%",
                    string.Create(CultureInfo.InvariantCulture, $"The automation report of the last {m.TimeWindowHours} hours ({m.Source}) shows a success rate of {rate * 100:0.0}%: {report.PerformanceMetrics.FailedActions} of {report.PerformanceMetrics.TotalActions} actions failed. Report {report.Id}."),
                    null, null, m.ReportGeneratedAt, m.Source),
                cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await alerts.ResolveAsync(m.BusinessId, AlertTypes.ReportSuccessRate, m.Source, string.Create(CultureInfo.InvariantCulture, $"The success rate is back to {rate * 100:0.0}% (report {report.Id})."), cancellationToken).ConfigureAwait(false);
        }
    }

    private static PerformanceMetrics Performance(int total, int successful, IEnumerable<double> durations, int hours)
    {
        var list = durations.ToList();
        return new PerformanceMetrics(
            total, successful, total - successful, total == 0 ? null : Math.Round((double)successful / total, 4), Math.Round((double)total / hours, 2),
            list.Count == 0 ? null : Math.Round(list.Average(), 1), P95(list));
    }

    /// <summary>Nearest-rank 95th percentile; null for no values.</summary>
    public static double? P95(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? null : Math.Round(sorted[(int)Math.Ceiling(0.95 * sorted.Count) - 1], 1);
    }

    private static List<Recommendation> Recommend(
        PerformanceMetrics performance, SystemHealth health, BusinessMetrics business, List<ClientRun> finished, List<AutomationSchedule> allSchedules,
        List<ProviderBreakdown> byProvider, IReadOnlyList<MonitoringEvent> windowEvents, IReadOnlyList<UserPreferences> prefs, int hours)
    {
        var inv = CultureInfo.InvariantCulture;
        var list = new List<Recommendation>();
        if (performance.OverallSuccessRate is { } rate && rate < SuccessRateAlertThreshold)
        {
            var top = finished.Where(c => c.Error is not null).GroupBy(c => c.Error!).OrderByDescending(g => g.Count()).FirstOrDefault();
            list.Add(new("high", string.Create(inv, $"The success rate is {rate * 100:0.0}%, below 95%.{(top is null ? string.Empty : $" Most common error ({top.Count()}x): {top.Key}")}"), "reliability"));
        }

        foreach (var provider in health.OpenCircuits)
        {
            list.Add(new("high", $"{provider}'s circuit is open: its calls are paused after repeated failures and runs continue on the other sources. Check its status and credentials.", "reliability"));
        }

        foreach (var s in allSchedules.Where(s => s.ConsecutiveFailures >= 2 || (!s.IsActive && s.LastRunStatus == ScheduleRunStatus.Failed && s.ConsecutiveFailures > 0)))
        {
            list.Add(new("high", string.Create(inv, $"Schedule '{s.Name}' has failed {s.ConsecutiveFailures} time(s) in a row{(s.IsActive ? string.Empty : " and is deactivated")}. Last error: {s.LastErrorMessage ?? "none recorded"}"), "scheduling"));
        }

        foreach (var q in health.Quotas.Where(q => q.UsedRate >= 0.8))
        {
            list.Add(new("medium", string.Create(inv, $"{q.Provider} has used {q.Used} of its {q.DailyLimit} daily calls ({q.UsedRate * 100:0}%); raise the quota or run less often."), "capacity"));
        }

        if (health.ActiveSchedules > 0 && business.JobRuns == 0 && hours >= 2)
        {
            list.Add(new("medium", string.Create(inv, $"{health.ActiveSchedules} schedule(s) are active but no job ran in the last {hours} hours: check that ScheduleTick runs (GET /api/v1/scheduler/status)."), "scheduling"));
        }

        if (business.EmailDeliveryRate is { } delivery && delivery < 0.9 && business.Emails >= 5)
        {
            list.Add(new("medium", string.Create(inv, $"Only {delivery * 100:0}% of {business.Emails} emails were delivered: check the email provider's settings and the failed logs (GET /api/v1/email-logs?status=failed)."), "email"));
        }

        foreach (var p in byProvider.Where(p => p.P95Ms > 10_000))
        {
            list.Add(new("low", string.Create(inv, $"{p.Provider} answers slowly (p95 {p.P95Ms / 1000:0.0} s); consider a shorter timeout or fewer results per call."), "performance"));
        }

        if (business.JobRuns > 0 && finished.Count > 0 && business.ItemsFound == 0)
        {
            list.Add(new("low", "The job runs found no items at all: check the clients' names and aliases and that the search sources are configured.", "coverage"));
        }

        var listening = prefs.Where(p => p.NotificationEnabled || p.EmailNotificationsEnabled).ToList();
        foreach (var category in windowEvents.Select(e => e.Category).Distinct().Order())
        {
            if (listening.Count > 0 && listening.All(p => p.NotificationCategories is { Count: > 0 } c && !c.Contains(category)))
            {
                list.Add(new("low", $"{WireJson.Name(category)} events were found but no user's category filter includes {WireJson.Name(category)}: nobody is notified of them.", "coverage"));
            }
        }

        return list;
    }
}
