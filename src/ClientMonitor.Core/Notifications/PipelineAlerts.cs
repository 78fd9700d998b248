using System.Globalization;
using ClientMonitor.Core.Pipeline;

namespace ClientMonitor.Core.Notifications;

/// <summary>
/// Seed 000's pipeline alerts, judged when a job run finishes: failure, an error rate above
/// <see cref="AlertOptions.MaxErrorRate"/>, fewer qualified events (relevance of at least 0.7, the ones that get an
/// insight) than <see cref="AlertOptions.MinQualifiedEvents"/>, and optionally success with qualified events. Each
/// alert's subject is the run's schedule (or <c>manual</c>), so a schedule whose runs recover resolves its alert.
/// </summary>
public sealed class PipelineAlerts(IAlertSink alerts, AlertOptions options) : IJobRunFinishedListener
{
    public async Task OnJobRunFinishedAsync(JobRun jobRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobRun);
        if (!jobRun.IsFinished || jobRun.JobType == JobType.NotificationDigest)
        {
            return;
        }

        var subject = jobRun.ScheduleId ?? "manual";
        var what = jobRun.ScheduleId is null ? "A manual monitoring run" : "The monitoring run of schedule " + jobRun.ScheduleId;
        var at = jobRun.CompletedAt ?? jobRun.StartedAt;

        if (jobRun.Status == JobRunStatus.Failed)
        {
            await RaiseAsync(jobRun, AlertTypes.PipelineFailure, AlertSeverity.Error, "Monitoring run failed", $"{what} failed: {jobRun.Error ?? "no error recorded"}.", subject, at, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await alerts.ResolveAsync(jobRun.BusinessId, AlertTypes.PipelineFailure, subject, $"{what} completed again.", cancellationToken).ConfigureAwait(false);
        }

        var errorRate = jobRun.ClientsTotal == 0 ? 0 : (double)jobRun.ClientsFailed / jobRun.ClientsTotal;
        if (errorRate > options.MaxErrorRate)
        {
            await RaiseAsync(
                jobRun, AlertTypes.HighErrorRate, AlertSeverity.Warning, "High error rate",
                string.Create(CultureInfo.InvariantCulture, $"{what} failed for {jobRun.ClientsFailed} of {jobRun.ClientsTotal} clients ({errorRate * 100:0}%; the limit is {options.MaxErrorRate * 100:0}%)."),
                subject, at, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await alerts.ResolveAsync(jobRun.BusinessId, AlertTypes.HighErrorRate, subject, string.Create(CultureInfo.InvariantCulture, $"The error rate is back to {errorRate * 100:0}%."), cancellationToken).ConfigureAwait(false);
        }

        var qualified = jobRun.Counts.InsightsGenerated;
        if (jobRun.Status != JobRunStatus.Failed && jobRun.JobType == JobType.ClientMonitoring && options.MinQualifiedEvents > 0)
        {
            if (qualified < options.MinQualifiedEvents)
            {
                await RaiseAsync(
                    jobRun, AlertTypes.LowQuality, AlertSeverity.Warning, "Few qualified events",
                    string.Create(CultureInfo.InvariantCulture, $"{what} found {qualified} qualified event(s) (relevance at least 0.7); at least {options.MinQualifiedEvents} are expected."),
                    subject, at, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await alerts.ResolveAsync(jobRun.BusinessId, AlertTypes.LowQuality, subject, string.Create(CultureInfo.InvariantCulture, $"{qualified} qualified events in the last run."), cancellationToken).ConfigureAwait(false);
            }
        }

        if (options.NotifyOnSuccess && jobRun.Status != JobRunStatus.Failed && qualified > 0)
        {
            await RaiseAsync(
                jobRun, AlertTypes.PipelineSuccess, AlertSeverity.Info, "Monitoring run found qualified events",
                string.Create(CultureInfo.InvariantCulture, $"{what} finished with {jobRun.Counts.EventsCreated} event(s), {qualified} of them qualified."),
                subject, at, cancellationToken).ConfigureAwait(false);
        }
    }

    private Task<bool> RaiseAsync(JobRun run, string type, string severity, string title, string message, string subject, DateTimeOffset at, CancellationToken cancellationToken)
        => alerts.RaiseAsync(new OperationalAlert(StableId.From(type, run.BusinessId, run.Id), run.BusinessId, type, severity, title, message, run.ScheduleId, run.Id, at, subject), cancellationToken);
}
