namespace ClientMonitor.Core.Reports;

/// <summary>What to report on: the last <c>TimeWindowHours</c>, for <c>all</c> work or one source (a provider name or <c>email</c>).</summary>
public sealed record ReportRequest(int TimeWindowHours = 24, string Source = ReportRequest.All, bool Detailed = false)
{
    public const string All = "all";
    public const string Email = "email";
    public const int MaxWindowHours = 24 * 31;
}

public sealed record ReportMetadata(string Source, string BusinessId, DateTimeOffset ReportGeneratedAt, int TimeWindowHours, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, bool Detailed);

/// <summary>
/// The source's actions in the window: client runs for <c>all</c>, provider calls for a provider, sent or failed
/// emails for <c>email</c>. Rates are fractions (0..1); a rate or duration with nothing to measure is null.
/// </summary>
public sealed record PerformanceMetrics(
    int TotalActions, int SuccessfulActions, int FailedActions, double? OverallSuccessRate, double ActionsPerHour, double? AverageDurationMs, double? P95DurationMs);

public sealed record QuotaUse(string Provider, int Used, int DailyLimit, double UsedRate);

public sealed record SystemHealth(int ActiveSchedules, int TotalSchedules, double? ScheduleUtilizationRate, IReadOnlyList<string> OpenCircuits, IReadOnlyList<QuotaUse> Quotas);

/// <summary>What the monitoring produced in the window. Qualified events have relevance of at least 0.7.</summary>
public sealed record BusinessMetrics(
    int JobRuns,
    int ClientsMonitored,
    int ItemsFound,
    int NewItems,
    int Events,
    IReadOnlyDictionary<string, int> EventsByCategory,
    int QualifiedEvents,
    int Notifications,
    int Emails,
    double? EmailDeliveryRate,
    double? EmailOpenRate,
    double? EmailClickRate);

public sealed record Recommendation(string Priority, string Text, string Category);

public sealed record ScheduleBreakdown(string ScheduleId, string Name, bool IsActive, int Runs, int Successful, int Failed, string? LastRunStatus, int ConsecutiveFailures, string? LastError);

public sealed record ProviderBreakdown(string Provider, string Kind, int Calls, int Failures, double? SuccessRate, double? AverageMs, double? P95Ms);

/// <summary>An automation report (seed 002's shape, adapted): stored by <c>ReportTick</c> and listable over HTTP.</summary>
public sealed record AutomationReport(
    string Id,
    ReportMetadata Metadata,
    PerformanceMetrics PerformanceMetrics,
    SystemHealth SystemHealth,
    BusinessMetrics BusinessMetrics,
    IReadOnlyList<Recommendation> Recommendations,
    IReadOnlyList<ScheduleBreakdown>? Schedules,
    IReadOnlyList<ProviderBreakdown>? Providers);

/// <summary>A provider's circuit and quota as this worker sees them.</summary>
public sealed record ProviderStatus(string Provider, string Circuit, int? QuotaUsed, int? DailyQuota);

public interface IProviderStatusSource
{
    Task<IReadOnlyList<ProviderStatus>> SnapshotAsync(CancellationToken cancellationToken);

    /// <summary>Every provider this app could call: configured real ones and the mocks.</summary>
    IReadOnlyList<string> KnownProviders { get; }
}

/// <summary>Table <c>reports</c>: PK business, RK report id (newest first).</summary>
public interface IReportStore
{
    Task SaveAsync(AutomationReport report, CancellationToken cancellationToken);

    Task<AutomationReport?> GetAsync(string businessId, string reportId, CancellationToken cancellationToken);

    /// <summary>Newest first, with the total.</summary>
    Task<(IReadOnlyList<AutomationReport> Items, int Total)> ListAsync(string businessId, int skip, int limit, CancellationToken cancellationToken);
}
