using ClientMonitor.Application.Notifications;
using ClientMonitor.Application.Reports;
using ClientMonitor.Application.Scheduling;
using ClientMonitor.Application.Triggers;
using ClientMonitor.Durable;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace ClientMonitor.Functions.Functions;

/// <summary>The timers (6-field NCRONTAB, UTC): the scheduler every minute, digests hourly, reports twice a day.</summary>
public sealed class TimerFunctions(ScheduleTickHandler scheduleTick, DigestTickHandler digestTick, ReportTickHandler reportTick, TimeProvider time)
{
    public const string EveryMinute = "0 * * * * *";
    public const string Hourly = "0 0 * * * *";
    public const string ReportTimes = "0 0 4,21 * * *";

    /// <summary>Starts the schedules that are due, each as a job run orchestration through the Durable client.</summary>
    [Function(nameof(ScheduleTick))]
    public Task ScheduleTick([TimerTrigger(EveryMinute)] TimerInfo timer, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken)
        => scheduleTick.RunAsync(TimerInvocation.Firing(nameof(ScheduleTick), EveryMinute, time.GetUtcNow(), timer.IsPastDue), new DurableJobRunLauncher(durable), cancellationToken);

    [Function(nameof(DigestTick))]
    public Task DigestTick([TimerTrigger(Hourly)] TimerInfo timer, CancellationToken cancellationToken)
        => digestTick.RunAsync(TimerInvocation.Firing(nameof(DigestTick), Hourly, time.GetUtcNow(), timer.IsPastDue), cancellationToken);

    [Function(nameof(ReportTick))]
    public Task ReportTick([TimerTrigger(ReportTimes)] TimerInfo timer, CancellationToken cancellationToken)
        => reportTick.RunAsync(TimerInvocation.Firing(nameof(ReportTick), ReportTimes, time.GetUtcNow(), timer.IsPastDue), cancellationToken);
}
