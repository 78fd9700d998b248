using ClientMonitor.Core;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Scheduling;

namespace ClientMonitor.Application.Api;

/// <summary>The seed's <c>automation_schedules</c> shape plus <c>time_zone</c>, <c>config</c> limits and the scheduler's bookkeeping.</summary>
public sealed record ScheduleResponse(
    string Id,
    string BusinessId,
    string CreatedByUserId,
    string Name,
    string? Description,
    JobType JobType,
    IReadOnlyList<string>? ClientIds,
    ScheduleConfig Config,
    ScheduleType ScheduleType,
    string? CronExpression,
    int? HourOfDay,
    int? MinuteOfHour,
    int? DayOfWeek,
    int? DayOfMonth,
    string TimeZone,
    bool IsActive,
    DateTimeOffset? LastRunAt,
    DateTimeOffset? NextRunAt,
    ScheduleRunStatus? LastRunStatus,
    string? LastRunJobId,
    int ConsecutiveFailures,
    string? LastErrorMessage,
    DateTimeOffset? LastErrorAt,
    IReadOnlyList<string> RunningJobRunIds,
    int MissedOccurrences,
    int SkippedOccurrences,
    string? LastSkipReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static ScheduleResponse From(AutomationSchedule s) => new(
        s.Id, s.BusinessId, s.CreatedByUserId, s.Name, s.Description, s.JobType, s.ClientIds, s.Config, s.Timing.Type, s.Timing.CronExpression,
        s.Timing.HourOfDay, s.Timing.MinuteOfHour, s.Timing.DayOfWeek, s.Timing.DayOfMonth, s.Timing.TimeZone, s.IsActive, s.LastRunAt, s.NextRunAt,
        s.LastRunStatus, s.LastRunJobId, s.ConsecutiveFailures, s.LastErrorMessage, s.LastErrorAt, s.ActiveRunIds, s.MissedOccurrences,
        s.SkippedOccurrences, s.LastSkipReason, s.CreatedAt, s.UpdatedAt);
}

/// <summary>
/// Create and update body. On create, <c>name</c>, <c>schedule_type</c> and the fields the type needs are required;
/// <c>job_type</c> defaults to client_monitoring, <c>time_zone</c> to UTC, <c>is_active</c> to true. On update only
/// the fields sent change. <c>business_id</c> and <c>created_by_user_id</c> (seed fields) may be sent but must be
/// the caller's own: they come from the token.
/// </summary>
public sealed record ScheduleRequest(
    string? BusinessId,
    string? CreatedByUserId,
    string? Name,
    string? Description,
    JobType? JobType,
    IReadOnlyList<string>? ClientIds,
    ScheduleConfig? Config,
    ScheduleType? ScheduleType,
    string? CronExpression,
    int? HourOfDay,
    int? MinuteOfHour,
    int? DayOfWeek,
    int? DayOfMonth,
    string? TimeZone,
    bool? IsActive);

public sealed record ScheduleList(IReadOnlyList<ScheduleResponse> Schedules, int Total, int Skip, int Limit);

public sealed record BulkRequest(IReadOnlyList<string>? ScheduleIds);

public sealed record BulkResult(IReadOnlyList<string> Succeeded, IReadOnlyList<string> NotFound);

public sealed record TriggerResponse(string JobRunId, string ScheduleId, JobRunStatus Status, int ClientsTotal, DateTimeOffset StartedAt);

/// <summary><c>/api/v1/automation-schedules</c>: CRUD, activate/deactivate, trigger, and admin bulk operations.</summary>
public static class SchedulesApi
{
    private const int MaxBulk = 100;

    public static RouteGroupBuilder MapSchedulesApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var group = api.MapGroup("/automation-schedules").WithTags("Automation schedules");
        group.MapGet("/", ListAsync).Doc("ListSchedules", "A page of the business's schedules.").Produces<ScheduleList>().Paged(ApiDocs.Flag("is_active", "Only active (true) or inactive (false) schedules."), ApiDocs.OneOf<JobType>("job_type", "Only schedules of this job type."));
        group.MapPost("/", CreateAsync).Doc("CreateSchedule", "Creates a schedule: hourly, daily, weekly, monthly, cron or manual, in a time zone.").Body<ScheduleRequest>().Produces<ScheduleResponse>(StatusCodes.Status201Created);
        group.MapGet("/{scheduleId}", GetAsync).Doc("GetSchedule", "One schedule with its next and last run.").Produces<ScheduleResponse>();
        group.MapPut("/{scheduleId}", UpdateAsync).Doc("UpdateSchedule", "Changes the fields sent (its creator or an admin); If-Match guards against lost updates.").Body<ScheduleRequest>().Produces<ScheduleResponse>();
        group.MapDelete("/{scheduleId}", DeleteAsync).Doc("DeleteSchedule", "Deletes a schedule (its creator or an admin).").Produces(StatusCodes.Status204NoContent);
        group.MapPost("/{scheduleId}/activate", (HttpContext c, string scheduleId, IScheduleStore s, ScheduleManager m, CancellationToken ct) => SetActiveAsync(c, scheduleId, true, s, m, ct)).Doc("EnableSchedule", "Activates a schedule; its next run is computed.").Produces<ScheduleResponse>();
        group.MapPost("/{scheduleId}/deactivate", (HttpContext c, string scheduleId, IScheduleStore s, ScheduleManager m, CancellationToken ct) => SetActiveAsync(c, scheduleId, false, s, m, ct)).Doc("DisableSchedule", "Deactivates a schedule.").Produces<ScheduleResponse>();
        group.MapPost("/{scheduleId}/trigger", TriggerAsync).Doc("TriggerSchedule", "Runs a schedule now.").Produces<TriggerResponse>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/bulk/activate", (HttpContext c, IScheduleStore s, ScheduleManager m, CancellationToken ct) => BulkAsync(c, BulkAction.Activate, s, m, ct)).RequireAuthorization(ApiRoles.AdminPolicy).Doc("BulkActivateSchedules", "Activates the schedules named (admin).").Body<BulkRequest>().Produces<BulkResult>();
        group.MapPost("/bulk/deactivate", (HttpContext c, IScheduleStore s, ScheduleManager m, CancellationToken ct) => BulkAsync(c, BulkAction.Deactivate, s, m, ct)).RequireAuthorization(ApiRoles.AdminPolicy).Doc("BulkDeactivateSchedules", "Deactivates the schedules named (admin).").Body<BulkRequest>().Produces<BulkResult>();
        group.MapPost("/bulk/delete", (HttpContext c, IScheduleStore s, ScheduleManager m, CancellationToken ct) => BulkAsync(c, BulkAction.Delete, s, m, ct)).RequireAuthorization(ApiRoles.AdminPolicy).Doc("BulkDeleteSchedules", "Deletes the schedules named (admin).").Body<BulkRequest>().Produces<BulkResult>();
        return group;
    }

    private static async Task<IResult> ListAsync(HttpContext context, IScheduleStore store, CancellationToken ct)
    {
        var query = new Query(context.Request);
        var (skip, limit) = query.Page();
        var active = query.Bool("is_active");
        var jobType = query.Enum<JobType>("job_type");
        if (query.Errors.Count > 0)
        {
            return ApiProblems.Invalid(query.Errors);
        }

        var all = (await store.ListAsync(context.Caller().BusinessId, ct))
            .Select(v => v.Value)
            .Where(s => active is null || s.IsActive == active)
            .Where(s => jobType is null || s.JobType == jobType)
            .OrderBy(s => s.CreatedAt).ThenBy(s => s.Id, StringComparer.Ordinal)
            .ToList();
        return TypedResults.Ok(new ScheduleList(all.Skip(skip).Take(limit).Select(ScheduleResponse.From).ToList(), all.Count, skip, limit));
    }

    private static async Task<IResult> GetAsync(HttpContext context, string scheduleId, IScheduleStore store, CancellationToken ct)
    {
        var found = await store.GetVersionedAsync(context.Caller().BusinessId, scheduleId, ct);
        if (found is null)
        {
            return ApiProblems.NotFound("schedule");
        }

        ApiETags.Set(context, found.ETag);
        return TypedResults.Ok(ScheduleResponse.From(found.Value));
    }

    private static async Task<IResult> CreateAsync(HttpContext context, ScheduleManager manager, IClientStore clients, CancellationToken ct)
    {
        var (body, problem) = await ApiBody.ReadAsync<ScheduleRequest>(context.Request, ct);
        if (problem is not null)
        {
            return problem;
        }

        var caller = context.Caller();
        var r = body!.Value;
        var errors = OwnershipErrors(caller, r);
        if (r.ScheduleType is null)
        {
            errors.Add(new("schedule_type", "Required: manual, hourly, daily, weekly, monthly or custom."));
        }

        var schedule = new AutomationSchedule(
            Guid.NewGuid().ToString("N"), caller.BusinessId, caller.UserId, r.Name ?? string.Empty, r.Description, r.JobType ?? JobType.ClientMonitoring,
            r.ClientIds, r.Config ?? new ScheduleConfig(),
            new ScheduleTiming(r.ScheduleType ?? ScheduleType.Manual, r.CronExpression, r.HourOfDay, r.MinuteOfHour, r.DayOfWeek, r.DayOfMonth, r.TimeZone ?? "UTC"),
            r.IsActive ?? true, null, null, null, null, 0, null, null, [], 0, 0, null, default, default);
        errors.AddRange(ScheduleManager.Validate(schedule));
        errors.AddRange(await UnknownClientsAsync(clients, caller.BusinessId, schedule.ClientIds, ct));
        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        var created = await manager.CreateAsync(schedule, ct);
        ApiETags.Set(context, created.ETag);
        return TypedResults.Created($"/api/v1/automation-schedules/{created.Value.Id}", ScheduleResponse.From(created.Value));
    }

    private static async Task<IResult> UpdateAsync(HttpContext context, string scheduleId, IScheduleStore store, ScheduleManager manager, IClientStore clients, CancellationToken ct)
    {
        var caller = context.Caller();
        var found = await store.GetVersionedAsync(caller.BusinessId, scheduleId, ct);
        if (found is null)
        {
            return ApiProblems.NotFound("schedule");
        }

        var (body, problem) = await ApiBody.ReadAsync<ScheduleRequest>(context.Request, ct);
        if (problem is not null)
        {
            return problem;
        }

        if (!ApiETags.Matches(context.Request, found.ETag))
        {
            return ApiProblems.Stale();
        }

        var r = body!.Value;
        var errors = OwnershipErrors(caller, r);
        errors.AddRange(body.NullErrors("name", "job_type", "config", "schedule_type", "time_zone", "is_active"));

        var s = found.Value;
        var t = s.Timing;
        var updated = s with
        {
            Name = r.Name ?? s.Name,
            Description = body.Has("description") ? r.Description : s.Description,
            JobType = r.JobType ?? s.JobType,
            ClientIds = body.Has("client_ids") ? r.ClientIds : s.ClientIds,
            Config = r.Config ?? s.Config,
            IsActive = r.IsActive ?? s.IsActive,
            Timing = new ScheduleTiming(
                r.ScheduleType ?? t.Type,
                body.Has("cron_expression") ? r.CronExpression : t.CronExpression,
                body.Has("hour_of_day") ? r.HourOfDay : t.HourOfDay,
                body.Has("minute_of_hour") ? r.MinuteOfHour : t.MinuteOfHour,
                body.Has("day_of_week") ? r.DayOfWeek : t.DayOfWeek,
                body.Has("day_of_month") ? r.DayOfMonth : t.DayOfMonth,
                r.TimeZone ?? t.TimeZone),
        };
        errors.AddRange(ScheduleManager.Validate(updated));
        errors.AddRange(await UnknownClientsAsync(clients, caller.BusinessId, body.Has("client_ids") ? updated.ClientIds : null, ct));
        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        return await ReplaceAsync(context, manager, s, updated, found.ETag, ct);
    }

    private static async Task<IResult> SetActiveAsync(HttpContext context, string scheduleId, bool active, IScheduleStore store, ScheduleManager manager, CancellationToken ct)
    {
        var found = await store.GetVersionedAsync(context.Caller().BusinessId, scheduleId, ct);
        if (found is null)
        {
            return ApiProblems.NotFound("schedule");
        }

        if (!ApiETags.Matches(context.Request, found.ETag))
        {
            return ApiProblems.Stale();
        }

        return await ReplaceAsync(context, manager, found.Value, found.Value with { IsActive = active }, found.ETag, ct);
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, string scheduleId, IScheduleStore store, ScheduleManager manager, CancellationToken ct)
    {
        var caller = context.Caller();
        var found = await store.GetVersionedAsync(caller.BusinessId, scheduleId, ct);
        if (found is null)
        {
            return ApiProblems.NotFound("schedule");
        }

        if (!caller.IsAdmin && found.Value.CreatedByUserId != caller.UserId)
        {
            return ApiProblems.Forbidden("Only an admin may delete a schedule another user created.");
        }

        if (!ApiETags.Matches(context.Request, found.ETag))
        {
            return ApiProblems.Stale();
        }

        return await manager.DeleteAsync(caller.BusinessId, scheduleId, found.ETag, ct) == WriteResult.Stale ? ApiProblems.Stale() : TypedResults.NoContent();
    }

    private static async Task<IResult> TriggerAsync(HttpContext context, string scheduleId, SchedulerService scheduler, CancellationToken ct)
    {
        var result = await scheduler.TriggerAsync(context.Caller().BusinessId, scheduleId, ApiEndpoints.Launcher(context), ct);
        return result.Refusal switch
        {
            TriggerRefusal.None => TypedResults.Accepted(
                MonitoringApi.JobRunUrl(context, result.JobRun!.Id),
                new TriggerResponse(result.JobRun.Id, scheduleId, result.JobRun.Status, result.JobRun.ClientsTotal, result.JobRun.StartedAt)),
            TriggerRefusal.AlreadyRunning => ApiProblems.Conflict(result.Error!),
            TriggerRefusal.NotFound => ApiProblems.NotFound("schedule"),
            _ => ApiProblems.Invalid(result.Field ?? "schedule", result.Error ?? "The schedule cannot run."),
        };
    }

    private enum BulkAction
    {
        Activate,
        Deactivate,
        Delete,
    }

    private static async Task<IResult> BulkAsync(HttpContext context, BulkAction action, IScheduleStore store, ScheduleManager manager, CancellationToken ct)
    {
        var (body, problem) = await ApiBody.ReadAsync<BulkRequest>(context.Request, ct);
        if (problem is not null)
        {
            return problem;
        }

        var ids = body!.Value.ScheduleIds;
        if (ids is null || ids.Count == 0 || ids.Count > MaxBulk || !ids.All(ApiIds.IsValid))
        {
            return ApiProblems.Invalid("schedule_ids", $"Give 1..{MaxBulk} schedule ids (each 1..{ApiIds.MaxLength} characters, none of / \\ # ?).");
        }

        var business = context.Caller().BusinessId;
        var succeeded = new List<string>();
        var notFound = new List<string>();
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            var done = false;
            for (var attempt = 0; attempt < 5 && !done; attempt++)
            {
                var found = await store.GetVersionedAsync(business, id, ct);
                if (found is null)
                {
                    break;
                }

                done = action == BulkAction.Delete
                    ? await manager.DeleteAsync(business, id, found.ETag, ct) == WriteResult.Done
                    : (await manager.ReplaceAsync(found.Value, found.Value with { IsActive = action == BulkAction.Activate }, found.ETag, ct)).Result == WriteResult.Done;
            }

            (done ? succeeded : notFound).Add(id);
        }

        return TypedResults.Ok(new BulkResult(succeeded, notFound));
    }

    private static async Task<IResult> ReplaceAsync(HttpContext context, ScheduleManager manager, AutomationSchedule previous, AutomationSchedule updated, string etag, CancellationToken ct)
    {
        var (result, stored) = await manager.ReplaceAsync(previous, updated, etag, ct);
        switch (result)
        {
            case WriteResult.Done:
                ApiETags.Set(context, stored!.ETag);
                return TypedResults.Ok(ScheduleResponse.From(stored.Value));
            case WriteResult.NotFound:
                return ApiProblems.NotFound("schedule");
            default:
                return ApiProblems.Stale();
        }
    }

    private static List<FieldError> OwnershipErrors(Caller caller, ScheduleRequest r)
    {
        var errors = new List<FieldError>();
        if (r.BusinessId is not null && r.BusinessId != caller.BusinessId)
        {
            errors.Add(new("business_id", "Must be your own business (or left out: it comes from your token)."));
        }

        if (r.CreatedByUserId is not null && r.CreatedByUserId != caller.UserId)
        {
            errors.Add(new("created_by_user_id", "Must be your own user id (or left out: it comes from your token)."));
        }

        return errors;
    }


    internal static async Task<IReadOnlyList<FieldError>> UnknownClientsAsync(IClientStore clients, string businessId, IReadOnlyList<string>? ids, CancellationToken ct)
    {
        if (ids is null || ids.Count == 0)
        {
            return [];
        }

        var known = (await clients.ListAsync(businessId, ct)).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var unknown = ids.Where(id => !known.Contains(id)).ToList();
        return unknown.Count == 0 ? [] : [new FieldError("client_ids", "No client with id(s) " + string.Join(", ", unknown) + " in your business.")];
    }
}
