using System.Globalization;
using ClientMonitor.Core.Scheduling;

namespace ClientMonitor.Core.Tests.Scheduling;

/// <summary>
/// Next-run times with known answers. The 2026 transitions used: Europe/London springs forward on 29 March
/// (01:00 GMT becomes 02:00 BST) and falls back on 25 October (02:00 BST becomes 01:00 GMT); America/New_York springs
/// forward on 8 March (02:00 EST becomes 03:00 EDT) and falls back on 1 November (02:00 EDT becomes 01:00 EST).
/// </summary>
public sealed class ScheduleTimesTests
{
    private static ScheduleTiming Timing(ScheduleType type, string zone = "UTC", int? hour = null, int? minute = null, int? dayOfWeek = null, int? dayOfMonth = null, string? cron = null)
        => new(type, cron, hour, minute, dayOfWeek, dayOfMonth, zone);

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <summary>Follows the schedule from <paramref name="after"/> and returns its next occurrences in UTC.</summary>
    private static List<string> Next(ScheduleTiming timing, string after, int count)
    {
        var result = new List<string>();
        var cursor = Utc(after);
        for (var i = 0; i < count; i++)
        {
            var next = ScheduleTimes.NextAfter(timing, cursor) ?? throw new InvalidOperationException("no next occurrence");
            result.Add(next.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture));
            cursor = next;
        }

        return result;
    }

    [Fact]
    public void Daily_InLondon_FollowsBritishSummerTime()
        => Assert.Equal(
            ["2026-03-28T09:00Z", "2026-03-29T08:00Z", "2026-03-30T08:00Z"],
            Next(Timing(ScheduleType.Daily, "Europe/London", hour: 9), "2026-03-28T00:00Z", 3));

    [Fact]
    public void Daily_AtATimeSkippedBySpringForward_RunsAtTheFirstValidInstantAfterTheGap()
        => Assert.Equal(
            ["2026-03-28T01:30Z", "2026-03-29T01:00Z", "2026-03-30T00:30Z"],
            Next(Timing(ScheduleType.Daily, "Europe/London", hour: 1, minute: 30), "2026-03-28T00:00Z", 3));

    [Fact]
    public void Daily_AtATimeThatOccursTwice_RunsOnceAtTheFirstOccurrence()
        => Assert.Equal(
            ["2026-10-25T00:30Z", "2026-10-26T01:30Z"],
            Next(Timing(ScheduleType.Daily, "Europe/London", hour: 1, minute: 30), "2026-10-24T12:00Z", 2));

    [Fact]
    public void Daily_InNewYork_AcrossTheMarchGap()
        => Assert.Equal(
            ["2026-03-07T07:30Z", "2026-03-08T07:00Z", "2026-03-09T06:30Z"],
            Next(Timing(ScheduleType.Daily, "America/New_York", hour: 2, minute: 30), "2026-03-07T00:00Z", 3));

    [Fact]
    public void Hourly_InNewYork_SkipsTheMissingHourOnce()
        => Assert.Equal(
            ["2026-03-08T06:30Z", "2026-03-08T07:00Z", "2026-03-08T07:30Z", "2026-03-08T08:30Z"],
            Next(Timing(ScheduleType.Hourly, "America/New_York", minute: 30), "2026-03-08T06:00Z", 4));

    [Fact]
    public void Hourly_InNewYork_RunsTheRepeatedHourOnce()
        => Assert.Equal(
            ["2026-11-01T04:30Z", "2026-11-01T05:30Z", "2026-11-01T07:30Z", "2026-11-01T08:30Z"],
            Next(Timing(ScheduleType.Hourly, "America/New_York", minute: 30), "2026-11-01T04:00Z", 4));

    [Fact]
    public void Hourly_StartingInsideTheSecondPassOfTheRepeatedHour_WaitsForTheNextNewHour()
        => Assert.Equal(["2026-11-01T07:30Z"], Next(Timing(ScheduleType.Hourly, "America/New_York", minute: 30), "2026-11-01T06:10Z", 1));

    [Fact]
    public void Daily_InLondon_AfterFallBack_UsesGmt()
        => Assert.Equal(
            ["2026-10-24T08:00Z", "2026-10-25T09:00Z"],
            Next(Timing(ScheduleType.Daily, "Europe/London", hour: 9), "2026-10-24T00:00Z", 2));

    [Fact]
    public void Weekly_UsesMondayAsZero_InTheSchedulesZone()
        => Assert.Equal(
            ["2026-11-23T00:00Z", "2026-11-30T00:00Z"],
            Next(Timing(ScheduleType.Weekly, "Asia/Tokyo", hour: 9, dayOfWeek: 0), "2026-11-22T00:00Z", 2));

    [Fact]
    public void Weekly_Sunday_IsSix()
        => Assert.Equal(["2026-11-29T08:15Z"], Next(Timing(ScheduleType.Weekly, hour: 8, minute: 15, dayOfWeek: 6), "2026-11-22T09:00Z", 1));

    [Fact]
    public void Weekly_InNewYork_AcrossFallBack_KeepsLocalTime()
        => Assert.Equal(
            ["2026-10-26T13:00Z", "2026-11-02T14:00Z"],
            Next(Timing(ScheduleType.Weekly, "America/New_York", hour: 9, dayOfWeek: 0), "2026-10-20T00:00Z", 2));

    [Fact]
    public void Monthly_On31_RunsOnTheLastDayOfShortMonths()
        => Assert.Equal(
            ["2026-01-31T09:00Z", "2026-02-28T09:00Z", "2026-03-31T09:00Z", "2026-04-30T09:00Z"],
            Next(Timing(ScheduleType.Monthly, hour: 9, dayOfMonth: 31), "2026-01-01T00:00Z", 4));

    [Fact]
    public void Monthly_On30_InALeapYear_RunsOnThe29thOfFebruary()
        => Assert.Equal(["2028-02-29T09:00Z", "2028-03-30T09:00Z"], Next(Timing(ScheduleType.Monthly, hour: 9, dayOfMonth: 30), "2028-02-01T00:00Z", 2));

    [Fact]
    public void Monthly_InLondon_OnTheDayOfSpringForward_KeepsLocalTime()
        => Assert.Equal(["2026-03-29T09:00Z"], Next(Timing(ScheduleType.Monthly, "Europe/London", hour: 10, dayOfMonth: 29), "2026-03-01T00:00Z", 1));

    [Theory]
    [InlineData("0 9 * * 1-5", "UTC", "2026-11-20T10:00Z", "2026-11-23T09:00Z")] // Friday after nine: Monday
    [InlineData("0 9 * * 1-5", "America/New_York", "2026-11-20T15:00Z", "2026-11-23T14:00Z")]
    [InlineData("*/15 * * * *", "UTC", "2026-11-22T10:07Z", "2026-11-22T10:15Z")]
    [InlineData("0 0 1 1 *", "UTC", "2026-11-22T00:00Z", "2027-01-01T00:00Z")]
    [InlineData("0 12 * * 0", "UTC", "2026-11-22T12:00Z", "2026-11-29T12:00Z")] // strictly after
    [InlineData("0 9 1,15 * *", "Europe/London", "2026-11-02T00:00Z", "2026-11-15T09:00Z")]
    [InlineData("30 1 * * *", "Europe/London", "2026-03-28T03:00Z", "2026-03-29T01:00Z")] // 01:30 does not exist that day
    [InlineData("30 2 * * *", "America/New_York", "2026-03-07T12:00Z", "2026-03-08T07:00Z")] // nor 02:30 in New York
    [InlineData("0 0 29 2 *", "UTC", "2026-03-01T00:00Z", "2028-02-29T00:00Z")]
    [InlineData("0 8-10 * * *", "Australia/Sydney", "2026-11-22T00:00Z", "2026-11-22T21:00Z")]
    public void Custom_Cron_HasKnownNextTimes(string cron, string zone, string after, string expected)
        => Assert.Equal([expected], Next(Timing(ScheduleType.Custom, zone, cron: cron), after, 1));

    [Fact]
    public void NextRuns_AreInUtc()
        => Assert.Equal(TimeSpan.Zero, ScheduleTimes.NextAfter(Timing(ScheduleType.Daily, "Asia/Kolkata", hour: 9), Utc("2026-11-22T00:00Z"))!.Value.Offset);

    [Fact]
    public void Manual_NeverRunsByItself()
        => Assert.Null(ScheduleTimes.NextAfter(Timing(ScheduleType.Manual), Utc("2026-11-22T00:00Z")));

    [Fact]
    public void CountBetween_CountsTheOccurrencesInTheWindow()
    {
        var daily = Timing(ScheduleType.Daily, hour: 9);

        Assert.Equal(3, ScheduleTimes.CountBetween(daily, Utc("2026-11-19T09:00Z"), Utc("2026-11-22T09:30Z")));
        Assert.Equal(0, ScheduleTimes.CountBetween(daily, Utc("2026-11-22T09:00Z"), Utc("2026-11-22T09:30Z")));
    }

    [Theory]
    [InlineData(ScheduleType.Custom, "61 * * * *", null, null, null, "UTC", "cron_expression")]
    [InlineData(ScheduleType.Custom, "0 9 * *", null, null, null, "UTC", "cron_expression")]
    [InlineData(ScheduleType.Custom, "0 0 * * * *", null, null, null, "UTC", "cron_expression")]
    [InlineData(ScheduleType.Custom, "0 0 30 2 *", null, null, null, "UTC", "cron_expression")]
    [InlineData(ScheduleType.Custom, null, null, null, null, "UTC", "cron_expression")]
    [InlineData(ScheduleType.Daily, null, 9, null, null, "Mars/Olympus_Mons", "time_zone")]
    [InlineData(ScheduleType.Daily, null, 9, null, null, "Eastern Standard Time", "time_zone")]
    [InlineData(ScheduleType.Daily, null, 24, null, null, "UTC", "hour_of_day")]
    [InlineData(ScheduleType.Daily, null, null, null, null, "UTC", "hour_of_day")]
    [InlineData(ScheduleType.Weekly, null, 9, 7, null, "UTC", "day_of_week")]
    [InlineData(ScheduleType.Weekly, null, 9, null, null, "UTC", "day_of_week")]
    [InlineData(ScheduleType.Monthly, null, 9, null, 0, "UTC", "day_of_month")]
    [InlineData(ScheduleType.Monthly, null, 9, null, 32, "UTC", "day_of_month")]
    [InlineData(ScheduleType.Daily, "0 9 * * *", 9, null, null, "UTC", "cron_expression")]
    public void Validate_NamesTheFieldAtFault(ScheduleType type, string? cron, int? hour, int? dayOfWeek, int? dayOfMonth, string zone, string field)
    {
        var errors = ScheduleTimes.Validate(new ScheduleTiming(type, cron, hour, null, dayOfWeek, dayOfMonth, zone));

        var error = Assert.Single(errors);
        Assert.Equal(field, error.Field);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void Validate_MinuteOutOfRange()
        => Assert.Equal("minute_of_hour", Assert.Single(ScheduleTimes.Validate(Timing(ScheduleType.Hourly, minute: 60))).Field);

    [Fact]
    public void Validate_AcceptsEveryTypeWhenComplete()
    {
        Assert.Empty(ScheduleTimes.Validate(Timing(ScheduleType.Manual)));
        Assert.Empty(ScheduleTimes.Validate(Timing(ScheduleType.Hourly, "Europe/London", minute: 5)));
        Assert.Empty(ScheduleTimes.Validate(Timing(ScheduleType.Weekly, "America/New_York", hour: 9, dayOfWeek: 6)));
        Assert.Empty(ScheduleTimes.Validate(Timing(ScheduleType.Monthly, hour: 0, dayOfMonth: 31)));
        Assert.Empty(ScheduleTimes.Validate(Timing(ScheduleType.Custom, cron: "0 9 * * 1-5")));
    }
}
