using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Scheduling;
using ClientMonitor.Durable;
using ClientMonitor.Functions.Tests.Pipeline;
using ClientMonitor.Testing;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClientMonitor.Functions.Tests.Scheduling;

/// <summary>The scheduler launching job runs as Durable orchestrations (instance id = the claimed run id), on an in-process engine.</summary>
public sealed class DurableSchedulerTests : IAsyncLifetime
{
    // The engine's timers run on real time, so the test's clock starts at the real now and only moves forward.
    private readonly ManualTimeProvider _clock = new(TimeProvider.System.GetUtcNow());
    private Azurite _azurite = null!;
    private PipelineWorker _worker = null!;
    private DurableTaskTestHost _engine = null!;

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartPrivateAsync();
        _worker = await PipelineWorker.StartAsync(
            new Dictionary<string, string?> { ["Providers:UseMocks"] = "true" },
            services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_clock)),
            _azurite);
        var activities = _worker.Activities;
        _engine = await InProcessEngine.StartAsync(tasks => tasks.AddJobRuns(() => activities));
    }

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        await _worker.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    [Fact]
    public async Task TwoTicksRacingOnADueSchedule_LaunchOneInstance_WhoseIdIsTheRunsId_AndItCompletes()
    {
        var business = await _worker.SeedAsync(4);
        var manager = _worker.Services.GetRequiredService<ScheduleManager>();
        var scheduler = _worker.Services.GetRequiredService<SchedulerService>();
        var schedule = new AutomationSchedule(
            Guid.NewGuid().ToString("N"), business, "amy", "Hourly", null, JobType.ClientMonitoring, null, new ScheduleConfig(ForceMock: true),
            new ScheduleTiming(ScheduleType.Hourly, null, null, 0, null, null, "UTC"), true, null, null, null, null, 0, null, null, [], 0, 0, null, default, default);
        await manager.CreateAsync(schedule, CancellationToken.None);

        _clock.Advance(TimeSpan.FromHours(1));
        var launcher = new DurableJobRunLauncher(_engine.Client);
        var reports = await Task.WhenAll(scheduler.TickAsync(launcher, CancellationToken.None), scheduler.TickAsync(launcher, CancellationToken.None));
        var run = Assert.Single(await _worker.Stores.JobRuns.ListRecentAsync(business, 10, CancellationToken.None));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var instance = await _engine.Client.WaitForInstanceCompletionAsync(run.Id, getInputsAndOutputs: true, timeout.Token);
        var instances = new List<OrchestrationMetadata>();
        await foreach (var found in _engine.Client.GetAllInstancesAsync())
        {
            instances.Add(found);
        }

        Assert.Equal(1, reports.Sum(r => r.Started));
        Assert.Equal(run.Id, Assert.Single(instances).InstanceId);
        Assert.Equal((OrchestrationRuntimeStatus.Completed, JobRunStatus.Completed), (instance.RuntimeStatus, instance.ReadOutputAs<JobRunStatus>()));
        var finished = (await _worker.Stores.JobRuns.GetAsync(business, run.Id, CancellationToken.None))!;
        Assert.Equal((JobRunStatus.Completed, 4, schedule.Id), (finished.Status, finished.ClientsFinished, finished.ScheduleId));
    }

    [Fact]
    public async Task LaunchingARunAgain_StartsNothingNew()
    {
        var business = await _worker.SeedAsync(1);
        var created = await _worker.Jobs.CreateAsync(new StartJobRequest(business, JobType.ClientMonitoring, null, false, "test"), CancellationToken.None);
        var run = created.JobRun!;

        var launcher = new DurableJobRunLauncher(_engine.Client);
        await launcher.LaunchAsync(run, created.ClientIds, run.StartedAt.AddHours(1), CancellationToken.None);
        await launcher.LaunchAsync(run, created.ClientIds, run.StartedAt.AddHours(1), CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var instance = await _engine.Client.WaitForInstanceCompletionAsync(run.Id, timeout.Token);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, instance.RuntimeStatus);
        Assert.Equal(1, (await _worker.Stores.JobRuns.GetAsync(business, run.Id, CancellationToken.None))!.ClientsFinished);
    }

}
