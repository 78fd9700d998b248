using ClientMonitor.Core.Pipeline;

namespace ClientMonitor.Core.Scheduling;

/// <summary>Seed <c>schedule_type</c>.</summary>
public enum ScheduleType
{
    Manual,
    Hourly,
    Daily,
    Weekly,
    Monthly,
    Custom,
}

/// <summary>Seed <c>last_run_status</c>.</summary>
public enum ScheduleRunStatus
{
    Success,
    Failed,
}

/// <summary>
/// When a schedule fires, in its own IANA time zone. <c>MinuteOfHour</c> is the minute of every type except custom
/// (default 0); <c>HourOfDay</c> is required by daily, weekly and monthly; <c>DayOfWeek</c> is 0 = Monday .. 6 =
/// Sunday as in the seed; <c>DayOfMonth</c> 29-31 runs on a short month's last day.
/// </summary>
public sealed record ScheduleTiming(
    ScheduleType Type,
    string? CronExpression,
    int? HourOfDay,
    int? MinuteOfHour,
    int? DayOfWeek,
    int? DayOfMonth,
    string TimeZone);

/// <summary>
/// The seed's <c>config</c> column, typed: <c>force_mock</c> runs on the mock providers; <c>max_concurrent_runs</c>
/// and <c>timeout_minutes</c> are the seed's MAX_CONCURRENT_RUNS and TIMEOUT_MINUTES per schedule (null: the
/// scheduler's defaults).
/// </summary>
public sealed record ScheduleConfig(bool ForceMock = false, int? MaxConcurrentRuns = null, int? TimeoutMinutes = null);

/// <summary>
/// A seed <c>automation_schedules</c> row plus <c>time_zone</c>. <c>ActiveRunIds</c> are the job runs this schedule
/// started that have not had their outcome recorded yet: the overlap guard and the outcome bookkeeping both use it.
/// <c>MissedOccurrences</c> counts occurrences that fell while the scheduler was down and were folded into one run;
/// <c>SkippedOccurrences</c> counts occurrences not run because earlier runs were still going.
/// </summary>
public sealed record AutomationSchedule(
    string Id,
    string BusinessId,
    string CreatedByUserId,
    string Name,
    string? Description,
    JobType JobType,
    IReadOnlyList<string>? ClientIds,
    ScheduleConfig Config,
    ScheduleTiming Timing,
    bool IsActive,
    DateTimeOffset? LastRunAt,
    DateTimeOffset? NextRunAt,
    ScheduleRunStatus? LastRunStatus,
    string? LastRunJobId,
    int ConsecutiveFailures,
    string? LastErrorMessage,
    DateTimeOffset? LastErrorAt,
    IReadOnlyList<string> ActiveRunIds,
    int MissedOccurrences,
    int SkippedOccurrences,
    string? LastSkipReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);
