using System.Globalization;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Pipeline;

namespace ClientMonitor.Core.Scheduling;

/// <summary>
/// Records how a schedule's runs ended: <c>last_run_status</c>, <c>consecutive_failures</c>, <c>last_error_*</c>.
/// A run counts once, when it leaves <c>ActiveRunIds</c> (so recording twice changes nothing). <c>Completed</c> and
/// <c>PartiallyFailed</c> are successes (a partial failure keeps its error message); <c>Failed</c>, a timeout, or a
/// run that could not start are failures. After <see cref="SchedulerOptions.FailuresBeforeDeactivation"/> failures
/// in a row the schedule deactivates itself and one alert is raised.
/// </summary>
public sealed class ScheduleOutcomes(IScheduleStore schedules, IAlertSink alerts, SchedulerOptions options, TimeProvider timeProvider) : IJobRunFinishedListener
{
    public Task OnJobRunFinishedAsync(JobRun jobRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobRun);
        return jobRun.ScheduleId is null ? Task.CompletedTask : RecordAsync(jobRun, cancellationToken);
    }

    public Task RecordAsync(JobRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.ScheduleId is null || !run.IsFinished)
        {
            return Task.CompletedTask;
        }

        var success = run.Status is JobRunStatus.Completed or JobRunStatus.PartiallyFailed;
        return ApplyAsync(run.BusinessId, run.ScheduleId, run.Id, success, run.Error, cancellationToken);
    }

    public Task RecordStartFailedAsync(string businessId, string scheduleId, string runId, string error, CancellationToken cancellationToken)
        => ApplyAsync(businessId, scheduleId, runId, success: false, error, cancellationToken);

    private async Task ApplyAsync(string businessId, string scheduleId, string runId, bool success, string? error, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var current = await schedules.GetVersionedAsync(businessId, scheduleId, cancellationToken).ConfigureAwait(false);
            if (current is null || !current.Value.ActiveRunIds.Contains(runId, StringComparer.Ordinal))
            {
                return; // Schedule deleted, or this run's outcome is already recorded.
            }

            var now = timeProvider.GetUtcNow();
            var s = current.Value;
            var failures = success ? 0 : s.ConsecutiveFailures + 1;
            var deactivate = !success && s.IsActive && failures >= options.FailuresBeforeDeactivation;
            var updated = s with
            {
                ActiveRunIds = s.ActiveRunIds.Where(id => id != runId).ToList(),
                LastRunStatus = success ? ScheduleRunStatus.Success : ScheduleRunStatus.Failed,
                LastRunJobId = runId,
                ConsecutiveFailures = failures,
                LastErrorMessage = error ?? s.LastErrorMessage,
                LastErrorAt = error is null ? s.LastErrorAt : now,
                IsActive = s.IsActive && !deactivate,
                NextRunAt = deactivate ? null : s.NextRunAt,
                UpdatedAt = now,
            };
            var (result, _) = await schedules.ReplaceAsync(updated, current.ETag, cancellationToken).ConfigureAwait(false);
            if (result == WriteResult.NotFound)
            {
                return;
            }

            if (result == WriteResult.Stale)
            {
                continue;
            }

            if (deactivate)
            {
                await alerts.RaiseAsync(
                    new OperationalAlert(
                        StableId.From("schedule-deactivated", businessId, scheduleId, runId),
                        businessId,
                        AlertTypes.ScheduleDeactivated,
                        AlertSeverity.Error,
                        $"Schedule '{s.Name}' was deactivated",
                        string.Create(CultureInfo.InvariantCulture, $"Schedule '{s.Name}' failed {failures} times in a row and was deactivated. Last error: {error ?? "(none recorded)"}"),
                        scheduleId,
                        runId,
                        now),
                    cancellationToken).ConfigureAwait(false);
            }
            else if (success && s.ConsecutiveFailures > 0)
            {
                await alerts.ResolveAsync(businessId, AlertTypes.ScheduleDeactivated, scheduleId, $"Schedule '{s.Name}' ran successfully again.", cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        throw new InvalidOperationException($"Schedule {scheduleId} kept changing while the outcome of run {runId} was recorded.");
    }
}
