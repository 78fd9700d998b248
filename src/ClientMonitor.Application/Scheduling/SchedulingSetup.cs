using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using ClientMonitor.Core.Operations;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Scheduling;
using ClientMonitor.Application.Triggers;
using ClientMonitor.Infrastructure.Scheduling;
using ClientMonitor.Infrastructure.Storage;
using Microsoft.Extensions.Options;

namespace ClientMonitor.Application.Scheduling;

/// <summary>Schedules: their tables, the scheduler service, and the <c>ScheduleTick</c> timer function.</summary>
public static class SchedulingSetup
{
    public static IServiceCollection AddScheduling(this IServiceCollection services)
    {
        services.AddOptions<SchedulerOptions>().BindConfiguration("Scheduler").ValidateOnStart();
        services.AddSingleton<IValidateOptions<SchedulerOptions>, SchedulerOptionsValidator>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<SchedulerOptions>>().Value);

        services.AddSingleton<SchedulingTables>();
        services.AddSingleton<IScheduleStore>(sp => sp.GetRequiredService<SchedulingTables>());
        services.AddSingleton<IDueIndex>(sp => sp.GetRequiredService<SchedulingTables>());
        services.AddSingleton<ISchedulerHeartbeatStore>(sp => sp.GetRequiredService<SchedulingTables>());
        services.AddSingleton<ScheduleOutcomes>();
        services.AddSingleton<IJobRunFinishedListener>(sp => sp.GetRequiredService<ScheduleOutcomes>());
        services.AddSingleton<ScheduleManager>();
        services.AddSingleton<SchedulerService>();
        services.AddSingleton<ScheduleTickHandler>();
        return services;
    }
}

internal sealed class SchedulerOptionsValidator : IValidateOptions<SchedulerOptions>
{
    public ValidateOptionsResult Validate(string? name, SchedulerOptions options)
    {
        var failures = new List<string>();
        if (options.MaxConcurrentRuns is < 1 or > 10)
        {
            failures.Add($"Scheduler:MaxConcurrentRuns is {options.MaxConcurrentRuns}; use 1..10.");
        }

        if (options.TimeoutMinutes is < 1 or > 1440)
        {
            failures.Add($"Scheduler:TimeoutMinutes is {options.TimeoutMinutes}; use 1..1440.");
        }

        if (options.FailuresBeforeDeactivation < 1)
        {
            failures.Add($"Scheduler:FailuresBeforeDeactivation is {options.FailuresBeforeDeactivation}; use 1 or more.");
        }

        if (options.MaxDuePerTick is < 1 or > 5000)
        {
            failures.Add($"Scheduler:MaxDuePerTick is {options.MaxDuePerTick}; use 1..5000.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// <c>ScheduleTick</c> (every minute): one scheduler tick, then the heartbeat that <c>GET /scheduler/status</c>
/// reports (when it ran, how late against its timer, what it did) and the activity-log entry of every timer.
/// </summary>
public sealed partial class ScheduleTickHandler(
    SchedulerService scheduler, ISchedulerHeartbeatStore heartbeats, IFunctionActivityLog activity, IMonitoringTelemetry telemetry, QueueServiceClient queues,
    TimeProvider time, ILogger<ScheduleTickHandler> logger)
{
    public string Name => "ScheduleTick";

    /// <summary>Runs one tick; the due runs are launched through <paramref name="launcher"/> (the function's Durable client).</summary>
    public async Task RunAsync(TimerInvocation invocation, IJobRunLauncher launcher, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var started = time.GetUtcNow();
        var report = await scheduler.TickAsync(launcher, invocation.ScheduledFor, cancellationToken);
        var lag = started - invocation.ScheduledFor;
        await heartbeats.SaveAsync(
            new SchedulerHeartbeat(started, invocation.ScheduledFor, lag < TimeSpan.Zero ? TimeSpan.Zero : lag, report.Due, report.Started, report.Skipped, report.TimedOut),
            cancellationToken);
        await activity.RecordAsync(
            new FunctionActivity(Name, TriggerKind.Timer, invocation.OccurrenceId, started, 0, null),
            cancellationToken);
        telemetry.SchedulerTicked(lag < TimeSpan.Zero ? TimeSpan.Zero : lag, report.Due, report.Started);
        await SampleQueuesAsync(cancellationToken);
        if (report.Due > 0 || report.TimedOut > 0)
        {
            Log.Ticked(logger, report.Due, report.Started, report.Skipped, report.Stale, report.TimedOut);
        }

        foreach (var error in report.Errors)
        {
            Log.DueEntryFailed(logger, error);
        }
    }

    /// <summary>The queue backlog metrics: once a minute is enough for dashboards, and costs two metadata reads.</summary>
    private async Task SampleQueuesAsync(CancellationToken cancellationToken)
    {
        foreach (var queue in new[] { QueueNames.Notifications })
        {
            try
            {
                var backlog = await queues.GetQueueClient(queue).CountAsync(cancellationToken);
                var poison = await queues.GetQueueClient(QueueNames.PoisonOf(queue)).CountAsync(cancellationToken);
                telemetry.QueueSampled(queue, backlog, poison);
            }
            catch (Azure.RequestFailedException ex) when (ex.Status == 404)
            {
                // A poison queue appears with its first message; nothing to sample until then.
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, EventName = "ScheduleTicked", Level = LogLevel.Information,
            Message = "Schedule tick: {Due} due, {Started} started, {Skipped} skipped (overlap), {Stale} stale entries, {TimedOut} runs timed out")]
        public static partial void Ticked(ILogger logger, int due, int started, int skipped, int stale, int timedOut);

        [LoggerMessage(EventId = 3002, EventName = "ScheduleDueEntryFailed", Level = LogLevel.Error, Message = "Schedule tick could not process a due entry; it is retried next tick: {Error}")]
        public static partial void DueEntryFailed(ILogger logger, string error);
    }
}
