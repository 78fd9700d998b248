using System.Globalization;
using NCrontab;

namespace ClientMonitor.Core.Scheduling;

/// <summary>A field and what is wrong with it, for problem details.</summary>
public sealed record FieldError(string Field, string Message);

/// <summary>
/// Validates schedule timings and computes their occurrences. Occurrences are wall-clock times in the schedule's
/// time zone, mapped to instants with two DST rules: a local time that does not exist (spring forward) runs at the
/// first valid instant after the gap; a local time that occurs twice (fall back) runs once, at its first occurrence.
/// </summary>
public static class ScheduleTimes
{
    /// <summary>How far ahead an occurrence is looked for; a timing with none in this window never fires.</summary>
    private static readonly TimeSpan Horizon = TimeSpan.FromDays(366 * 5);

    private const int MaxCandidates = 100_000;

    public static IReadOnlyList<FieldError> Validate(ScheduleTiming timing)
    {
        ArgumentNullException.ThrowIfNull(timing);
        var errors = new List<FieldError>();
        if (!TryFindZone(timing.TimeZone, out _))
        {
            errors.Add(new("time_zone", $"'{timing.TimeZone}' is not an IANA time zone id (for example Europe/London or America/New_York)."));
        }

        Range(errors, "minute_of_hour", timing.MinuteOfHour, 0, 59);
        Range(errors, "hour_of_day", timing.HourOfDay, 0, 23);
        Range(errors, "day_of_week", timing.DayOfWeek, 0, 6, " (0 = Monday .. 6 = Sunday)");
        Range(errors, "day_of_month", timing.DayOfMonth, 1, 31);

        switch (timing.Type)
        {
            case ScheduleType.Daily:
                Require(errors, "hour_of_day", timing.HourOfDay, "daily");
                break;
            case ScheduleType.Weekly:
                Require(errors, "hour_of_day", timing.HourOfDay, "weekly");
                Require(errors, "day_of_week", timing.DayOfWeek, "weekly");
                break;
            case ScheduleType.Monthly:
                Require(errors, "hour_of_day", timing.HourOfDay, "monthly");
                Require(errors, "day_of_month", timing.DayOfMonth, "monthly");
                break;
            case ScheduleType.Custom:
                if (string.IsNullOrWhiteSpace(timing.CronExpression))
                {
                    errors.Add(new("cron_expression", "A custom schedule needs a 5-field cron expression, for example '0 9 * * 1-5'."));
                }
                else if (ParseCron(timing.CronExpression, out var error) is null)
                {
                    errors.Add(new("cron_expression", error!));
                }

                break;
        }

        if (timing.Type != ScheduleType.Custom && !string.IsNullOrEmpty(timing.CronExpression))
        {
            errors.Add(new("cron_expression", "Only custom schedules take a cron expression."));
        }

        if (errors.Count == 0 && timing.Type != ScheduleType.Manual && NextAfter(timing, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)) is null)
        {
            errors.Add(new(timing.Type == ScheduleType.Custom ? "cron_expression" : "schedule_type", "This timing never occurs (for example the 30th of February)."));
        }

        return errors;
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/> (in UTC), or null for manual schedules and timings that never occur.</summary>
    public static DateTimeOffset? NextAfter(ScheduleTiming timing, DateTimeOffset after)
    {
        ArgumentNullException.ThrowIfNull(timing);
        if (timing.Type == ScheduleType.Manual || !TryFindZone(timing.TimeZone, out var zone))
        {
            return null;
        }

        var cron = timing.Type == ScheduleType.Monthly ? null : ParseCron(CronFor(timing), out _);
        var cursor = TimeZoneInfo.ConvertTime(after, zone).DateTime;
        var end = cursor + Horizon;
        for (var i = 0; i < MaxCandidates; i++)
        {
            DateTime? local = cron is null ? NextMonthly(timing, cursor) : cron.GetNextOccurrence(cursor, end);
            if (local is not { } candidate || candidate >= end)
            {
                return null;
            }

            var instant = ToInstant(candidate, zone).ToUniversalTime();
            if (instant > after)
            {
                return instant;
            }

            cursor = candidate;
        }

        return null;
    }

    /// <summary>How many occurrences fall in (<paramref name="from"/>, <paramref name="to"/>], counting at most <paramref name="cap"/>.</summary>
    public static int CountBetween(ScheduleTiming timing, DateTimeOffset from, DateTimeOffset to, int cap = 1000)
    {
        var count = 0;
        for (var next = NextAfter(timing, from); next is { } n && n <= to && count < cap; next = NextAfter(timing, n))
        {
            count++;
        }

        return count;
    }

    /// <summary>IANA ids only: a Windows id such as "Eastern Standard Time" is refused so that stored zones mean the same everywhere.</summary>
    public static bool TryFindZone(string? id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(id) || !TimeZoneInfo.TryFindSystemTimeZoneById(id, out var found) || !found.HasIanaId)
        {
            return false;
        }

        zone = found;
        return true;
    }

    /// <summary>Maps a wall-clock time to the instant it runs at, by the two DST rules.</summary>
    internal static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone)
    {
        if (zone.IsInvalidTime(local))
        {
            // Skipped by a spring-forward gap: walk to the first minute that exists (gaps are whole minutes).
            var valid = new DateTime(local.Year, local.Month, local.Day, local.Hour, local.Minute, 0, DateTimeKind.Unspecified);
            while (zone.IsInvalidTime(valid))
            {
                valid = valid.AddMinutes(1);
            }

            return new DateTimeOffset(valid, zone.GetUtcOffset(valid));
        }

        if (zone.IsAmbiguousTime(local))
        {
            // Occurs twice: the first occurrence is the one with the larger (daylight) offset.
            var offset = zone.GetAmbiguousTimeOffsets(local).Max();
            return new DateTimeOffset(local, offset);
        }

        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    private static string CronFor(ScheduleTiming t)
    {
        var minute = t.MinuteOfHour ?? 0;
        return t.Type switch
        {
            ScheduleType.Hourly => Invariant($"{minute} * * * *"),
            ScheduleType.Daily => Invariant($"{minute} {t.HourOfDay} * * *"),
            // The seed counts weekdays from Monday = 0; cron from Sunday = 0.
            ScheduleType.Weekly => Invariant($"{minute} {t.HourOfDay} * * {(t.DayOfWeek + 1) % 7}"),
            ScheduleType.Custom => t.CronExpression!,
            _ => throw new ArgumentOutOfRangeException(nameof(t), t.Type, "No cron form for this schedule type."),
        };
    }

    /// <summary>The first monthly occurrence after <paramref name="cursor"/>; days past a month's end run on its last day.</summary>
    private static DateTime? NextMonthly(ScheduleTiming t, DateTime cursor)
    {
        var month = new DateTime(cursor.Year, cursor.Month, 1, 0, 0, 0, DateTimeKind.Unspecified);
        for (var i = 0; i < 3; i++, month = month.AddMonths(1))
        {
            var day = Math.Min(t.DayOfMonth!.Value, DateTime.DaysInMonth(month.Year, month.Month));
            var candidate = new DateTime(month.Year, month.Month, day, t.HourOfDay!.Value, t.MinuteOfHour ?? 0, 0, DateTimeKind.Unspecified);
            if (candidate > cursor)
            {
                return candidate;
            }
        }

        return null;
    }

    private static CrontabSchedule? ParseCron(string expression, out string? error)
    {
        error = null;
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            error = $"'{expression}' has {fields.Length} field(s); use 5: minute hour day-of-month month day-of-week.";
            return null;
        }

        try
        {
            return CrontabSchedule.Parse(string.Join(' ', fields));
        }
        catch (CrontabException ex)
        {
            error = $"'{expression}' is not a valid cron expression: {ex.Message.Split(Environment.NewLine)[0]}";
            return null;
        }
    }

    private static void Range(List<FieldError> errors, string field, int? value, int min, int max, string hint = "")
    {
        if (value is { } v && (v < min || v > max))
        {
            errors.Add(new(field, Invariant($"{v} is out of range; use {min}..{max}{hint}.")));
        }
    }

    private static void Require(List<FieldError> errors, string field, int? value, string type)
    {
        if (value is null && errors.All(e => e.Field != field))
        {
            errors.Add(new(field, $"A {type} schedule needs {field}."));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
