using ClientMonitor.Core.Pipeline;
namespace ClientMonitor.Core.Notifications;

/// <summary>Seed <c>email_logs</c> statuses.</summary>
public enum EmailStatus
{
    Pending,
    Sent,
    Failed,
    Bounced,
}

/// <summary>Seed <c>email_type</c> values.</summary>
public static class EmailTypes
{
    public const string EventNotification = "event_notification";
    public const string Digest = "digest";
    public const string Alert = "alert";
    public const string System = "system";

    public static readonly IReadOnlyList<string> All = [EventNotification, Digest, Alert, System];
}

/// <summary>
/// An email as logged (every field of the seed's <c>email_logs</c>). Created <c>Pending</c> when the email is queued;
/// the sender moves it to <c>Sent</c>, <c>Failed</c> or <c>Bounced</c>. <c>UserId</c> is null for alert emails to
/// operators who are not users. <c>SendingUntil</c> is the lease of the worker sending it right now, so that two
/// copies of one queue message never send at the same time.
/// </summary>
public sealed record EmailLog(
    string Id,
    string BusinessId,
    string? UserId,
    string? EventId,
    string? JobRunId,
    string EmailType,
    string RecipientEmail,
    string Subject,
    string? BodyPreview,
    EmailStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? SentAt = null,
    string? ErrorMessage = null,
    int RetryCount = 0,
    string? Provider = null,
    string? ProviderMessageId = null,
    DateTimeOffset? OpenedAt = null,
    DateTimeOffset? ClickedAt = null,
    DateTimeOffset? SendingUntil = null,
    DateTimeOffset? UpdatedAt = null);

/// <summary>
/// Filters of <c>GET /email-logs</c>; all optional. Dates bound <c>CreatedAt</c>: inclusive start, exclusive end.
/// <c>Cursor</c> is a page's next cursor: the list goes on after it.
/// </summary>
public sealed record EmailLogQuery(
    string? EmailType = null,
    EmailStatus? Status = null,
    string? RecipientEmail = null,
    string? EventId = null,
    string? UserId = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    int Skip = 0,
    int Limit = 50,
    string? Cursor = null);

/// <summary>The seed's <c>/email-logs/stats/summary</c>. Rates are percentages with two decimals.</summary>
public sealed record EmailStats(
    int TotalEmails,
    int Sent,
    int Failed,
    int Pending,
    int Bounced,
    int Opened,
    int Clicked,
    double OpenRate,
    double ClickRate,
    double DeliveryRate,
    IReadOnlyDictionary<string, int> ByType)
{
    /// <summary>
    /// Open and click rates are out of the emails sent (an unsent email cannot be opened); the delivery rate is sent
    /// out of all emails, as in the seed's example (95 of 100 sent: 95.0; 70 of 95 opened: 73.68).
    /// </summary>
    public static EmailStats From(IEnumerable<EmailLog> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        var list = logs as IReadOnlyCollection<EmailLog> ?? logs.ToList();
        var sent = list.Count(l => l.Status == EmailStatus.Sent);
        var opened = list.Count(l => l.OpenedAt is not null);
        var clicked = list.Count(l => l.ClickedAt is not null);
        return new EmailStats(
            list.Count,
            sent,
            list.Count(l => l.Status == EmailStatus.Failed),
            list.Count(l => l.Status == EmailStatus.Pending),
            list.Count(l => l.Status == EmailStatus.Bounced),
            opened,
            clicked,
            Percent(opened, sent),
            Percent(clicked, sent),
            Percent(sent, list.Count),
            list.GroupBy(l => l.EmailType, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));
    }

    private static double Percent(int part, int whole) => whole == 0 ? 0 : Math.Round(100.0 * part / whole, 2);
}

/// <summary>Table <c>emaillogs</c>, partitioned by business: every read names the caller's business.</summary>
public interface IEmailLogStore : IVersionedStore<EmailLog>
{
    /// <summary>Creates the pending log unless its id exists; true when it was new.</summary>
    Task<bool> AddPendingIfAbsentAsync(EmailLog log, CancellationToken cancellationToken);

    /// <summary>Newest first; reads about one page of rows, whatever the history's size.</summary>
    Task<ListPage<EmailLog>> QueryAsync(string businessId, EmailLogQuery query, CancellationToken cancellationToken);
}
