namespace ClientMonitor.Core.Notifications;

/// <summary>
/// One email as handed to a provider. <c>Id</c> is the email log id: providers that can deduplicate use it (ACS's
/// <c>Operation-Id</c>, the file sink's file name, the SMTP <c>Message-ID</c>).
/// </summary>
public sealed record OutgoingEmail(string Id, string To, string? ToName, string Subject, string Html, string Text);

public enum DeliveryOutcome
{
    /// <summary>The provider accepted it.</summary>
    Delivered,

    /// <summary>Not now (429, 5xx, timeout, a sending limit): try again after <c>RetryAfter</c> or the backoff.</summary>
    RetryLater,

    /// <summary>Will never work as it is (bad recipient, rejected content, wrong credentials): do not retry.</summary>
    Rejected,
}

/// <summary>
/// What one delivery attempt gave. <c>Bounced</c> marks a recipient the provider refused outright; <c>Throttled</c> a
/// provider that said "too many requests" (429): the message waits and tries again without using up a retry.
/// </summary>
public sealed record DeliveryResult(DeliveryOutcome Outcome, string? ProviderMessageId = null, string? Error = null, TimeSpan? RetryAfter = null, bool Bounced = false, bool Throttled = false)
{
    public static DeliveryResult Delivered(string? providerMessageId) => new(DeliveryOutcome.Delivered, providerMessageId);

    public static DeliveryResult Retry(string error, TimeSpan? retryAfter = null) => new(DeliveryOutcome.RetryLater, Error: error, RetryAfter: retryAfter);

    public static DeliveryResult Throttle(string error, TimeSpan? retryAfter) => new(DeliveryOutcome.RetryLater, Error: error, RetryAfter: retryAfter, Throttled: true);

    public static DeliveryResult Reject(string error, bool bounced = false) => new(DeliveryOutcome.Rejected, Error: error, Bounced: bounced);
}

/// <summary>An email provider: ACS, SMTP or the development file sink. One attempt per call; retrying is the caller's job.</summary>
public interface IEmailSender
{
    /// <summary><c>acs</c>, <c>smtp</c> or <c>file</c>: stored as the log's <c>provider</c>.</summary>
    string Name { get; }

    Task<DeliveryResult> SendAsync(OutgoingEmail email, CancellationToken cancellationToken);
}

/// <summary>A provider's sending limits, shared by every worker.</summary>
public interface ISendRateLimiter
{
    /// <summary>Counts one send if the limits allow it now; otherwise returns how long to wait (the counter is not touched).</summary>
    Task<TimeSpan?> TryAcquireAsync(string sender, CancellationToken cancellationToken);
}

/// <summary>An alert channel other than email (Slack, a generic webhook). One attempt per call.</summary>
public interface IAlertChannel
{
    /// <summary><c>slack</c> or <c>webhook</c>.</summary>
    string Name { get; }

    Task<DeliveryResult> SendAsync(AlertDelivery delivery, CancellationToken cancellationToken);
}

/// <summary>Exponential backoff for queue retries: 30 s, 1 min, 2 min... capped at 30 min.</summary>
public static class Backoff
{
    public static TimeSpan ForAttempt(int attempt, TimeSpan? retryAfter = null)
    {
        var exponential = TimeSpan.FromSeconds(30 * Math.Pow(2, Math.Clamp(attempt, 0, 10)));
        var delay = retryAfter is { } r && r > exponential ? r : exponential;
        return delay > TimeSpan.FromMinutes(30) ? TimeSpan.FromMinutes(30) : delay;
    }
}
