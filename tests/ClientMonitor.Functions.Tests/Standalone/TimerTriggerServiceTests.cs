using System.Collections.Concurrent;
using ClientMonitor.Core.Operations;
using ClientMonitor.Functions.Hosting;
using ClientMonitor.Application.Triggers;
using ClientMonitor.Functions.Invocations;
using ClientMonitor.Functions.Standalone;
using ClientMonitor.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClientMonitor.Functions.Tests.Standalone;

public sealed class TimerTriggerServiceTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 29, 0, 59, 30, TimeSpan.Zero);

    [Theory]
    [InlineData("0 * * * * *", "2026-03-29T00:59:30Z", "2026-03-29T01:00:00Z")]   // every minute, across the UK DST change (UTC is unaffected)
    [InlineData("0 0 * * * *", "2026-03-29T00:59:30Z", "2026-03-29T01:00:00Z")]   // hourly
    [InlineData("0 0 4,21 * * *", "2026-03-29T04:00:00Z", "2026-03-29T21:00:00Z")] // report ticks: strictly after
    [InlineData("0 0 4,21 * * *", "2026-12-31T22:00:00Z", "2027-01-01T04:00:00Z")] // year end
    public void NextOccurrence_FollowsTheSixFieldSchedule(string schedule, string after, string expected)
    {
        var service = Create(schedule, new ManualTimeProvider(Start), new RecordingTimer());

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), service.NextOccurrence(DateTimeOffset.Parse(after, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void FiveFieldSchedule_IsRejectedWithTheReason()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Create("* * * * *", new ManualTimeProvider(Start), new RecordingTimer()));

        Assert.Contains("6-field", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Service_RunsEachOccurrenceOnce_WhenTheClockPassesIt()
    {
        var clock = new ManualTimeProvider(Start);
        var timer = new RecordingTimer();
        var service = Create("0 * * * * *", clock, timer);
        await service.StartAsync(default);

        await WaitForPendingTimerAsync(clock);
        clock.Advance(TimeSpan.FromSeconds(30));
        await WaitForAsync(() => timer.Runs.Count == 1);
        await WaitForPendingTimerAsync(clock);
        clock.Advance(TimeSpan.FromMinutes(1));
        await WaitForAsync(() => timer.Runs.Count == 2);
        await service.StopAsync(default);

        Assert.Equal([Start.AddSeconds(30), Start.AddSeconds(90)], timer.Runs.Select(r => r.ScheduledFor));
        Assert.All(timer.Runs, r => Assert.False(r.IsPastDue));
    }

    private static TimerTriggerService Create(string schedule, ManualTimeProvider clock, RecordingTimer timer)
    {
        var definition = new FunctionDefinition(timer.Name, TriggerKind.Timer, "timer", schedule, null, null);
        var runner = new FunctionRunner([], [timer], new HostSettings(), NullLogger<FunctionRunner>.Instance);
        return new TimerTriggerService(definition, runner, clock, NullLogger<TimerTriggerService>.Instance);
    }

    private static Task WaitForPendingTimerAsync(ManualTimeProvider clock) => WaitForAsync(() => clock.PendingTimers > 0);

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }

    private sealed class RecordingTimer : ITimerFunction
    {
        public ConcurrentQueue<TimerInvocation> Runs { get; } = new();

        public string Name => "Tick";

        public Task RunAsync(TimerInvocation invocation, CancellationToken cancellationToken)
        {
            Runs.Enqueue(invocation);
            return Task.CompletedTask;
        }
    }
}
