using ClientMonitor.Application.Triggers;

namespace ClientMonitor.Functions.Tests.Scheduling;

/// <summary>Which occurrence a timer firing runs: timers fire a little early or late, never exactly.</summary>
public sealed class TimerFiringTests
{
    private static readonly DateTimeOffset Minute = new(2026, 12, 2, 14, 43, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("0 * * * * *", -0.0025, 0)]      // a moment early: that minute, not the one before
    [InlineData("0 * * * * *", 0, 0)]            // on time
    [InlineData("0 * * * * *", 30, 0)]           // late: still the minute it fired for
    [InlineData("0 * * * * *", -3, -60)]         // earlier than the tolerance: the previous minute
    [InlineData("0 0 4,21 * * *", 0, -38580)]    // 14:43 runs the 04:00 occurrence (10 h 43 min before)
    public void TheOccurrence_IsTheLatestAtOrBeforeTheFiringPlusTheTolerance(string schedule, double firedAfterSeconds, double expectedOffsetSeconds)
    {
        var invocation = TimerInvocation.Firing("T", schedule, Minute.AddSeconds(firedAfterSeconds), isPastDue: false);

        Assert.Equal(Minute.AddSeconds(expectedOffsetSeconds), invocation.ScheduledFor);
    }
}
