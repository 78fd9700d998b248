using NCrontab;

namespace ClientMonitor.Application.Triggers;

/// <summary>A queue message handed to a handler, already decoded.</summary>
public sealed record QueueInvocation(string FunctionName, string MessageText, string MessageId, long DequeueCount, DateTimeOffset? InsertionTime);

/// <summary>A timer firing. <c>ScheduledFor</c> is the occurrence being run; <c>IsPastDue</c> says it runs late.</summary>
public sealed record TimerInvocation(string FunctionName, DateTimeOffset ScheduledFor, bool IsPastDue)
{
    /// <summary>How early a timer may fire and still run the occurrence it fired for (timers are not exact).</summary>
    public static readonly TimeSpan EarlyTolerance = TimeSpan.FromSeconds(2);

    /// <summary>The occurrence as an id for the activity log: <c>yyyyMMddTHHmmssZ</c> in UTC.</summary>
    public string OccurrenceId => ScheduledFor.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The firing of the timer <paramref name="functionName"/> (6-field NCRONTAB <paramref name="schedule"/>, UTC)
    /// noticed at <paramref name="now"/>: it runs the latest occurrence at or before <paramref name="now"/> plus
    /// <see cref="EarlyTolerance"/>, so a firing a moment before the minute runs that minute, not the previous one.
    /// </summary>
    public static TimerInvocation Firing(string functionName, string schedule, DateTimeOffset now, bool isPastDue)
    {
        var cron = CrontabSchedule.Parse(schedule, new CrontabSchedule.ParseOptions { IncludingSeconds = true });
        var end = now.UtcDateTime + EarlyTolerance;
        foreach (var window in new[] { TimeSpan.FromHours(1), TimeSpan.FromDays(32), TimeSpan.FromDays(366 * 4) })
        {
            var occurrences = cron.GetNextOccurrences(end - window, end.AddTicks(1));
            if (occurrences.LastOrDefault() is var last && last != default)
            {
                return new TimerInvocation(functionName, new DateTimeOffset(DateTime.SpecifyKind(last, DateTimeKind.Utc)), isPastDue);
            }
        }

        return new TimerInvocation(functionName, now, isPastDue);
    }
}

/// <summary>A message that can never be processed, whatever the number of tries (malformed, unknown version).</summary>
public sealed class InvalidMessageException(string message) : Exception(message);
