using Azure.Data.Tables;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Scheduling;
using ClientMonitor.Functions.Tests.Pipeline;
using ClientMonitor.Infrastructure.Scheduling;
using ClientMonitor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClientMonitor.Functions.Tests.Scheduling;

/// <summary>
/// The scheduler on a private Azurite (its due index is shared by every business, so tests that move the clock
/// must not see each other's entries), with a manual clock. Job runs are recorded for real; their launches are
/// recorded, and run (as the orchestration runs them) only where a test wants runs to finish.
/// </summary>
public sealed class SchedulerTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    private readonly ManualTimeProvider _clock = new(Start);
    private Azurite _azurite = null!;
    private PipelineWorker _worker = null!;

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartPrivateAsync();
        _worker = await PipelineWorker.StartAsync(
            new Dictionary<string, string?> { ["Providers:UseMocks"] = "true" },
            services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_clock)),
            _azurite);
    }

    public async Task DisposeAsync()
    {
        await _worker.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    private SchedulerService Scheduler => _worker.Services.GetRequiredService<SchedulerService>();

    private ScheduleManager Manager => _worker.Services.GetRequiredService<ScheduleManager>();

    private IScheduleStore Schedules => _worker.Services.GetRequiredService<IScheduleStore>();

    private static AutomationSchedule NewSchedule(string business, ScheduleTiming timing, ScheduleConfig? config = null, IReadOnlyList<string>? clientIds = null) => new(
        Guid.NewGuid().ToString("N"), business, "amy", "Test schedule", null, JobType.ClientMonitoring, clientIds, config ?? new ScheduleConfig(ForceMock: true),
        timing, true, null, null, null, null, 0, null, null, [], 0, 0, null, default, default);

    private static ScheduleTiming DailyAt9 => new(ScheduleType.Daily, null, 9, 0, null, null, "UTC");

    private static ScheduleTiming Hourly => new(ScheduleType.Hourly, null, null, 0, null, null, "UTC");

    private async Task<AutomationSchedule> GetAsync(AutomationSchedule schedule)
        => (await Schedules.GetVersionedAsync(schedule.BusinessId, schedule.Id, CancellationToken.None))!.Value;

    private Task<IReadOnlyList<JobRun>> RunsAsync(string business) => _worker.Stores.JobRuns.ListRecentAsync(business, 100, CancellationToken.None);

    [Fact]
    public async Task Create_SetsNextRunInTheSchedulesZone()
    {
        var business = await _worker.SeedAsync(1);

        var created = await Manager.CreateAsync(NewSchedule(business, DailyAt9 with { TimeZone = "America/New_York" }), CancellationToken.None);

        Assert.Equal(new DateTimeOffset(2026, 11, 22, 14, 0, 0, TimeSpan.Zero), created.Value.NextRunAt);
    }

    [Fact]
    public async Task TwoTicksRacingOnTheSameDueSchedule_StartExactlyOneRun()
    {
        var business = await _worker.SeedAsync(3);
        var schedules = new List<AutomationSchedule>();
        for (var i = 0; i < 5; i++)
        {
            schedules.Add((await Manager.CreateAsync(NewSchedule(business, DailyAt9), CancellationToken.None)).Value);
        }

        _clock.SetUtcNow(Start.AddHours(1).AddSeconds(20));
        // Two workers' ticks at once: separate service instances over the same storage.
        var other = ActivatorUtilities.CreateInstance<SchedulerService>(_worker.Services);
        var reports = await Task.WhenAll(Scheduler.TickAsync(_worker.Launcher, CancellationToken.None), other.TickAsync(_worker.Launcher, CancellationToken.None));

        Assert.Equal(5, reports.Sum(r => r.Started));
        var runs = await RunsAsync(business);
        Assert.Equal(5, runs.Count);
        Assert.Equal(schedules.Select(s => s.Id).Order(), runs.Select(r => r.ScheduleId!).Order());
        Assert.Equal(15, _worker.Launcher.Launched.Sum(r => r.ClientIds.Count));
        foreach (var schedule in schedules)
        {
            var stored = await GetAsync(schedule);
            Assert.Equal(Start.AddDays(1).AddHours(1), stored.NextRunAt);
            Assert.Single(stored.ActiveRunIds);
        }

        // A later tick in the same minute finds nothing more to start.
        Assert.Equal(0, (await Scheduler.TickAsync(_worker.Launcher, CancellationToken.None)).Started);
    }

    [Fact]
    public async Task ATickThatFiresAMomentBeforeTheMinute_StartsWhatIsDueAtTheMinute()
    {
        var business = await _worker.SeedAsync(1);
        await Manager.CreateAsync(NewSchedule(business, DailyAt9), CancellationToken.None);
        var early = Start.AddHours(1).AddTicks(-25_000); // 08:59:59.9975 for the 09:00 occurrence
        _clock.SetUtcNow(early);

        var occurrence = ClientMonitor.Application.Triggers.TimerInvocation.Firing("ScheduleTick", "0 * * * * *", early, isPastDue: false).ScheduledFor;
        var report = await Scheduler.TickAsync(_worker.Launcher, occurrence, CancellationToken.None);

        Assert.Equal(Start.AddHours(1), occurrence);
        Assert.Equal(1, report.Started);
    }

    [Fact]
    public async Task ARunThatFinishes_IsRecordedAsTheSchedulesLastRun()
    {
        var business = await _worker.SeedAsync(2);
        var schedule = (await Manager.CreateAsync(NewSchedule(business, DailyAt9), CancellationToken.None)).Value;
        _clock.SetUtcNow(Start.AddHours(1));

        await Scheduler.TickAsync(_worker.Launcher, CancellationToken.None);
        await _worker.RunLaunchedAsync();

        var stored = await GetAsync(schedule);
        var run = Assert.Single(await RunsAsync(business));
        Assert.Equal(JobRunStatus.Completed, run.Status);
        Assert.Equal("schedule", run.Trigger);
        Assert.Equal(ScheduleRunStatus.Success, stored.LastRunStatus);
        Assert.Equal(run.Id, stored.LastRunJobId);
        Assert.Equal(Start.AddHours(1), stored.LastRunAt);
        Assert.Empty(stored.ActiveRunIds);
        Assert.Equal(0, stored.ConsecutiveFailures);
    }

    [Fact]
    public async Task AScheduleFailingFiveTimesInARow_DeactivatesItselfWithItsLastError_AndRaisesOneAlert()
    {
        var business = await _worker.SeedAsync(2);
        // Every minute, for a client that is then deleted: each run fails to start.
        var everyMinute = new ScheduleTiming(ScheduleType.Custom, "* * * * *", null, null, null, null, "UTC");
        var schedule = (await Manager.CreateAsync(NewSchedule(business, everyMinute, clientIds: ["client-001"]), CancellationToken.None)).Value;
        await _worker.Stores.Clients.DeleteAsync(business, "client-001", null, CancellationToken.None);

        for (var minute = 1; minute <= 6; minute++)
        {
            _clock.SetUtcNow(Start.AddMinutes(minute));
            await Scheduler.TickAsync(_worker.Launcher, CancellationToken.None);
        }

        var stored = await GetAsync(schedule);
        Assert.False(stored.IsActive);
        Assert.Null(stored.NextRunAt);
        Assert.Equal(5, stored.ConsecutiveFailures);
        Assert.Equal(ScheduleRunStatus.Failed, stored.LastRunStatus);
        Assert.Contains("client-001", stored.LastErrorMessage, StringComparison.Ordinal);
        Assert.Equal(Start.AddMinutes(5), stored.LastErrorAt);
        Assert.Empty(await RunsAsync(business));
        var alert = Assert.Single(await _worker.Services.GetRequiredService<IAlertStore>().ListAsync(business, CancellationToken.None));
        Assert.Equal("schedule_deactivated", alert.AlertType);
        Assert.Equal(schedule.Id, alert.ScheduleId);
        Assert.Contains("client-001", alert.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AfterDowntime_MissedOccurrencesRunOnce_AndTheMissIsRecorded()
    {
        var business = await _worker.SeedAsync(1);
        var schedule = (await Manager.CreateAsync(NewSchedule(business, Hourly), CancellationToken.None)).Value;
        Assert.Equal(Start.AddHours(1), schedule.NextRunAt);

        _clock.SetUtcNow(Start.AddHours(6).AddMinutes(10)); // down from 08:00 to 14:10: 09..14 were due
        var report = await Scheduler.TickAsync(_worker.Launcher, CancellationToken.None);

        Assert.Equal(1, report.Started);
        Assert.Single(await RunsAsync(business));
        var stored = await GetAsync(schedule);
        Assert.Equal(5, stored.MissedOccurrences);
        Assert.Contains("missed", stored.LastSkipReason, StringComparison.Ordinal);
        Assert.Equal(Start.AddHours(7), stored.NextRunAt);
    }

    [Fact]
    public async Task ADueScheduleWhoseRunIsStillGoing_IsSkipped_AndTheRunTimesOut()
    {
        var business = await _worker.SeedAsync(1);
        var schedule = (await Manager.CreateAsync(NewSchedule(business, Hourly, new ScheduleConfig(ForceMock: true, TimeoutMinutes: 90)), CancellationToken.None)).Value;

        _clock.SetUtcNow(Start.AddHours(1)); // 09:00: starts a run that never finishes (its message is not delivered)
        await Scheduler.TickAsync(_worker.Launcher, CancellationToken.None);
        var first = Assert.Single(await RunsAsync(business));

        _clock.SetUtcNow(Start.AddHours(2)); // 10:00: the 09:00 run is still going; runs may not overlap
        var skipped = await Scheduler.TickAsync(_worker.Launcher, CancellationToken.None);
        Assert.Equal(1, skipped.Skipped);
        Assert.Equal(0, skipped.Started);
        Assert.Equal(1, (await GetAsync(schedule)).SkippedOccurrences);

        // Its one client finishes, but its orchestration never finishes the run (here nothing runs it): the backstop does.
        var launched = _worker.Launcher.Launched.Single(r => r.JobRunId == first.Id);
        var outcome = await _worker.Activities.MonitorClientAsync(new ClientMonitor.Durable.ClientWork(business, first.Id, launched.ClientIds[0]), CancellationToken.None);

        _clock.SetUtcNow(Start.AddHours(3)); // 11:00: past the 90-minute deadline (10:30) and the backstop's grace
        var later = await Scheduler.TickAsync(_worker.Launcher, CancellationToken.None);
        Assert.Equal(1, later.TimedOut);
        Assert.Equal(1, later.Started);

        var timedOut = await _worker.Stores.JobRuns.GetAsync(business, first.Id, CancellationToken.None);
        Assert.Equal(JobRunStatus.Failed, timedOut!.Status);
        Assert.Equal("Timed out after 90 minute(s) with 1 of 1 client run(s) finished.", timedOut.Error);
        Assert.Equal((1, outcome.Counts), (timedOut.ClientsFinished, timedOut.Counts));
        var stored = await GetAsync(schedule);
        Assert.Equal(1, stored.ConsecutiveFailures);
        Assert.Equal(ScheduleRunStatus.Failed, stored.LastRunStatus);
        Assert.Single(stored.ActiveRunIds);
        Assert.NotEqual(first.Id, stored.ActiveRunIds[0]);
    }

    [Fact]
    public async Task Trigger_StartsNow_ButNotWhileARunIsGoing()
    {
        var business = await _worker.SeedAsync(1);
        var schedule = (await Manager.CreateAsync(NewSchedule(business, new ScheduleTiming(ScheduleType.Manual, null, null, null, null, null, "UTC")), CancellationToken.None)).Value;
        Assert.Null(schedule.NextRunAt);

        var first = await Scheduler.TriggerAsync(business, schedule.Id, _worker.Launcher, CancellationToken.None);
        var second = await Scheduler.TriggerAsync(business, schedule.Id, _worker.Launcher, CancellationToken.None);

        Assert.Equal(TriggerRefusal.None, first.Refusal);
        Assert.Equal("manual", first.JobRun!.Trigger);
        Assert.Equal(TriggerRefusal.AlreadyRunning, second.Refusal);
        await _worker.RunLaunchedAsync();
        Assert.Equal(TriggerRefusal.None, (await Scheduler.TriggerAsync(business, schedule.Id, _worker.Launcher, CancellationToken.None)).Refusal);
    }

    [Fact]
    public async Task AScheduleThatCannotBeRead_DoesNotHoldBackTheOthers()
    {
        var business = await _worker.SeedAsync(1);
        var good = (await Manager.CreateAsync(NewSchedule(business, DailyAt9), CancellationToken.None)).Value;
        var broken = (await Manager.CreateAsync(NewSchedule(business, DailyAt9), CancellationToken.None)).Value;
        var table = _azurite.CreateTableService().GetTableClient(SchedulingTables.SchedulesTable);
        await table.UpsertEntityAsync(new RawRow { PartitionKey = business, RowKey = broken.Id, Json = "{not json" }, TableUpdateMode.Replace);

        _clock.SetUtcNow(Start.AddHours(1));
        var report = await Scheduler.TickAsync(_worker.Launcher, CancellationToken.None);

        Assert.Equal(1, report.Started);
        Assert.Contains(broken.Id, Assert.Single(report.Errors), StringComparison.Ordinal);
        Assert.Equal(good.Id, Assert.Single(await RunsAsync(business)).ScheduleId);
    }

    [Fact]
    public async Task With10000ActiveSchedulesOf10Due_ATickReadsOnlyTheDueOnes()
    {
        var business = await _worker.SeedAsync(1);
        var index = _worker.Services.GetRequiredService<IDueIndex>();
        var notYet = new ScheduleTiming(ScheduleType.Daily, null, 23, 0, null, null, "UTC");
        await Parallel.ForAsync(0, 10_000, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            await Manager.CreateAsync(NewSchedule(business, i < 10 ? DailyAt9 : notYet), ct));

        _clock.SetUtcNow(Start.AddHours(1));
        var report = await Scheduler.TickAsync(_worker.Launcher, CancellationToken.None);

        Assert.Equal(10, report.Due);
        Assert.Equal(10, report.SchedulesRead);
        Assert.Equal(10, report.Started);
        Assert.Empty(await index.ListDueAsync(DueKind.Schedule, _clock.GetUtcNow(), 100, CancellationToken.None));
    }

    /// <summary>A schedules row written behind the store's back, to corrupt its JSON.</summary>
    private sealed class RawRow : Infrastructure.Storage.TableRow
    {
        public string Json { get; set; } = string.Empty;
    }
}
