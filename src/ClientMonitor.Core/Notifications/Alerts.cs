using System.Globalization;
using ClientMonitor.Core.Pipeline;

namespace ClientMonitor.Core.Notifications;

/// <summary>Alert types of seed 000, as this product raises them.</summary>
public static class AlertTypes
{
    public const string PipelineSuccess = "pipeline_success";
    public const string PipelineFailure = "pipeline_failure";
    public const string HighErrorRate = "high_error_rate";
    public const string LowQuality = "low_quality";
    public const string ScheduleDeactivated = "schedule_deactivated";
    public const string ProviderCircuitOpen = "provider_circuit_open";
    public const string ReportSuccessRate = "report_success_rate";
    public const string Test = "test";
}

public static class AlertSeverity
{
    public const string Info = "info";
    public const string Warning = "warning";
    public const string Error = "error";
    public const string Critical = "critical";
}

/// <summary>
/// One occurrence of an operational condition. <c>Id</c> names the occurrence (raising the same id twice counts
/// once); the alert it folds into is named by type and subject (a schedule id, a provider name, or empty).
/// Businesses own their alerts; conditions of the whole app (a provider's circuit) use <see cref="SystemBusinessId"/>.
/// </summary>
public sealed record OperationalAlert(
    string Id,
    string BusinessId,
    string AlertType,
    string Severity,
    string Title,
    string Message,
    string? ScheduleId,
    string? JobRunId,
    DateTimeOffset RaisedAt,
    string? Subject = null)
{
    public const string SystemBusinessId = "_system";

    public string Key => AlertRecord.KeyFor(AlertType, ScheduleId ?? Subject);
}

public interface IAlertSink
{
    /// <summary>Counts the occurrence into its alert (throttled and deduplicated); false when its id was counted before.</summary>
    Task<bool> RaiseAsync(OperationalAlert alert, CancellationToken cancellationToken);

    /// <summary>The condition cleared: closes the open alert and, if operators were told of it, tells them it recovered.</summary>
    Task<bool> ResolveAsync(string businessId, string alertType, string? subject, string message, CancellationToken cancellationToken);
}

public enum AlertStatus
{
    Open,
    Resolved,
}

/// <summary>
/// The state of one alert (table <c>alerts</c>, PK business, RK <see cref="Key"/>): an episode runs from the first
/// occurrence while the condition holds until it is resolved. <c>Count</c> counts occurrences in the episode and
/// <c>DeliveredCount</c> how many of them operators have heard of; <c>NextDeliveryAt</c> is when the pending
/// delivery goes out. <c>Sequence</c> grows with every scheduled delivery or recovery, so that a queue message for an
/// older one is recognised and dropped. <c>RecentOccurrenceIds</c> makes raising idempotent.
/// </summary>
public sealed record AlertRecord(
    string Key,
    string BusinessId,
    string AlertType,
    string? Subject,
    string Severity,
    string Title,
    string Message,
    string? ScheduleId,
    string? JobRunId,
    AlertStatus Status,
    int Count,
    int DeliveredCount,
    int Sequence,
    DateTimeOffset FirstRaisedAt,
    DateTimeOffset LastRaisedAt,
    DateTimeOffset? LastDeliveredAt,
    DateTimeOffset? NextDeliveryAt,
    DateTimeOffset? ResolvedAt,
    IReadOnlyList<string> RecentOccurrenceIds)
{
    public static string KeyFor(string alertType, string? subject) => StableId.From("alert", alertType, subject ?? string.Empty);
}

public enum AlertDeliveryStatus
{
    Pending,
    Sent,
    Failed,

    /// <summary>A recovery that was overtaken by a new occurrence before it went out.</summary>
    Superseded,
}

/// <summary>
/// One message about an alert to one channel (table <c>alertdeliveries</c>): a snapshot of what to say, and every
/// attempt's outcome. <c>Kind</c> is <c>alert</c>, <c>recovery</c> or <c>test</c>; <c>Count</c> the occurrences this
/// message folds together; <c>SendingUntil</c> the lease of the worker sending it, so that two copies of its queue
/// message never send it twice at once.
/// </summary>
public sealed record AlertDelivery(
    string Id,
    string BusinessId,
    string AlertKey,
    int Sequence,
    string Channel,
    string Kind,
    string AlertType,
    string Severity,
    string Title,
    string Message,
    int Count,
    DateTimeOffset FirstRaisedAt,
    DateTimeOffset LastRaisedAt,
    string? ScheduleId,
    string? JobRunId,
    string? Subject,
    AlertDeliveryStatus Status,
    int Attempts,
    string? LastError,
    string? Detail,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? SendingUntil = null);

/// <summary>Tables <c>alerts</c> and <c>alertdeliveries</c>, both partitioned by business.</summary>
public interface IAlertStore : IVersionedStore<AlertRecord>
{
    Task<IReadOnlyList<AlertRecord>> ListAsync(string businessId, CancellationToken cancellationToken);

    /// <summary>Inserts the delivery unless its id exists; true when it was new.</summary>
    Task<bool> AddDeliveryIfAbsentAsync(AlertDelivery delivery, CancellationToken cancellationToken);

    Task<Versioned<AlertDelivery>?> GetDeliveryAsync(string businessId, string deliveryId, CancellationToken cancellationToken);

    Task<(WriteResult Result, string? ETag)> ReplaceDeliveryAsync(AlertDelivery delivery, string etag, CancellationToken cancellationToken);

    /// <summary>Newest first; <paramref name="alertKey"/> narrows to one alert.</summary>
    Task<IReadOnlyList<AlertDelivery>> ListDeliveriesAsync(string businessId, string? alertKey, CancellationToken cancellationToken);
}

/// <summary>The words and colours every channel uses for an alert delivery.</summary>
public static class AlertText
{
    public static string Subject(AlertDelivery d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return d.Kind switch
        {
            "recovery" => $"[ClientMonitor] Resolved: {d.Title}",
            "test" => "[ClientMonitor] Test alert",
            _ => $"[ClientMonitor] {d.Severity.ToUpperInvariant()}: {d.Title}" + (d.Count > 1 ? string.Create(CultureInfo.InvariantCulture, $" (x{d.Count})") : string.Empty),
        };
    }

    public static string Headline(AlertDelivery d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return d.Kind switch
        {
            "recovery" => $"Resolved: {d.Title}",
            "test" => "Test alert: this channel is configured and reachable.",
            _ => d.Count > 1 ? string.Create(CultureInfo.InvariantCulture, $"{d.Title} ({d.Count} times since {d.FirstRaisedAt:yyyy-MM-dd HH:mm} UTC)") : d.Title,
        };
    }

    /// <summary>Slack attachment colour and email accent: green for recoveries and tests, then by severity.</summary>
    public static string Colour(AlertDelivery d)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (d.Kind is "recovery" or "test")
        {
            return "#2eb886";
        }

        return d.Severity switch
        {
            AlertSeverity.Critical => "#8b0000",
            AlertSeverity.Error => "#d92d20",
            AlertSeverity.Warning => "#f79009",
            _ => "#1570ef",
        };
    }

    public static IReadOnlyList<(string Name, string Value)> Facts(AlertDelivery d)
    {
        ArgumentNullException.ThrowIfNull(d);
        var facts = new List<(string, string)>
        {
            ("Type", d.AlertType),
            ("Severity", d.Severity),
            ("Occurrences", d.Count.ToString(CultureInfo.InvariantCulture)),
            ("First", d.FirstRaisedAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)),
            ("Last", d.LastRaisedAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)),
        };
        if (d.BusinessId != OperationalAlert.SystemBusinessId)
        {
            facts.Add(("Business", d.BusinessId));
        }

        if (d.ScheduleId is not null)
        {
            facts.Add(("Schedule", d.ScheduleId));
        }

        if (d.JobRunId is not null)
        {
            facts.Add(("Job run", d.JobRunId));
        }

        if (d.Subject is not null && d.ScheduleId is null)
        {
            facts.Add(("Subject", d.Subject));
        }

        return facts;
    }
}
