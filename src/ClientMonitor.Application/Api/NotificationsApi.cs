using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Tenancy;
using ClientMonitor.Application.Notifications;

namespace ClientMonitor.Application.Api;

/// <summary>An email log as the seed's <c>email_logs</c> shows it.</summary>
public sealed record EmailLogResponse(
    string Id, string BusinessId, string? UserId, string? EventId, string? JobRunId, string EmailType, string RecipientEmail, string Subject,
    string? BodyPreview, DateTimeOffset? SentAt, EmailStatus Status, string? ErrorMessage, int RetryCount, string? Provider, string? ProviderMessageId,
    DateTimeOffset? OpenedAt, DateTimeOffset? ClickedAt, DateTimeOffset CreatedAt, DateTimeOffset? UpdatedAt)
{
    public static EmailLogResponse From(EmailLog l) => new(
        l.Id, l.BusinessId, l.UserId, l.EventId, l.JobRunId, l.EmailType, l.RecipientEmail, l.Subject, l.BodyPreview, l.SentAt, l.Status, l.ErrorMessage,
        l.RetryCount, l.Provider, l.ProviderMessageId, l.OpenedAt, l.ClickedAt, l.CreatedAt, l.UpdatedAt);
}

/// <summary>A page of email logs: <c>next</c> links the next page; <c>total</c> only when this page reached the end (as for events).</summary>
public sealed record EmailLogList(IReadOnlyList<EmailLogResponse> EmailLogs, int? Total, int Skip, int Limit, string? Next);

public sealed record AlertList(IReadOnlyList<AlertRecord> Alerts, IReadOnlyList<string> Channels);

public sealed record AlertDetail(AlertRecord Alert, IReadOnlyList<AlertDelivery> Deliveries);

public sealed record AlertTestResponse(IReadOnlyList<ChannelTestResult> Channels, bool AllOk);

/// <summary>
/// Email logs (the seed's five endpoints; members see their own emails, admins the whole business), operational
/// alerts with their deliveries, the channel test, and the anonymous open/click tracking endpoints whose signed
/// tokens are their only authority.
/// </summary>
public static class NotificationsApi
{
    private static readonly byte[] Pixel = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");

    public static RouteGroupBuilder MapEmailLogsApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var group = api.MapGroup("/email-logs").WithTags("Email logs");
        group.MapGet("/", ListAsync).Doc("ListEmailLogs", "A page of email logs, newest first (members see their own).").Produces<EmailLogList>().Paged(ApiDocs.Text("email_type", "Only this kind of email (event_notification, daily_digest, ...)."), ApiDocs.OneOf<EmailStatus>("status", "Only emails in this state."), ApiDocs.Text("recipient_email", "Only emails to this address."), ApiDocs.Text("event_id", "Only emails about this event."), ApiDocs.Time("start_date", "Only emails created at or after this time."), ApiDocs.Time("end_date", "Only emails created before this time."), ApiDocs.Cursor);
        group.MapGet("/stats/summary", StatsAsync).Doc("GetEmailStats", "Sent, failed, opened and clicked counts and rates.").Produces<EmailStats>().Query(ApiDocs.Time("start_date", "From this time."), ApiDocs.Time("end_date", "Until this time."));
        group.MapGet("/user/{userId}", ForUserAsync).Doc("ListEmailLogsForUser", "A page of one user's email logs (self or admin).").Produces<EmailLogList>().Paged(ApiDocs.Cursor);
        group.MapGet("/event/{eventId}", ForEventAsync).Doc("ListEmailLogsForEvent", "A page of the email logs about one event.").Produces<EmailLogList>().Paged(ApiDocs.Cursor);
        group.MapGet("/{emailId}", GetAsync).Doc("GetEmailLog", "One email log with its attempts.").Produces<EmailLogResponse>();
        return api;
    }

    /// <summary>Admins see their business's alerts; operators (no business) see the app-wide ones.</summary>
    public static RouteGroupBuilder MapAlertsApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var group = api.MapGroup("/alerts").WithTags("Alerts").RequireAuthorization();
        group.MapGet("/", ListAlertsAsync).Doc("ListAlerts", "Each alert's state and the configured channels (admins: their business's; operators: the app-wide ones).").Produces<AlertList>();
        group.MapPost("/test", TestAlertAsync).Doc("TestAlert", "Sends a test alert to every channel and reports each answer.").Produces<AlertTestResponse>();
        group.MapGet("/{alertKey}", GetAlertAsync).Doc("GetAlert", "One alert with every delivery and attempt.").Produces<AlertDetail>();
        return api;
    }

    public static IEndpointRouteBuilder MapTracking(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/api/track/open/{token}", OpenAsync).ExcludeFromDescription();
        app.MapGet("/api/track/click/{token}", ClickAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, IEmailLogStore logs, CancellationToken ct)
    {
        var query = new Query(context.Request);
        var (skip, limit) = query.Page();
        var emailType = query.Text("email_type");
        var status = query.Enum<EmailStatus>("status");
        var recipient = query.Text("recipient_email");
        var eventId = query.Text("event_id");
        var (from, to) = (query.Date("start_date"), query.Date("end_date"));
        var errors = query.Errors.ToList();
        if (emailType is not null && !EmailTypes.All.Contains(emailType))
        {
            errors.Add(new("email_type", $"'{emailType}' is not one of: {string.Join(", ", EmailTypes.All)}."));
        }

        if (from is not null && to is not null && from >= to)
        {
            errors.Add(new("end_date", "Must be after start_date."));
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        var caller = context.Caller();
        return await PageAsync(context, logs, caller.BusinessId, new EmailLogQuery(emailType, status, recipient, eventId, Own(caller), from, to, skip, limit, query.Cursor()), ct);
    }

    private static async Task<IResult> ForUserAsync(HttpContext context, string userId, IEmailLogStore logs, CancellationToken ct)
    {
        var caller = context.Caller();
        if (userId != caller.UserId && !caller.IsAdmin)
        {
            return ApiProblems.Forbidden("Only an admin may read another user's email logs.");
        }

        var query = new Query(context.Request);
        var (skip, limit) = query.Page();
        if (query.Errors.Count > 0)
        {
            return ApiProblems.Invalid(query.Errors);
        }

        return await PageAsync(context, logs, caller.BusinessId, new EmailLogQuery(UserId: userId, Skip: skip, Limit: limit, Cursor: query.Cursor()), ct);
    }

    private static async Task<IResult> ForEventAsync(HttpContext context, string eventId, IEmailLogStore logs, CancellationToken ct)
    {
        var query = new Query(context.Request);
        var (skip, limit) = query.Page();
        if (query.Errors.Count > 0)
        {
            return ApiProblems.Invalid(query.Errors);
        }

        var caller = context.Caller();
        return await PageAsync(context, logs, caller.BusinessId, new EmailLogQuery(EventId: eventId, UserId: Own(caller), Skip: skip, Limit: limit, Cursor: query.Cursor()), ct);
    }

    private static async Task<IResult> GetAsync(HttpContext context, string emailId, IEmailLogStore logs, CancellationToken ct)
    {
        var caller = context.Caller();
        var found = await logs.GetVersionedAsync(caller.BusinessId, emailId, ct);
        return found is null || (!caller.IsAdmin && found.Value.UserId != caller.UserId)
            ? ApiProblems.NotFound("email log")
            : TypedResults.Ok(EmailLogResponse.From(found.Value));
    }

    private static async Task<IResult> StatsAsync(HttpContext context, IEmailLogStore logs, CancellationToken ct)
    {
        var query = new Query(context.Request);
        var (from, to) = (query.Date("start_date"), query.Date("end_date"));
        if (query.Errors.Count > 0)
        {
            return ApiProblems.Invalid(query.Errors);
        }

        var caller = context.Caller();
        var items = (await logs.QueryAsync(caller.BusinessId, new EmailLogQuery(UserId: Own(caller), From: from, To: to, Limit: int.MaxValue), ct)).Items;
        return TypedResults.Ok(EmailStats.From(items));
    }

    private static async Task<IResult> ListAlertsAsync(HttpContext context, IAlertStore alerts, AlertService service, CancellationToken ct)
    {
        if (AlertScope(context) is not { } scope)
        {
            return ApiProblems.Forbidden("Alerts are for business admins and operators.");
        }

        return TypedResults.Ok(new AlertList(await alerts.ListAsync(scope, ct), service.ChannelNames));
    }

    private static async Task<IResult> GetAlertAsync(HttpContext context, string alertKey, IAlertStore alerts, CancellationToken ct)
    {
        if (AlertScope(context) is not { } scope)
        {
            return ApiProblems.Forbidden("Alerts are for business admins and operators.");
        }

        var found = await alerts.GetVersionedAsync(scope, alertKey, ct);
        return found is null ? ApiProblems.NotFound("alert") : TypedResults.Ok(new AlertDetail(found.Value, await alerts.ListDeliveriesAsync(scope, alertKey, ct)));
    }

    /// <summary>Sends a test alert to every configured channel now and reports each channel's answer (seed 000's config tests).</summary>
    private static async Task<IResult> TestAlertAsync(HttpContext context, AlertService service, EmailDeliveryService emails, CancellationToken ct)
    {
        if (AlertScope(context) is not { } scope)
        {
            return ApiProblems.Forbidden("Alerts are for business admins and operators.");
        }

        if (service.ChannelNames.Count == 0)
        {
            return ApiProblems.Status(StatusCodes.Status422UnprocessableEntity, "No alert channels", "Configure Alerts:Recipients, Alerts:SlackToken and Alerts:SlackChannel (or Alerts:SlackWebhookUrl), or Alerts:WebhookUrl and Alerts:WebhookSecret.");
        }

        var results = await service.SendTestAsync(scope, emails, ct);
        return TypedResults.Ok(new AlertTestResponse(results, results.All(r => r.Ok)));
    }

    private static async Task<IResult> OpenAsync(string token, TrackingSettings tracking, EmailDeliveryService emails, CancellationToken ct)
    {
        if (Refuse(tracking, token, TrackingKind.Open, out var read) is { } problem)
        {
            return problem;
        }

        await emails.RecordEngagementAsync(read!.BusinessId, read.EmailId, TrackingKind.Open, ct);
        return Results.File(Pixel, "image/gif");
    }

    /// <summary>Redirects only to the URL inside the signed token; a token that does not verify redirects nowhere.</summary>
    private static async Task<IResult> ClickAsync(HttpContext context, string token, TrackingSettings tracking, EmailDeliveryService emails, CancellationToken ct)
    {
        if (Refuse(tracking, token, TrackingKind.Click, out var read) is { } problem)
        {
            return problem;
        }

        await emails.RecordEngagementAsync(read!.BusinessId, read.EmailId, TrackingKind.Click, ct);
        context.Response.Headers.CacheControl = "no-store";
        return Results.Redirect(read.Target!);
    }

    private static IResult? Refuse(TrackingSettings tracking, string token, TrackingKind kind, out TrackingToken? read)
    {
        read = null;
        if (tracking.Links is null)
        {
            return ApiProblems.Status(StatusCodes.Status404NotFound, "Not found", "Tracking is not configured.");
        }

        return tracking.Links.TryRead(token, kind, out read) switch
        {
            TrackingTokenError.Invalid => ApiProblems.Status(StatusCodes.Status400BadRequest, "Invalid tracking link", "This link was not issued by ClientMonitor or was changed; it leads nowhere."),
            TrackingTokenError.Expired => ApiProblems.Status(StatusCodes.Status404NotFound, "Expired tracking link", "This link has expired."),
            _ => null,
        };
    }

    private static string? Own(Caller caller) => caller.IsAdmin ? null : caller.UserId;

    private static async Task<IResult> PageAsync(HttpContext context, IEmailLogStore logs, string businessId, EmailLogQuery query, CancellationToken ct)
    {
        try
        {
            var page = await logs.QueryAsync(businessId, query, ct);
            return TypedResults.Ok(new EmailLogList(page.Items.Select(EmailLogResponse.From).ToList(), page.Total, query.Skip, query.Limit, Query.NextLink(context.Request, page.Next)));
        }
        catch (Core.Pipeline.InvalidCursorException ex)
        {
            return ApiProblems.Invalid("cursor", ex.Message);
        }
    }

    private static string? AlertScope(HttpContext context)
    {
        if (context.IsOperator())
        {
            return OperationalAlert.SystemBusinessId;
        }

        return context.IsTenantAdmin() ? context.Caller().BusinessId : null;
    }
}
