using ClientMonitor.Core.Pipeline;

namespace ClientMonitor.Core.Notifications;

/// <summary>
/// Seed 000's alert settings (section <c>Alerts</c>): <c>Recipients</c> is ALERT_RECIPIENTS (comma-separated),
/// <c>ThrottleMinutes</c> ALERT_THROTTLE_MINUTES, <c>MaxErrorRate</c> MAX_ERROR_RATE, <c>MinQualifiedEvents</c>
/// MIN_QUALIFIED_LEADS (0 turns the low-quality alert off). <c>GroupWaitSeconds</c> is how long the first occurrence
/// waits for others to fold into the same message.
/// </summary>
public sealed class AlertOptions
{
    public const string Section = "Alerts";

    public string? Recipients { get; set; }

    public int ThrottleMinutes { get; set; } = 60;

    public int GroupWaitSeconds { get; set; } = 60;

    public double MaxErrorRate { get; set; } = 0.2;

    public int MinQualifiedEvents { get; set; }

    public bool NotifyOnSuccess { get; set; }

    public int MaxDeliveryAttempts { get; set; } = 5;

    public IReadOnlyList<string> RecipientList => (Recipients ?? string.Empty)
        .Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Distinct(StringComparer.OrdinalIgnoreCase)
        .ToList();
}

/// <summary>What one channel said to a test alert.</summary>
public sealed record ChannelTestResult(string Channel, bool Ok, string Detail);

/// <summary>
/// Throttled, deduplicated operational alerts. An occurrence folds into its alert (type + subject). The first one
/// of an episode schedules a delivery after the group wait; occurrences until then ride along, so a storm becomes one
/// message with a count. After a delivery, further occurrences wait for the end of the throttle window and go out
/// as one more message with their count. Resolving the condition sends one recovery message if operators were told.
/// Each delivery is one row and one queue message per channel, retried with backoff.
/// </summary>
public sealed class AlertService(
    IAlertStore store,
    INotificationOutbox queue,
    IEmailLogStore emailLogs,
    IEnumerable<IAlertChannel> channels,
    AlertOptions options,
    TimeProvider time,
    Operations.IMonitoringTelemetry? telemetry = null) : IAlertSink
{
    /// <summary>How many recent occurrence ids an alert remembers, so that a redelivered cause is not counted twice.</summary>
    private const int RecentIdsKept = 200;
    private static readonly string[] EmailChannel = ["email"];
    private static readonly TimeSpan DeliveryLease = TimeSpan.FromMinutes(2);
    private readonly IReadOnlyList<IAlertChannel> _channels = channels.ToList();

    private TimeSpan GroupWait => TimeSpan.FromSeconds(Math.Max(0, options.GroupWaitSeconds));

    private TimeSpan Throttle => TimeSpan.FromMinutes(Math.Max(0, options.ThrottleMinutes));

    /// <summary>Every configured channel: <c>email</c> when there are recipients, then Slack and webhooks when set.</summary>
    public IReadOnlyList<string> ChannelNames => (options.RecipientList.Count > 0 ? EmailChannel : []).Concat(_channels.Select(c => c.Name)).ToList();

    public async Task<bool> RaiseAsync(OperationalAlert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var key = alert.Key;
        while (true)
        {
            var now = time.GetUtcNow();
            var current = await store.GetVersionedAsync(alert.BusinessId, key, cancellationToken).ConfigureAwait(false);
            if (current is null)
            {
                var created = new AlertRecord(
                    key, alert.BusinessId, alert.AlertType, alert.ScheduleId ?? alert.Subject, alert.Severity, alert.Title, alert.Message, alert.ScheduleId, alert.JobRunId,
                    AlertStatus.Open, 1, 0, 1, now, now, null, now + GroupWait, null, [alert.Id]);
                await ScheduleDispatchAsync(created, now, cancellationToken).ConfigureAwait(false);
                var (result, _) = await store.CreateAsync(created, cancellationToken).ConfigureAwait(false);
                if (result == WriteResult.Done)
                {
                    return true;
                }

                continue;
            }

            var r = current.Value;
            if (r.RecentOccurrenceIds.Contains(alert.Id, StringComparer.Ordinal))
            {
                return false;
            }

            var recent = r.RecentOccurrenceIds.Append(alert.Id).TakeLast(RecentIdsKept).ToList();
            AlertRecord updated;
            if (r.Status == AlertStatus.Resolved)
            {
                updated = r with
                {
                    Status = AlertStatus.Open, Severity = alert.Severity, Title = alert.Title, Message = alert.Message, JobRunId = alert.JobRunId, Count = 1, DeliveredCount = 0,
                    Sequence = r.Sequence + 1, FirstRaisedAt = now, LastRaisedAt = now, NextDeliveryAt = now + GroupWait, ResolvedAt = null, RecentOccurrenceIds = recent,
                };
            }
            else
            {
                updated = r with { Severity = alert.Severity, Title = alert.Title, Message = alert.Message, JobRunId = alert.JobRunId, Count = r.Count + 1, LastRaisedAt = now, RecentOccurrenceIds = recent };
                if (r.NextDeliveryAt is null || r.NextDeliveryAt < now - TimeSpan.FromMinutes(10))
                {
                    // Nothing pending (or its message was lost): the next delivery is at the end of the throttle window.
                    var next = r.LastDeliveredAt is { } last && last + Throttle > now + GroupWait ? last + Throttle : now + GroupWait;
                    updated = updated with { Sequence = r.Sequence + 1, NextDeliveryAt = next };
                }
            }

            if (updated.Sequence != r.Sequence)
            {
                // The message goes first: a crash before the write leaves a message that finds no matching sequence
                // and is dropped, never a scheduled delivery without a message.
                await ScheduleDispatchAsync(updated, now, cancellationToken).ConfigureAwait(false);
            }

            var (written, _) = await store.ReplaceAsync(updated, current.ETag, cancellationToken).ConfigureAwait(false);
            if (written == WriteResult.Done)
            {
                return true;
            }
        }
    }

    public async Task<bool> ResolveAsync(string businessId, string alertType, string? subject, string message, CancellationToken cancellationToken)
    {
        var key = AlertRecord.KeyFor(alertType, subject);
        while (true)
        {
            var current = await store.GetVersionedAsync(businessId, key, cancellationToken).ConfigureAwait(false);
            if (current is null || current.Value.Status == AlertStatus.Resolved)
            {
                return false;
            }

            var now = time.GetUtcNow();
            var r = current.Value;
            var resolved = r with { Status = AlertStatus.Resolved, ResolvedAt = now, NextDeliveryAt = null, Sequence = r.Sequence + 1 };
            if (r.DeliveredCount > 0)
            {
                // Recovery rows check the alert when they are sent: one overtaken by a new occurrence is not sent.
                await CreateDeliveriesAsync(resolved with { Message = message }, "recovery", r.Count, now, cancellationToken).ConfigureAwait(false);
            }

            var (written, _) = await store.ReplaceAsync(resolved, current.ETag, cancellationToken).ConfigureAwait(false);
            if (written == WriteResult.Done)
            {
                return true;
            }
        }
    }

    /// <summary>An <see cref="AlertDispatchRequest"/>: sends what the alert has gathered, if the message is still the current one.</summary>
    public async Task<string> DispatchAsync(AlertDispatchRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        while (true)
        {
            var current = await store.GetVersionedAsync(request.BusinessId, request.AlertKey, cancellationToken).ConfigureAwait(false);
            if (current is null)
            {
                return "unknown alert";
            }

            var r = current.Value;
            if (r.Sequence != request.Sequence || r.NextDeliveryAt is not { } due || r.Status != AlertStatus.Open)
            {
                return "superseded";
            }

            var now = time.GetUtcNow();
            if (due > now)
            {
                await queue.EnqueueAsync(request, due - now, cancellationToken).ConfigureAwait(false);
                return "not yet due";
            }

            var folded = r.Count - r.DeliveredCount;
            await CreateDeliveriesAsync(r, "alert", folded, now, cancellationToken).ConfigureAwait(false);
            var delivered = r with { DeliveredCount = r.Count, LastDeliveredAt = now, NextDeliveryAt = null };
            var (written, _) = await store.ReplaceAsync(delivered, current.ETag, cancellationToken).ConfigureAwait(false);
            if (written == WriteResult.Done)
            {
                return $"sent to {ChannelNames.Count} channel(s)";
            }

            // An occurrence came in meanwhile: the deliveries exist (by id), so the next pass only records them.
        }
    }

    /// <summary>An <see cref="AlertChannelRequest"/>: one attempt at one channel, retried through the queue with backoff.</summary>
    public async Task<string> DeliverAsync(AlertChannelRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var stored = await store.GetDeliveryAsync(request.BusinessId, request.DeliveryId, cancellationToken).ConfigureAwait(false)
            ?? throw new UnprocessableMessageException($"Alert delivery {request.DeliveryId} of business {request.BusinessId} does not exist.");
        var d = stored.Value;
        if (d.Status != AlertDeliveryStatus.Pending)
        {
            return "already " + d.Status.ToString().ToLowerInvariant();
        }

        if (request.Attempt < d.Attempts)
        {
            return "superseded by a later attempt";
        }

        var now = time.GetUtcNow();
        if (d.Kind == "recovery")
        {
            var alert = await store.GetVersionedAsync(d.BusinessId, d.AlertKey, cancellationToken).ConfigureAwait(false);
            if (alert is null || alert.Value.Status != AlertStatus.Resolved || alert.Value.Sequence != d.Sequence)
            {
                await store.ReplaceDeliveryAsync(d with { Status = AlertDeliveryStatus.Superseded, Detail = "The alert was raised again before the recovery went out." }, stored.ETag, cancellationToken).ConfigureAwait(false);
                return "superseded";
            }
        }

        if (d.SendingUntil is { } until && until > now)
        {
            await queue.EnqueueAsync(request, until - now + TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            return "being sent by another worker; checking again after its lease";
        }

        var claimed = d with { SendingUntil = now + DeliveryLease };
        var (claim, etag) = await store.ReplaceDeliveryAsync(claimed, stored.ETag, cancellationToken).ConfigureAwait(false);
        if (claim != WriteResult.Done)
        {
            await queue.EnqueueAsync(request, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            return "the delivery changed while claiming; checking again shortly";
        }

        DeliveryResult result;
        if (d.Channel == "email")
        {
            result = await QueueAlertEmailsAsync(d, now, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var channel = _channels.FirstOrDefault(c => c.Name == d.Channel);
            result = channel is null
                ? DeliveryResult.Reject($"The {d.Channel} channel is no longer configured.")
                : await SendSafelyAsync(channel, d, cancellationToken).ConfigureAwait(false);
        }

        var attempts = d.Attempts + 1;
        var next = result.Outcome switch
        {
            DeliveryOutcome.Delivered => d with { Status = AlertDeliveryStatus.Sent, Attempts = attempts, DeliveredAt = now, LastError = null, Detail = result.ProviderMessageId ?? d.Detail },
            DeliveryOutcome.RetryLater when (result.Throttled && now - d.CreatedAt < TimeSpan.FromHours(24)) || attempts < options.MaxDeliveryAttempts => d with { Attempts = attempts, LastError = result.Error },
            _ => d with { Status = AlertDeliveryStatus.Failed, Attempts = attempts, LastError = result.Error },
        };
        if (next.Status == AlertDeliveryStatus.Pending)
        {
            // The retry message goes first: a crash after it leaves a superseded copy, never a lost delivery.
            await queue.EnqueueAsync(request with { Attempt = attempts }, Backoff.ForAttempt(attempts - 1, result.RetryAfter), cancellationToken).ConfigureAwait(false);
        }

        // Only this worker writes the delivery while it holds the lease.
        await store.ReplaceDeliveryAsync(next with { SendingUntil = null }, etag!, cancellationToken).ConfigureAwait(false);
        (telemetry ?? Operations.NoTelemetry.Instance).AlertDelivered(d.Channel, d.Kind, next.Status == AlertDeliveryStatus.Pending ? "retrying" : next.Status.ToString().ToLowerInvariant());
        return next.Status == AlertDeliveryStatus.Pending ? $"retrying: {result.Error}" : next.Status.ToString().ToLowerInvariant();
    }

    /// <summary>
    /// Sends a test alert to every configured channel now (not through the queue) and reports each answer; the
    /// deliveries are recorded like any other.
    /// </summary>
    public async Task<IReadOnlyList<ChannelTestResult>> SendTestAsync(string businessId, EmailDeliveryService emails, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(emails);
        var now = time.GetUtcNow();
        var testKey = AlertRecord.KeyFor(AlertTypes.Test, now.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var record = new AlertRecord(
            testKey, businessId, AlertTypes.Test, null, AlertSeverity.Info, "Test alert", "A test alert sent from POST /api/v1/alerts/test.", null, null,
            AlertStatus.Resolved, 1, 1, 1, now, now, now, null, now, []);
        var results = new List<ChannelTestResult>();
        foreach (var delivery in Deliveries(record, "test", 1, now))
        {
            await store.AddDeliveryIfAbsentAsync(delivery, cancellationToken).ConfigureAwait(false);
            if (delivery.Channel == "email")
            {
                var sent = 0;
                var errors = new List<string>();
                foreach (var (log, request) in AlertEmails(delivery, now))
                {
                    await emailLogs.AddPendingIfAbsentAsync(log, cancellationToken).ConfigureAwait(false);
                    var outcome = await emails.DeliverAsync(request, cancellationToken).ConfigureAwait(false);
                    if (outcome.Status == EmailStatus.Sent)
                    {
                        sent++;
                    }
                    else
                    {
                        errors.Add($"{log.RecipientEmail}: {outcome.Detail}");
                    }
                }

                var ok = errors.Count == 0;
                var detail = ok ? $"sent to {sent} recipient(s)" : string.Join("; ", errors);
                await RecordTestAsync(delivery, ok, detail, now, cancellationToken).ConfigureAwait(false);
                results.Add(new ChannelTestResult("email", ok, detail));
                continue;
            }

            var channel = _channels.First(c => c.Name == delivery.Channel);
            var result = await SendSafelyAsync(channel, delivery, cancellationToken).ConfigureAwait(false);
            var delivered = result.Outcome == DeliveryOutcome.Delivered;
            var text = delivered ? "delivered" + (result.ProviderMessageId is null ? string.Empty : $" ({result.ProviderMessageId})") : result.Error ?? "failed";
            await RecordTestAsync(delivery, delivered, text, now, cancellationToken).ConfigureAwait(false);
            results.Add(new ChannelTestResult(delivery.Channel, delivered, text));
        }

        return results;
    }

    private async Task RecordTestAsync(AlertDelivery delivery, bool ok, string detail, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var stored = await store.GetDeliveryAsync(delivery.BusinessId, delivery.Id, cancellationToken).ConfigureAwait(false);
        if (stored is not null)
        {
            await store.ReplaceDeliveryAsync(
                delivery with { Status = ok ? AlertDeliveryStatus.Sent : AlertDeliveryStatus.Failed, Attempts = 1, Detail = ok ? detail : null, LastError = ok ? null : detail, DeliveredAt = ok ? now : null },
                stored.ETag,
                cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<DeliveryResult> SendSafelyAsync(IAlertChannel channel, AlertDelivery delivery, CancellationToken cancellationToken)
    {
        try
        {
            return await channel.SendAsync(delivery, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return DeliveryResult.Retry($"{channel.Name}: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private async Task ScheduleDispatchAsync(AlertRecord record, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var delay = record.NextDeliveryAt is { } due && due > now ? due - now : TimeSpan.Zero;
        await queue.EnqueueAsync(new AlertDispatchRequest(record.BusinessId, record.Key, record.Sequence), delay, cancellationToken).ConfigureAwait(false);
    }

    private async Task CreateDeliveriesAsync(AlertRecord record, string kind, int count, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var delivery in Deliveries(record, kind, count, now))
        {
            await store.AddDeliveryIfAbsentAsync(delivery, cancellationToken).ConfigureAwait(false);
            await queue.EnqueueAsync(new AlertChannelRequest(delivery.BusinessId, delivery.Id, delivery.Channel), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }
    }

    private IEnumerable<AlertDelivery> Deliveries(AlertRecord r, string kind, int count, DateTimeOffset now)
        => ChannelNames.Select(channel => new AlertDelivery(
            StableId.From("alert-delivery", r.BusinessId, r.Key, r.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), kind, channel),
            r.BusinessId, r.Key, r.Sequence, channel, kind, r.AlertType, r.Severity, r.Title, r.Message, count, r.FirstRaisedAt, r.LastRaisedAt,
            r.ScheduleId, r.JobRunId, r.Subject, AlertDeliveryStatus.Pending, 0, null, null, now, null));

    /// <summary>Alert emails go through the email queue like any other (logs, rate limits, retries): one per recipient.</summary>
    private async Task<DeliveryResult> QueueAlertEmailsAsync(AlertDelivery delivery, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var emails = AlertEmails(delivery, now).ToList();
        foreach (var (log, request) in emails)
        {
            await emailLogs.AddPendingIfAbsentAsync(log, cancellationToken).ConfigureAwait(false);
            await queue.EnqueueAsync(request, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }

        return emails.Count == 0
            ? DeliveryResult.Reject("No alert recipients are configured (Alerts:Recipients).")
            : DeliveryResult.Delivered($"queued to {emails.Count} recipient(s); see email-logs");
    }

    private IEnumerable<(EmailLog Log, EmailRequest Request)> AlertEmails(AlertDelivery delivery, DateTimeOffset now)
    {
        var subject = AlertText.Subject(delivery);
        foreach (var recipient in options.RecipientList)
        {
            var id = StableId.From("email", EmailTypes.Alert, delivery.Id, recipient.ToLowerInvariant());
            yield return (
                new EmailLog(id, delivery.BusinessId, null, null, delivery.JobRunId, EmailTypes.Alert, recipient, subject, delivery.Message.Length > 200 ? delivery.Message[..200] : delivery.Message, EmailStatus.Pending, now),
                new EmailRequest(id, EmailTypes.Alert, delivery.BusinessId, null, null, delivery.JobRunId, AlertDeliveryId: delivery.Id));
        }
    }
}
