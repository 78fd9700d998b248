using ClientMonitor.Core;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Infrastructure.Pipeline;
using Azure.Data.Tables;
using ClientMonitor.Infrastructure.Storage;

namespace ClientMonitor.Infrastructure.Notifications;

/// <summary>
/// <c>emaillogs</c>: PK business, RK email id, one typed column per seed field (the list filters run in the
/// service). <c>alerts</c>: PK business (or <c>_system</c>), RK alert key, the state as JSON. <c>alertdeliveries</c>:
/// PK business, RK delivery id, the snapshot as JSON plus the alert key. <c>digeststate</c>: PK business, RK user.
/// </summary>
public sealed class NotificationTables(TableServiceClient tables) : IEmailLogStore, IAlertStore, IDigestStateStore
{
    public const string EmailLogsTable = "emaillogs";
    public const string AlertsTable = "alerts";
    public const string AlertDeliveriesTable = "alertdeliveries";
    public const string DigestStateTable = "digeststate";

    private readonly TableClient _emails = tables.GetTableClient(EmailLogsTable);
    private readonly TableClient _deliveries = tables.GetTableClient(AlertDeliveriesTable);

    private readonly VersionedTable<DigestState, JsonRowEntity> _digests = new(
        tables.GetTableClient(DigestStateTable),
        d => new JsonRowEntity { PartitionKey = d.BusinessId, RowKey = d.UserId, Json = WireJson.Serialize(d) },
        e => WireJson.Deserialize<DigestState>(e.Json)!);

    private readonly VersionedTable<EmailLog, EmailLogEntity> _versionedEmails = new(tables.GetTableClient(EmailLogsTable), EmailLogEntity.From, e => e.ToLog(), EmailLogEntity.ListRows);

    private readonly VersionedTable<AlertRecord, JsonRowEntity> _alerts = new(
        tables.GetTableClient(AlertsTable),
        a => new JsonRowEntity { PartitionKey = a.BusinessId, RowKey = a.Key, Json = WireJson.Serialize(a) },
        e => WireJson.Deserialize<AlertRecord>(e.Json)!);

    private readonly VersionedTable<AlertDelivery, DeliveryEntity> _versionedDeliveries = new(
        tables.GetTableClient(AlertDeliveriesTable), DeliveryEntity.From, e => WireJson.Deserialize<AlertDelivery>(e.Json)!);

    // Email logs.
    public async Task<bool> AddPendingIfAbsentAsync(EmailLog log, CancellationToken cancellationToken)
        => (await _versionedEmails.CreateAsync(log, cancellationToken).ConfigureAwait(false)).Result == WriteResult.Done;

    /// <summary>
    /// Reads the narrowest list that holds every match (the event's, else the user's, else the business's) from the
    /// cursor or <c>To</c> down to <c>From</c>, the other filters applied by the service, one row past the page.
    /// </summary>
    public async Task<ListPage<EmailLog>> QueryAsync(string businessId, EmailLogQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var list = query.EventId is { } forEvent ? EmailLogEntity.EventList(forEvent) : query.UserId is { } forUser ? EmailLogEntity.UserList(forUser) : EmailLogEntity.BusinessList;
        var filter = TablePages.NewestFirstFilter(businessId, list, query.From, query.To, query.Cursor);
        if (query.EmailType is not null)
        {
            filter += TableClient.CreateQueryFilter($" and EmailType eq {query.EmailType}");
        }

        if (query.Status is { } status)
        {
            filter += TableClient.CreateQueryFilter($" and Status eq {status.ToString()}");
        }

        if (query.RecipientEmail is not null)
        {
            filter += TableClient.CreateQueryFilter($" and RecipientKey eq {query.RecipientEmail.ToLowerInvariant()}");
        }

        if (query.EventId is not null)
        {
            filter += TableClient.CreateQueryFilter($" and EventId eq {query.EventId}");
        }

        if (query.UserId is not null)
        {
            filter += TableClient.CreateQueryFilter($" and UserId eq {query.UserId}");
        }

        return await _emails.ReadListPageAsync<EmailLogEntity, EmailLog>(filter, query.Skip, query.Limit, query.Cursor is not null, r => r.ToLog(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Gives email logs stored before lists had them their list rows (an upgrade step, <c>migrate-lists</c>);
    /// returns how many. A log changed meanwhile keeps its change and gets its rows with that write.
    /// </summary>
    public Task<int> AddMissingListRowsAsync(CancellationToken cancellationToken)
        => _versionedEmails.AddMissingListRowsAsync(row => row.EmailId is null, cancellationToken);

    Task<Versioned<EmailLog>?> IVersionedStore<EmailLog>.GetVersionedAsync(string businessId, string id, CancellationToken cancellationToken) => _versionedEmails.GetVersionedAsync(businessId, id, cancellationToken);

    Task<(WriteResult Result, string? ETag)> IVersionedStore<EmailLog>.CreateAsync(EmailLog value, CancellationToken cancellationToken) => _versionedEmails.CreateAsync(value, cancellationToken);

    Task<(WriteResult Result, string? ETag)> IVersionedStore<EmailLog>.ReplaceAsync(EmailLog value, string etag, CancellationToken cancellationToken) => _versionedEmails.ReplaceAsync(value, etag, cancellationToken);

    Task<WriteResult> IVersionedStore<EmailLog>.DeleteAsync(string businessId, string id, string? etag, CancellationToken cancellationToken) => _versionedEmails.DeleteAsync(businessId, id, etag, cancellationToken);

    // Alerts.
    Task<Versioned<AlertRecord>?> IVersionedStore<AlertRecord>.GetVersionedAsync(string businessId, string id, CancellationToken cancellationToken) => _alerts.GetVersionedAsync(businessId, id, cancellationToken);

    Task<(WriteResult Result, string? ETag)> IVersionedStore<AlertRecord>.CreateAsync(AlertRecord value, CancellationToken cancellationToken) => _alerts.CreateAsync(value, cancellationToken);

    Task<(WriteResult Result, string? ETag)> IVersionedStore<AlertRecord>.ReplaceAsync(AlertRecord value, string etag, CancellationToken cancellationToken) => _alerts.ReplaceAsync(value, etag, cancellationToken);

    Task<WriteResult> IVersionedStore<AlertRecord>.DeleteAsync(string businessId, string id, string? etag, CancellationToken cancellationToken) => _alerts.DeleteAsync(businessId, id, etag, cancellationToken);

    public async Task<IReadOnlyList<AlertRecord>> ListAsync(string businessId, CancellationToken cancellationToken)
        => (await _alerts.ListAsync(businessId, cancellationToken).ConfigureAwait(false)).Select(v => v.Value).OrderByDescending(a => a.LastRaisedAt).ToList();

    public async Task<bool> AddDeliveryIfAbsentAsync(AlertDelivery delivery, CancellationToken cancellationToken)
        => (await _versionedDeliveries.CreateAsync(delivery, cancellationToken).ConfigureAwait(false)).Result == WriteResult.Done;

    public Task<Versioned<AlertDelivery>?> GetDeliveryAsync(string businessId, string deliveryId, CancellationToken cancellationToken)
        => _versionedDeliveries.GetVersionedAsync(businessId, deliveryId, cancellationToken);

    public Task<(WriteResult Result, string? ETag)> ReplaceDeliveryAsync(AlertDelivery delivery, string etag, CancellationToken cancellationToken)
        => _versionedDeliveries.ReplaceAsync(delivery, etag, cancellationToken);

    public async Task<IReadOnlyList<AlertDelivery>> ListDeliveriesAsync(string businessId, string? alertKey, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {businessId}");
        if (alertKey is not null)
        {
            filter += TableClient.CreateQueryFilter($" and AlertKey eq {alertKey}");
        }

        return (await _deliveries.ListAsync<DeliveryEntity>(filter, cancellationToken).ConfigureAwait(false))
            .Select(e => WireJson.Deserialize<AlertDelivery>(e.Json)!)
            .OrderByDescending(d => d.CreatedAt)
            .ThenBy(d => d.Channel, StringComparer.Ordinal)
            .ToList();
    }

    // Digest state.
    Task<Versioned<DigestState>?> IVersionedStore<DigestState>.GetVersionedAsync(string businessId, string id, CancellationToken cancellationToken) => _digests.GetVersionedAsync(businessId, id, cancellationToken);

    Task<(WriteResult Result, string? ETag)> IVersionedStore<DigestState>.CreateAsync(DigestState value, CancellationToken cancellationToken) => _digests.CreateAsync(value, cancellationToken);

    Task<(WriteResult Result, string? ETag)> IVersionedStore<DigestState>.ReplaceAsync(DigestState value, string etag, CancellationToken cancellationToken) => _digests.ReplaceAsync(value, etag, cancellationToken);

    Task<WriteResult> IVersionedStore<DigestState>.DeleteAsync(string businessId, string id, string? etag, CancellationToken cancellationToken) => _digests.DeleteAsync(businessId, id, etag, cancellationToken);

    private sealed class DeliveryEntity : TableRow
    {
        public string AlertKey { get; set; } = string.Empty;
        public string Json { get; set; } = "{}";

        public static DeliveryEntity From(AlertDelivery d) => new() { PartitionKey = d.BusinessId, RowKey = d.Id, AlertKey = d.AlertKey, Json = WireJson.Serialize(d) };
    }

    /// <summary>
    /// <c>RecipientKey</c> is the lower-cased address, so the recipient filter ignores case. The log's own row
    /// (RowKey = id) has list rows beside it, the same columns keyed newest first: the business's, the user's and
    /// the event's (users and events by a fixed-length hash of their id, so no range holds another's rows).
    /// </summary>
    private sealed class EmailLogEntity : TableRow
    {
        public const string BusinessList = VersionedTable<EmailLog, EmailLogEntity>.ListRowPrefix + "t_";

        public static string UserList(string userId) => VersionedTable<EmailLog, EmailLogEntity>.ListRowPrefix + "u_" + StableId.From(userId) + "_";

        public static string EventList(string eventId) => VersionedTable<EmailLog, EmailLogEntity>.ListRowPrefix + "e_" + StableId.From(eventId) + "_";

        public static IEnumerable<EmailLogEntity> ListRows(EmailLogEntity own)
        {
            var order = TablePages.Inverted(own.CreatedAt) + "_" + own.RowKey;
            yield return own.Copy(BusinessList + order);
            if (own.UserId is { } user)
            {
                yield return own.Copy(UserList(user) + order);
            }

            if (own.EventId is { } forEvent)
            {
                yield return own.Copy(EventList(forEvent) + order);
            }
        }

        public string? EmailId { get; set; }
        public string? UserId { get; set; }
        public string? EventId { get; set; }
        public string? JobRunId { get; set; }
        public string EmailType { get; set; } = string.Empty;
        public string RecipientEmail { get; set; } = string.Empty;
        public string RecipientKey { get; set; } = string.Empty;
        public string Subject { get; set; } = string.Empty;
        public string? BodyPreview { get; set; }
        public EmailStatus Status { get; set; }
        public DateTimeOffset CreatedAt { get; set; }
        public DateTimeOffset? SentAt { get; set; }
        public string? ErrorMessage { get; set; }
        public int RetryCount { get; set; }
        public string? Provider { get; set; }
        public string? ProviderMessageId { get; set; }
        public DateTimeOffset? OpenedAt { get; set; }
        public DateTimeOffset? ClickedAt { get; set; }
        public DateTimeOffset? SendingUntil { get; set; }
        public DateTimeOffset? UpdatedAt { get; set; }

        public static EmailLogEntity From(EmailLog l) => new()
        {
            PartitionKey = l.BusinessId,
            RowKey = l.Id,
            EmailId = l.Id,
            UserId = l.UserId,
            EventId = l.EventId,
            JobRunId = l.JobRunId,
            EmailType = l.EmailType,
            RecipientEmail = l.RecipientEmail,
            RecipientKey = l.RecipientEmail.ToLowerInvariant(),
            Subject = l.Subject,
            BodyPreview = l.BodyPreview,
            Status = l.Status,
            CreatedAt = l.CreatedAt,
            SentAt = l.SentAt,
            ErrorMessage = l.ErrorMessage is { Length: > 4000 } e ? e[..4000] : l.ErrorMessage,
            RetryCount = l.RetryCount,
            Provider = l.Provider,
            ProviderMessageId = l.ProviderMessageId,
            OpenedAt = l.OpenedAt,
            ClickedAt = l.ClickedAt,
            SendingUntil = l.SendingUntil,
            UpdatedAt = l.UpdatedAt,
        };

        private EmailLogEntity Copy(string rowKey)
        {
            var copy = (EmailLogEntity)MemberwiseClone();
            copy.RowKey = rowKey;
            copy.ETag = default;
            return copy;
        }

        public EmailLog ToLog() => new(
            EmailId ?? RowKey, PartitionKey, UserId, EventId, JobRunId, EmailType, RecipientEmail, Subject, BodyPreview, Status, CreatedAt,
            SentAt, ErrorMessage, RetryCount, Provider, ProviderMessageId, OpenedAt, ClickedAt, SendingUntil, UpdatedAt);
    }
}
