using System.Globalization;
using ClientMonitor.Core.Pipeline;

namespace ClientMonitor.Core.Scheduling;

/// <summary>
/// Creates, changes and deletes schedules so that the due index always covers them: the index entry for a new
/// <c>next_run_at</c> is written before the schedule, so a crash in between leaves a stale entry (which the tick
/// drops) and never a schedule without one. Changes take effect at the next tick, without a restart.
/// </summary>
public sealed class ScheduleManager(IScheduleStore store, IDueIndex index, TimeProvider timeProvider)
{
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 2000;
    public const int MaxClientIds = 1000;

    /// <summary>Everything wrong with the schedule's own fields (the caller checks that its client ids exist).</summary>
    public static IReadOnlyList<FieldError> Validate(AutomationSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(schedule.Name) || schedule.Name.Length > MaxNameLength)
        {
            errors.Add(new("name", string.Create(CultureInfo.InvariantCulture, $"A name of 1..{MaxNameLength} characters is required.")));
        }

        if (schedule.Description is { Length: > MaxDescriptionLength })
        {
            errors.Add(new("description", string.Create(CultureInfo.InvariantCulture, $"At most {MaxDescriptionLength} characters.")));
        }

        if (schedule.JobType == JobType.NotificationDigest)
        {
            errors.Add(new("job_type", "notification_digest runs come from each user's digest preferences, not from schedules; use client_monitoring or search_only."));
        }

        if (schedule.ClientIds is { } ids && (ids.Count == 0 || ids.Count > MaxClientIds || ids.Any(string.IsNullOrWhiteSpace)))
        {
            errors.Add(new("client_ids", string.Create(CultureInfo.InvariantCulture, $"Give 1..{MaxClientIds} client ids, or null for every active client.")));
        }

        if (schedule.Config.MaxConcurrentRuns is < 1 or > 10)
        {
            errors.Add(new("config.max_concurrent_runs", "Use 1..10."));
        }

        if (schedule.Config.TimeoutMinutes is < 1 or > 1440)
        {
            errors.Add(new("config.timeout_minutes", "Use 1..1440 minutes."));
        }

        errors.AddRange(ScheduleTimes.Validate(schedule.Timing));
        return errors;
    }

    public async Task<Versioned<AutomationSchedule>> CreateAsync(AutomationSchedule schedule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var now = timeProvider.GetUtcNow();
        var prepared = schedule with { NextRunAt = schedule.IsActive ? ScheduleTimes.NextAfter(schedule.Timing, now) : null, CreatedAt = now, UpdatedAt = now };
        await IndexAsync(prepared, cancellationToken).ConfigureAwait(false);
        var (result, etag) = await store.CreateAsync(prepared, cancellationToken).ConfigureAwait(false);
        return result == WriteResult.Done
            ? new Versioned<AutomationSchedule>(prepared, etag!)
            : throw new InvalidOperationException($"Schedule id {prepared.Id} is already taken.");
    }

    /// <summary>
    /// Stores <paramref name="updated"/> if the row still has <paramref name="etag"/>. The next run is recomputed
    /// when the timing changed or the schedule was (re)activated; activating also clears the failure streak.
    /// </summary>
    public async Task<(WriteResult Result, Versioned<AutomationSchedule>? Stored)> ReplaceAsync(AutomationSchedule previous, AutomationSchedule updated, string etag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(updated);
        var now = timeProvider.GetUtcNow();
        var reactivated = updated.IsActive && !previous.IsActive;
        var retimed = updated.Timing != previous.Timing;
        var next = !updated.IsActive ? null
            : reactivated || retimed || previous.NextRunAt is null ? ScheduleTimes.NextAfter(updated.Timing, now)
            : previous.NextRunAt;
        var prepared = updated with
        {
            NextRunAt = next,
            ConsecutiveFailures = reactivated ? 0 : updated.ConsecutiveFailures,
            UpdatedAt = now,
        };
        if (next != previous.NextRunAt)
        {
            await IndexAsync(prepared, cancellationToken).ConfigureAwait(false);
        }

        var (result, newEtag) = await store.ReplaceAsync(prepared, etag, cancellationToken).ConfigureAwait(false);
        return result == WriteResult.Done ? (result, new Versioned<AutomationSchedule>(prepared, newEtag!)) : (result, null);
    }

    /// <summary>Deletes the schedule; its index entry is dropped by the next tick that finds it.</summary>
    public Task<WriteResult> DeleteAsync(string businessId, string scheduleId, string? etag, CancellationToken cancellationToken)
        => store.DeleteAsync(businessId, scheduleId, etag, cancellationToken);

    private Task IndexAsync(AutomationSchedule schedule, CancellationToken cancellationToken)
        => schedule.NextRunAt is { } due
            ? index.AddAsync(new DueEntry(DueKind.Schedule, due, schedule.BusinessId, schedule.Id), cancellationToken)
            : Task.CompletedTask;
}
