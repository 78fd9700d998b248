using ClientMonitor.Core.Pipeline;

namespace ClientMonitor.Core.Notifications;

/// <summary>Section <c>Email</c>: retries, the sending lease, and the app's public address.</summary>
public sealed class EmailDeliveryOptions
{
    /// <summary>Retries after the first attempt before an email is given up as failed.</summary>
    public int MaxRetries { get; set; } = 5;

    /// <summary>How long a worker holds an email while it sends it; a copy of the message that comes meanwhile waits.</summary>
    public int LeaseSeconds { get; set; } = 120;

    /// <summary>Instant event emails one user gets an hour at most; past it, a catch-up digest follows (0: no limit).</summary>
    public int MaxInstantPerUserPerHour { get; set; } = 20;

    /// <summary>How long an email may keep being deferred by a provider's 429s before it is failed.</summary>
    public TimeSpan MaxThrottledAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Where mail readers reach the app: event links, the open pixel and click redirects start here. Unset: the app's
    /// own address (the Functions app's host name in Azure, the listening address locally).
    /// </summary>
    public string? PublicBaseUrl { get; set; }
}

/// <summary>What happened to one email request. <c>Status</c> is the log's status afterwards (<c>Pending</c> while a retry is queued).</summary>
public sealed record EmailOutcome(EmailStatus Status, string Detail);

/// <summary>
/// Sends one queued email, exactly as its log says, at most once. The log row is the idempotency record: a message
/// for an email that is no longer pending sends nothing; a copy older than the log's retry count is superseded; a
/// worker claims the email with an ETag-checked lease before it calls the provider, so two copies never send at the
/// same time. Rate limits and transient failures put the message back on the queue with a delay (rate limits do
/// not count as retries); after <see cref="EmailDeliveryOptions.MaxRetries"/> retries, or on a permanent refusal, the
/// log says failed (or bounced) with the reason.
/// </summary>
public sealed class EmailDeliveryService(
    IEmailLogStore logs,
    IEmailSender sender,
    ISendRateLimiter limiter,
    INotificationOutbox queue,
    ITenantStore tenants,
    IClientStore clients,
    IEventStore events,
    IAlertStore alerts,
    TrackingLinks? tracking,
    PublicAddress address,
    EmailDeliveryOptions options,
    TimeProvider time,
    Operations.IMonitoringTelemetry? telemetry = null)
{
    public async Task<EmailOutcome> DeliverAsync(EmailRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var stored = await logs.GetVersionedAsync(request.BusinessId, request.EmailId, cancellationToken).ConfigureAwait(false)
            ?? throw new UnprocessableMessageException($"Email {request.EmailId} of business {request.BusinessId} has no log row: nothing says what to send.");
        var log = stored.Value;
        if (log.Status != EmailStatus.Pending)
        {
            return new(log.Status, "already " + log.Status.ToString().ToLowerInvariant() + "; nothing sent");
        }

        if (request.Attempt < log.RetryCount)
        {
            return new(log.Status, "superseded by the message of a later retry");
        }

        var now = time.GetUtcNow();
        if (log.SendingUntil is { } until && until > now)
        {
            await queue.EnqueueAsync(request, until - now + TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            return new(log.Status, "being sent by another worker; checking again after its lease");
        }

        if (await limiter.TryAcquireAsync(sender.Name, cancellationToken).ConfigureAwait(false) is { } wait)
        {
            await queue.EnqueueAsync(request, wait, cancellationToken).ConfigureAwait(false);
            return new(log.Status, $"{sender.Name} sending limit reached; back on the queue for {wait.TotalSeconds:0} s");
        }

        var rendered = await RenderAsync(request, log, cancellationToken).ConfigureAwait(false);
        if (rendered is null)
        {
            var gone = log with { Status = EmailStatus.Failed, ErrorMessage = "What the email was about no longer exists (event, user or alert deleted).", UpdatedAt = now };
            await WriteAsync(gone, stored.ETag, cancellationToken).ConfigureAwait(false);
            return new(EmailStatus.Failed, gone.ErrorMessage!);
        }

        var claimed = log with { Subject = rendered.Subject, BodyPreview = Preview(rendered.Text), SendingUntil = now + TimeSpan.FromSeconds(options.LeaseSeconds), Provider = sender.Name, UpdatedAt = now };
        var (claim, etag) = await logs.ReplaceAsync(claimed, stored.ETag, cancellationToken).ConfigureAwait(false);
        if (claim != WriteResult.Done)
        {
            // Another copy got there first, or the row changed: look again shortly rather than guess.
            await queue.EnqueueAsync(request, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            return new(log.Status, "the log changed while claiming; checking again shortly");
        }

        var outgoing = new OutgoingEmail(log.Id, log.RecipientEmail, rendered.RecipientName, rendered.Subject, rendered.Html, rendered.Text);
        DeliveryResult result;
        try
        {
            result = await sender.SendAsync(outgoing, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            result = DeliveryResult.Retry($"{ex.GetType().Name}: {ex.Message}");
        }

        now = time.GetUtcNow();
        EmailLog final;
        switch (result.Outcome)
        {
            case DeliveryOutcome.Delivered:
                final = claimed with { Status = EmailStatus.Sent, SentAt = now, ProviderMessageId = result.ProviderMessageId, ErrorMessage = null, SendingUntil = null, UpdatedAt = now };
                break;
            case DeliveryOutcome.Rejected:
                final = claimed with { Status = result.Bounced ? EmailStatus.Bounced : EmailStatus.Failed, ErrorMessage = result.Error, SendingUntil = null, UpdatedAt = now };
                break;
            case DeliveryOutcome.RetryLater when result.Throttled && now - log.CreatedAt < options.MaxThrottledAge:
                // The provider's own rate limit: wait as it says, without using up a retry (bounded by the email's age).
                await queue.EnqueueAsync(request, result.RetryAfter is { } after && after > TimeSpan.Zero ? after : TimeSpan.FromMinutes(1), cancellationToken).ConfigureAwait(false);
                final = claimed with { ErrorMessage = result.Error, SendingUntil = null, UpdatedAt = now };
                break;
            default:
                var retry = log.RetryCount + 1;
                if (retry > options.MaxRetries)
                {
                    final = claimed with { Status = EmailStatus.Failed, RetryCount = log.RetryCount, ErrorMessage = $"Gave up after {retry} attempts: {result.Error}", SendingUntil = null, UpdatedAt = now };
                    break;
                }

                // The retry message goes first: a crash after it leaves a duplicate (harmless), never a lost email.
                await queue.EnqueueAsync(request with { Attempt = retry }, Backoff.ForAttempt(retry - 1, result.RetryAfter), cancellationToken).ConfigureAwait(false);
                final = claimed with { RetryCount = retry, ErrorMessage = result.Error, SendingUntil = null, UpdatedAt = now };
                break;
        }

        await WriteAsync(final, etag!, cancellationToken).ConfigureAwait(false);
        (telemetry ?? Operations.NoTelemetry.Instance).EmailHandled(sender.Name, log.EmailType, final.Status);
        return final.Status switch
        {
            EmailStatus.Sent => new(EmailStatus.Sent, $"sent by {sender.Name}" + (result.ProviderMessageId is null ? string.Empty : $" as {result.ProviderMessageId}")),
            EmailStatus.Pending when result.Throttled && final.RetryCount == log.RetryCount => new(EmailStatus.Pending, $"throttled by {sender.Name}; back on the queue: {result.Error}"),
            EmailStatus.Pending => new(EmailStatus.Pending, $"retry {final.RetryCount} queued: {result.Error}"),
            _ => new(final.Status, final.ErrorMessage ?? "failed"),
        };
    }

    /// <summary>Records the first open or click of an email; later ones change nothing. False when the log does not exist.</summary>
    public async Task<bool> RecordEngagementAsync(string businessId, string emailId, TrackingKind kind, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var stored = await logs.GetVersionedAsync(businessId, emailId, cancellationToken).ConfigureAwait(false);
            if (stored is null)
            {
                return false;
            }

            var now = time.GetUtcNow();
            var log = stored.Value;
            var updated = kind == TrackingKind.Open
                ? log.OpenedAt is null ? log with { OpenedAt = now } : null
                : log.ClickedAt is null ? log with { ClickedAt = now, OpenedAt = log.OpenedAt ?? now } : null;
            if (updated is null)
            {
                return true;
            }

            var (result, _) = await logs.ReplaceAsync(updated, stored.ETag, cancellationToken).ConfigureAwait(false);
            if (result == WriteResult.Done)
            {
                (telemetry ?? Operations.NoTelemetry.Instance).EmailEngaged(kind == TrackingKind.Open ? "open" : "click");
                return true;
            }

            if (result != WriteResult.Stale)
            {
                return false;
            }
        }

        return true;
    }

    private async Task WriteAsync(EmailLog log, string etag, CancellationToken cancellationToken)
    {
        // Only tracking (first open or click) writes a log meanwhile; keep what it recorded and apply the outcome.
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var (result, _) = await logs.ReplaceAsync(log, etag, cancellationToken).ConfigureAwait(false);
            if (result != WriteResult.Stale)
            {
                return;
            }

            var current = await logs.GetVersionedAsync(log.BusinessId, log.Id, cancellationToken).ConfigureAwait(false);
            if (current is null)
            {
                return;
            }

            log = log with { OpenedAt = current.Value.OpenedAt ?? log.OpenedAt, ClickedAt = current.Value.ClickedAt ?? log.ClickedAt };
            etag = current.ETag;
        }

        throw new InvalidOperationException($"Email log {log.Id} kept changing while its outcome was recorded.");
    }

    private sealed record Rendered(string Subject, string Html, string Text, string? RecipientName);

    private async Task<Rendered?> RenderAsync(EmailRequest request, EmailLog log, CancellationToken cancellationToken)
    {
        var pixel = tracking?.OpenPixelUrl(log.BusinessId, log.Id);
        var user = log.UserId is null ? null : await tenants.GetUserAsync(log.BusinessId, log.UserId, cancellationToken).ConfigureAwait(false);
        var name = user?.Name is { Length: > 0 } n ? n : log.RecipientEmail;
        RenderedEmail? email;
        switch (log.EmailType)
        {
            case EmailTypes.EventNotification:
                var view = log.EventId is null ? null : await ViewAsync(log, log.EventId, cancellationToken).ConfigureAwait(false);
                email = view is null || user is null ? null : EmailTemplates.EventNotification(view, name, pixel);
                break;
            case EmailTypes.Digest:
                var window = request.Digest ?? throw new UnprocessableMessageException($"Digest email {log.Id} came without its window.");
                var views = new List<EventView>();
                foreach (var id in request.EventIds ?? [])
                {
                    if (await ViewAsync(log, id, cancellationToken).ConfigureAwait(false) is { } v)
                    {
                        views.Add(v);
                    }
                }

                email = user is null || views.Count == 0 ? null : EmailTemplates.Digest(window.Period, window.From, window.To, views, window.More, name, pixel);
                break;
            case EmailTypes.Alert:
                var delivery = request.AlertDeliveryId is null ? null : await alerts.GetDeliveryAsync(log.BusinessId, request.AlertDeliveryId, cancellationToken).ConfigureAwait(false);
                email = delivery is null ? null : EmailTemplates.Alert(delivery.Value, pixel);
                break;
            default:
                throw new UnprocessableMessageException($"Email {log.Id} has type '{log.EmailType}', which this sender does not render.");
        }

        return email is null ? null : new Rendered(email.Subject, email.Html, email.Text, user?.Name);
    }

    private async Task<EventView?> ViewAsync(EmailLog log, string eventId, CancellationToken cancellationToken)
    {
        var e = await events.GetAsync(log.BusinessId, eventId, cancellationToken).ConfigureAwait(false);
        if (e is null)
        {
            return null;
        }

        var client = await clients.GetAsync(log.BusinessId, e.ClientId, cancellationToken).ConfigureAwait(false);
        // The dashboard's event page: a person's browser can open it (the API's own URL needs a bearer token).
        var eventUrl = $"{address.BaseUrl}/api/dashboard/#/events/{Uri.EscapeDataString(e.Id)}";
        string Link(string url) => tracking is null || !TrackingLinks.IsWebUrl(url) ? url : tracking.ClickUrl(log.BusinessId, log.Id, url);
        return new EventView(e, client?.Name ?? e.ClientId, Link(eventUrl), TrackingLinks.IsWebUrl(e.Url) ? Link(e.Url) : null);
    }

    private static string Preview(string text)
    {
        var flat = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length > 200 ? flat[..200] : flat;
    }
}
