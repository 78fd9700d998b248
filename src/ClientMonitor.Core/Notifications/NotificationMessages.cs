using System.Text.Json;
using ClientMonitor.Core.Pipeline;

namespace ClientMonitor.Core.Notifications;

/// <summary>A message of the <c>notifications</c> queue. <c>message</c> in the JSON says which kind it is.</summary>
public abstract record NotificationMessage
{
    public abstract string Message { get; }

    /// <summary>
    /// Reads a queue message; null when it is not one of ours. A message without <c>message</c> is an email request
    /// (the first version of the queue carried only those).
    /// </summary>
    public static NotificationMessage? Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var kind = document.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : EmailRequest.Kind;
        return kind switch
        {
            EmailRequest.Kind => document.RootElement.Deserialize<EmailRequest>(WireJson.Options),
            AlertDispatchRequest.Kind => document.RootElement.Deserialize<AlertDispatchRequest>(WireJson.Options),
            AlertChannelRequest.Kind => document.RootElement.Deserialize<AlertChannelRequest>(WireJson.Options),
            _ => null,
        };
    }
}

/// <summary>
/// An email to send. <c>EmailId</c> is the idempotency key: the sender sends each id at most once however often the
/// message arrives. <c>EmailType</c> is the seed's <c>email_type</c>; a digest carries its events, an alert email
/// the alert delivery it renders. <c>Attempt</c> is the retry this message is for: a copy older than the log's
/// <c>retry_count</c> has been superseded by a newer one.
/// </summary>
public sealed record EmailRequest(
    string EmailId,
    string EmailType,
    string BusinessId,
    string? UserId,
    string? EventId,
    string? JobRunId,
    int Attempt = 0,
    IReadOnlyList<string>? EventIds = null,
    string? AlertDeliveryId = null,
    DigestWindow? Digest = null) : NotificationMessage
{
    public const string Kind = "email";

    public override string Message => Kind;
}

/// <summary>A digest's period (<c>daily</c>, <c>weekly</c>, <c>on_demand</c>), its window, and how many events did not fit.</summary>
public sealed record DigestWindow(string Period, DateTimeOffset From, DateTimeOffset To, int More);

/// <summary>Time to deliver what an alert has gathered (its first occurrence after the group wait, or the end of a throttle window).</summary>
public sealed record AlertDispatchRequest(string BusinessId, string AlertKey, int Sequence) : NotificationMessage
{
    public const string Kind = "alert_dispatch";

    public override string Message => Kind;
}

/// <summary>One alert delivery to one channel (<c>slack</c>, <c>webhook</c>, <c>email</c>), retried with backoff.</summary>
public sealed record AlertChannelRequest(string BusinessId, string DeliveryId, string Channel, int Attempt = 0) : NotificationMessage
{
    public const string Kind = "alert_channel";

    public override string Message => Kind;
}

/// <summary>Puts messages on the <c>notifications</c> queue. A delay keeps the message invisible that long (retries, throttling, rate limits).</summary>
public interface INotificationOutbox
{
    Task EnqueueAsync(NotificationMessage message, TimeSpan delay, CancellationToken cancellationToken);
}
