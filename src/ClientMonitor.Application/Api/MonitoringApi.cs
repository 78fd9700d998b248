using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Scheduling;

namespace ClientMonitor.Application.Api;

/// <summary>Body of <c>POST /monitoring-jobs/execute</c>: every active client unless <c>client_ids</c> is given.</summary>
public sealed record ExecuteRequest(JobType? JobType, IReadOnlyList<string>? ClientIds, bool? ForceMock);

/// <summary>Body of <c>execute-for-client</c> (optional).</summary>
public sealed record ExecuteForClientRequest(JobType? JobType, bool? ForceMock);

public sealed record JobRunResponse(
    string Id, JobType JobType, JobRunStatus Status, string Trigger, string? ScheduleId, IReadOnlyList<string>? RequestedClientIds,
    bool ForceMock, bool UsedMockProviders, int ClientsTotal, int ClientsFinished, int ClientsFailed, RunCounts Counts,
    DateTimeOffset StartedAt, DateTimeOffset? CompletedAt, double? DurationSeconds, string? Error, IReadOnlyList<ClientRunResponse>? ClientRuns,
    string? OrchestrationStatus)
{
    /// <param name="r">The run.</param>
    /// <param name="clientRuns">Its client runs, on the single-run view.</param>
    /// <param name="orchestrationStatus">The Durable runtime status of its orchestration, on the single-run view.</param>
    /// <remarks>A running run's progress is counted from its client runs when they are given (its own counts are set when it finishes).</remarks>
    public static JobRunResponse From(JobRun r, IReadOnlyList<ClientRun>? clientRuns = null, string? orchestrationStatus = null) => new(
        r.Id, r.JobType, r.Status, r.Trigger, r.ScheduleId, r.RequestedClientIds, r.ForceMock, r.UsedMockProviders, r.ClientsTotal,
        !r.IsFinished && clientRuns is not null ? clientRuns.Count(c => c.IsFinished) : r.ClientsFinished,
        !r.IsFinished && clientRuns is not null ? clientRuns.Count(c => c.Status == ClientRunStatus.Failed) : r.ClientsFailed, r.Counts, r.StartedAt, r.CompletedAt, r.Duration?.TotalSeconds, r.Error, clientRuns?.Select(ClientRunResponse.From).ToList(), orchestrationStatus);
}

public sealed record ClientRunResponse(
    string ClientId, string ClientName, ClientRunStatus Status, RunCounts Counts, IReadOnlyList<string> SourcesUsed, IReadOnlyList<string> FailedSources,
    string? CrmProvider, string? Error, int Attempts, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt)
{
    public static ClientRunResponse From(ClientRun c) => new(
        c.ClientId, c.ClientName, c.Status, c.Counts, c.SourcesUsed, c.FailedSources, c.CrmProvider, c.Error, c.Attempts, c.StartedAt, c.CompletedAt);
}

public sealed record RecentJobs(IReadOnlyList<JobRunResponse> Jobs, int Limit);

public sealed record SchedulerJob(string Id, string Name, DateTimeOffset? NextRun);

/// <summary><c>running</c>: a tick finished within the last three minutes. <c>tick_lag_seconds</c>: how late the last tick started against its timer.</summary>
public sealed record SchedulerStatus(bool Running, int TotalJobs, IReadOnlyList<SchedulerJob> Jobs, DateTimeOffset? LastTickAt, double? TickLagSeconds, int? LastTickDue, int? LastTickStarted);

/// <summary>
/// A page of events. <c>next</c>: the link to the next page (null on the last). <c>total</c>: how many match, given
/// only when this page reached the end (counting the whole history is what a page must not cost).
/// </summary>
public sealed record EventList(IReadOnlyList<MonitoringEvent> Events, int? Total, int Skip, int Limit, string? Next);

/// <summary>A page of the caller's notifications: <c>next</c> and <c>total</c> as for events.</summary>
public sealed record NotificationList(IReadOnlyList<Notification> Notifications, int? Total, int Skip, int Limit, string? Next);

/// <summary>
/// Monitoring jobs (start now), job runs, the scheduler's status, events and the caller's notifications. Runs
/// started here get the same deadline as scheduled ones.
/// </summary>
public static class MonitoringApi
{
    private static readonly TimeSpan RunningWithin = TimeSpan.FromMinutes(3);

    public static RouteGroupBuilder MapMonitoringApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var jobs = api.MapGroup("/monitoring-jobs").WithTags("Monitoring jobs");
        jobs.MapPost("/execute", ExecuteAsync).Doc("ExecuteMonitoringJob", "Starts a job run over every active client, or those named.").Body<ExecuteRequest>(optional: true).Produces<JobRunResponse>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status409Conflict);
        jobs.MapPost("/execute-for-client/{clientId}", ExecuteForClientAsync).Doc("ExecuteMonitoringJobForClient", "Starts a job run for one client.").Body<ExecuteForClientRequest>(optional: true).Produces<JobRunResponse>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status409Conflict);
        jobs.MapPost("/test", TestAsync).Doc("TestMonitoringJob", "A run of every active client on the mock providers: checks the pipeline without spending provider quota.").Produces<JobRunResponse>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status409Conflict);

        api.MapGet("/job-runs/{jobRunId}", GetJobRunAsync).Doc("GetJobRun", "A job run with its per-client outcomes and its orchestration's status.").Produces<JobRunResponse>().WithTags("Monitoring jobs");
        var scheduler = api.MapGroup("/scheduler").WithTags("Scheduler");
        scheduler.MapGet("/status", StatusAsync).Doc("GetSchedulerStatus", "Whether the scheduler ticks, its last tick, and the active schedules.").Produces<SchedulerStatus>();
        scheduler.MapGet("/jobs/recent", RecentAsync).Doc("ListRecentJobRuns", "The most recent job runs, newest first.").Produces<RecentJobs>().Query(new ApiQueryParameter("limit", Microsoft.OpenApi.JsonSchemaType.Integer, $"How many (1..{Paging.MaxLimit}; default 10)."));

        var events = api.MapGroup("/events").WithTags("Events");
        events.MapGet("/", ListEventsAsync).Doc("ListEvents", "A page of events, newest first, with filters.").Produces<EventList>().Paged(ApiDocs.Text("client_id", "Only this client's events."), ApiDocs.OneOf<EventCategory>("category", "Only this category."), new ApiQueryParameter("min_relevance", Microsoft.OpenApi.JsonSchemaType.Number, "Only events at least this relevant (0..1)."), ApiDocs.Time("from", "Only events detected at or after this time."), ApiDocs.Time("to", "Only events detected before this time."), ApiDocs.Cursor);
        events.MapGet("/{eventId}", GetEventAsync).Doc("GetEvent", "One event: the target of the \"View event\" links in emails.").Produces<MonitoringEvent>();

        var notifications = api.MapGroup("/notifications").WithTags("Notifications");
        notifications.MapGet("/", ListNotificationsAsync).Doc("ListNotifications", "A page of the caller's notifications, newest first.").Produces<NotificationList>().Paged(ApiDocs.Flag("unread_only", "Only notifications not yet read."), ApiDocs.Cursor);
        notifications.MapPost("/{notificationId}/read", MarkReadAsync).Doc("MarkNotificationRead", "Marks one of the caller's notifications read.").Produces(StatusCodes.Status204NoContent);
        return api;
    }

    private static async Task<IResult> ExecuteAsync(HttpContext context, SchedulerService scheduler, SchedulerOptions options, CancellationToken ct)
    {
        var (body, problem) = await ApiBody.ReadAsync<ExecuteRequest>(context.Request, ct);
        if (problem is not null)
        {
            return problem;
        }

        var r = body!.Value;
        if (r.ClientIds is { Count: 0 } or { Count: > ScheduleManager.MaxClientIds })
        {
            return ApiProblems.Invalid("client_ids", $"Give 1..{ScheduleManager.MaxClientIds} client ids, or leave the field out for every active client.");
        }

        return await StartAsync(context, scheduler, options, r.JobType ?? JobType.ClientMonitoring, r.ClientIds, r.ForceMock ?? false, "api", ct);
    }

    private static async Task<IResult> ExecuteForClientAsync(HttpContext context, string clientId, SchedulerService scheduler, SchedulerOptions options, IClientStore clients, CancellationToken ct)
    {
        ExecuteForClientRequest request = new(null, null);
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            var (body, problem) = await ApiBody.ReadAsync<ExecuteForClientRequest>(context.Request, ct);
            if (problem is not null)
            {
                return problem;
            }

            request = body!.Value;
        }

        if (await clients.GetAsync(context.Caller().BusinessId, clientId, ct) is null)
        {
            return ApiProblems.NotFound("client");
        }

        return await StartAsync(context, scheduler, options, request.JobType ?? JobType.ClientMonitoring, [clientId], request.ForceMock ?? false, "api", ct);
    }

    /// <summary>A monitoring run of every active client on the mock providers: checks the pipeline end to end without spending provider quota.</summary>
    private static Task<IResult> TestAsync(HttpContext context, SchedulerService scheduler, SchedulerOptions options, CancellationToken ct)
        => StartAsync(context, scheduler, options, JobType.ClientMonitoring, null, true, "test", ct);

    private static async Task<IResult> StartAsync(HttpContext context, SchedulerService scheduler, SchedulerOptions options, JobType type, IReadOnlyList<string>? clientIds, bool forceMock, string trigger, CancellationToken ct)
    {
        var request = new StartJobRequest(context.Caller().BusinessId, type, clientIds, forceMock, trigger);
        var result = await scheduler.StartRunAsync(request, options.TimeoutMinutes, ApiEndpoints.Launcher(context), ct);
        return result.JobRun is null
            ? ApiProblems.Invalid(result.Field!, result.Error!)
            : TypedResults.Accepted(JobRunUrl(context, result.JobRun.Id), JobRunResponse.From(result.JobRun));
    }

    /// <summary>Where a started run's status is read: an absolute URL at the app's public address.</summary>
    internal static string JobRunUrl(HttpContext context, string jobRunId)
        => $"{context.RequestServices.GetRequiredService<PublicAddress>().BaseUrl}{ApiSetup.Prefix}/job-runs/{Uri.EscapeDataString(jobRunId)}";

    private static async Task<IResult> GetJobRunAsync(HttpContext context, string jobRunId, IJobRunStore runs, CancellationToken ct)
    {
        var run = JobRunService.IsJobRunId(jobRunId) ? await runs.GetAsync(context.Caller().BusinessId, jobRunId, ct) : null;
        if (run is null)
        {
            return ApiProblems.NotFound("job run");
        }

        var status = await ApiEndpoints.Launcher(context).GetRuntimeStatusAsync(run.Id, ct);
        return TypedResults.Ok(JobRunResponse.From(run, await runs.ListClientRunsAsync(run.Id, ct), status));
    }

    private static async Task<IResult> RecentAsync(HttpContext context, IJobRunStore runs, CancellationToken ct)
    {
        var query = new Query(context.Request);
        var limit = query.WholeNumber("limit") ?? 10;
        if (limit is < 1 or > Paging.MaxLimit)
        {
            return ApiProblems.Invalid("limit", $"Use 1..{Paging.MaxLimit} (default 10).");
        }

        if (query.Errors.Count > 0)
        {
            return ApiProblems.Invalid(query.Errors);
        }

        var recent = await runs.ListRecentAsync(context.Caller().BusinessId, limit, ct);
        return TypedResults.Ok(new RecentJobs(recent.Select(r => JobRunResponse.From(r)).ToList(), limit));
    }

    private static async Task<IResult> StatusAsync(HttpContext context, IScheduleStore schedules, ISchedulerHeartbeatStore heartbeats, TimeProvider time, CancellationToken ct)
    {
        var active = (await schedules.ListAsync(context.Caller().BusinessId, ct)).Select(v => v.Value).Where(s => s.IsActive && s.NextRunAt is not null)
            .OrderBy(s => s.NextRunAt).Select(s => new SchedulerJob(s.Id, s.Name, s.NextRunAt)).ToList();
        var beat = await heartbeats.GetAsync(ct);
        var running = beat is not null && time.GetUtcNow() - beat.TickedAt <= RunningWithin;
        return TypedResults.Ok(new SchedulerStatus(running, active.Count, active, beat?.TickedAt, beat?.Lag.TotalSeconds, beat?.Due, beat?.Started));
    }

    private static async Task<IResult> ListEventsAsync(HttpContext context, IEventStore events, CancellationToken ct)
    {
        var query = new Query(context.Request);
        var (skip, limit) = query.Page();
        var clientId = query.Text("client_id");
        var category = query.Enum<EventCategory>("category");
        var minRelevance = query.Number("min_relevance");
        var cursor = query.Cursor();
        var from = query.Date("from");
        var to = query.Date("to");
        var errors = query.Errors.ToList();
        if (minRelevance is < 0 or > 1)
        {
            errors.Add(new("min_relevance", "Use a number from 0 to 1."));
        }

        if (from is not null && to is not null && from >= to)
        {
            errors.Add(new("to", "Must be after from."));
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        try
        {
            var page = await events.QueryAsync(context.Caller().BusinessId, new EventQuery(clientId, category, minRelevance, from, to, skip, limit, cursor), ct);
            return TypedResults.Ok(new EventList(page.Items, page.Total, skip, limit, Query.NextLink(context.Request, page.Next)));
        }
        catch (InvalidCursorException ex)
        {
            return ApiProblems.Invalid("cursor", ex.Message);
        }
    }

    private static async Task<IResult> GetEventAsync(HttpContext context, string eventId, IEventStore events, CancellationToken ct)
    {
        var found = await events.GetAsync(context.Caller().BusinessId, eventId, ct);
        return found is null ? ApiProblems.NotFound("event") : TypedResults.Ok(found);
    }

    private static async Task<IResult> ListNotificationsAsync(HttpContext context, INotificationStore notifications, CancellationToken ct)
    {
        var query = new Query(context.Request);
        var (skip, limit) = query.Page();
        var unreadOnly = query.Bool("unread_only") ?? false;
        if (query.Errors.Count > 0)
        {
            return ApiProblems.Invalid(query.Errors);
        }

        var caller = context.Caller();
        try
        {
            var page = await notifications.ListAsync(caller.BusinessId, caller.UserId, unreadOnly, skip, limit, query.Cursor(), ct);
            return TypedResults.Ok(new NotificationList(page.Items, page.Total, skip, limit, Query.NextLink(context.Request, page.Next)));
        }
        catch (InvalidCursorException ex)
        {
            return ApiProblems.Invalid("cursor", ex.Message);
        }
    }

    private static async Task<IResult> MarkReadAsync(HttpContext context, string notificationId, INotificationStore notifications, TimeProvider time, CancellationToken ct)
    {
        var caller = context.Caller();
        return await notifications.MarkReadAsync(caller.BusinessId, caller.UserId, notificationId, time.GetUtcNow(), ct)
            ? TypedResults.NoContent()
            : ApiProblems.NotFound("notification");
    }
}
