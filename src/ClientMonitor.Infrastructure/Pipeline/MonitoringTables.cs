using ClientMonitor.Core.Pipeline;
using Azure.Data.Tables;
using ClientMonitor.Infrastructure.Storage;

namespace ClientMonitor.Infrastructure.Pipeline;

/// <summary>
/// What a client run produces. <c>rawdata</c>: PK <c>{business}_{client}</c>, RK raw id (from the content hash).
/// <c>events</c>: PK business, RK event id; filters run in the service, newest-first ordering and paging here
/// (a business's events are one partition). <c>notifications</c>: PK <c>{business}_{user}</c> (one inbox), RK
/// notification id.
/// </summary>
public sealed class MonitoringTables(TableServiceClient tables) : IRawDataStore, IEventStore, INotificationStore
{
    public const string RawDataTable = "rawdata";
    public const string EventsTable = "events";
    public const string NotificationsTable = "notifications";

    private readonly TableClient _raw = tables.GetTableClient(RawDataTable);
    private readonly TableClient _events = tables.GetTableClient(EventsTable);
    private readonly TableClient _notifications = tables.GetTableClient(NotificationsTable);

    public async Task<RawDataRecord> AddIfAbsentAsync(RawDataRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var (stored, _) = await _raw.AddOrGetAsync(RawEntity.From(record), cancellationToken).ConfigureAwait(false);
        return stored.ToRecord();
    }

    public async Task MarkProcessedAsync(RawDataRecord record, string? eventId, DateTimeOffset processedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        await _raw.UpsertEntityAsync(RawEntity.From(record with { IsProcessed = true, ProcessedIntoEventId = eventId, ProcessedAt = processedAt }), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<RawDataRecord>> ListAsync(string businessId, string clientId, CancellationToken cancellationToken)
        => (await _raw.ListAsync<RawEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {RawPartition(businessId, clientId)}"), cancellationToken).ConfigureAwait(false)).Select(r => r.ToRecord()).ToList();

    public async Task UpsertAsync(MonitoringEvent monitoringEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(monitoringEvent);
        await _events.UpsertEntityAsync(EventEntity.From(monitoringEvent), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task<MonitoringEvent?> GetAsync(string businessId, string eventId, CancellationToken cancellationToken)
        => (await _events.GetOrNullAsync<EventEntity>(businessId, eventId, cancellationToken).ConfigureAwait(false))?.ToEvent();

    public async Task<(IReadOnlyList<MonitoringEvent> Items, int Total)> QueryAsync(string businessId, EventQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {businessId}");
        if (query.ClientId is not null)
        {
            filter += TableClient.CreateQueryFilter($" and ClientId eq {query.ClientId}");
        }

        if (query.Category is { } category)
        {
            filter += TableClient.CreateQueryFilter($" and Category eq {category.ToString()}");
        }

        if (query.MinRelevance is { } min)
        {
            filter += " and Relevance ge " + TableStoreSupport.DoubleLiteral(min);
        }

        if (query.From is { } from)
        {
            filter += TableClient.CreateQueryFilter($" and CreatedAt ge {from}");
        }

        if (query.To is { } to)
        {
            filter += TableClient.CreateQueryFilter($" and CreatedAt lt {to}");
        }

        var rows = await _events.ListAsync<EventEntity>(filter, cancellationToken).ConfigureAwait(false);
        var page = rows
            .OrderByDescending(r => r.CreatedAt)
            .ThenByDescending(r => r.Relevance)
            .ThenBy(r => r.RowKey, StringComparer.Ordinal)
            .Skip(query.Skip)
            .Take(query.Limit)
            .Select(r => r.ToEvent())
            .ToList();
        return (page, rows.Count);
    }

    public async Task<bool> AddIfAbsentAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var (_, added) = await _notifications.AddOrGetAsync(NotificationEntity.From(notification), cancellationToken).ConfigureAwait(false);
        return added;
    }

    public async Task<(IReadOnlyList<Notification> Items, int Total)> ListAsync(string businessId, string userId, bool unreadOnly, int skip, int limit, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Inbox(businessId, userId)}");
        if (unreadOnly)
        {
            filter += TableClient.CreateQueryFilter($" and IsRead eq {false}");
        }

        var rows = await _notifications.ListAsync<NotificationEntity>(filter, cancellationToken).ConfigureAwait(false);
        var page = rows.OrderByDescending(r => r.CreatedAt).ThenBy(r => r.RowKey, StringComparer.Ordinal).Skip(skip).Take(limit).Select(r => r.ToNotification(businessId, userId)).ToList();
        return (page, rows.Count);
    }

    public async Task<bool> MarkReadAsync(string businessId, string userId, string notificationId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var row = await _notifications.GetOrNullAsync<NotificationEntity>(Inbox(businessId, userId), notificationId, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            return false;
        }

        if (!row.IsRead)
        {
            row.IsRead = true;
            row.ReadAt = at;
            await _notifications.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private static string RawPartition(string businessId, string clientId) => businessId + "_" + clientId;

    private static string Inbox(string businessId, string userId) => businessId + "_" + userId;

    private sealed class RawEntity : TableRow
    {
        public string BusinessId { get; set; } = string.Empty;
        public string ClientId { get; set; } = string.Empty;
        public string SourceApi { get; set; } = string.Empty;
        public string RawContent { get; set; } = string.Empty;
        public string ContentHash { get; set; } = string.Empty;
        public bool IsProcessed { get; set; }
        public string? ProcessedIntoEventId { get; set; }
        public DateTimeOffset CreatedAt { get; set; }
        public DateTimeOffset? ProcessedAt { get; set; }

        // A table property holds at most 64 KiB (32K UTF-16 characters); provider items are far smaller, but one
        // oversized item must not fail the whole client run.
        public static RawEntity From(RawDataRecord r) => new()
        {
            PartitionKey = RawPartition(r.BusinessId, r.ClientId),
            RowKey = r.Id,
            BusinessId = r.BusinessId,
            ClientId = r.ClientId,
            SourceApi = r.SourceApi,
            RawContent = r.RawContent.Length > 30_000 ? r.RawContent[..30_000] : r.RawContent,
            ContentHash = r.ContentHash,
            IsProcessed = r.IsProcessed,
            ProcessedIntoEventId = r.ProcessedIntoEventId,
            CreatedAt = r.CreatedAt,
            ProcessedAt = r.ProcessedAt,
        };

        public RawDataRecord ToRecord() => new(RowKey, BusinessId, ClientId, SourceApi, RawContent, ContentHash, IsProcessed, ProcessedIntoEventId, CreatedAt, ProcessedAt);
    }

    private sealed class EventEntity : TableRow
    {
        public string ClientId { get; set; } = string.Empty;
        public string JobRunId { get; set; } = string.Empty;
        public string Title { get; set; } = string.Empty;
        public string? Summary { get; set; }
        public string Url { get; set; } = string.Empty;
        public string Source { get; set; } = string.Empty;
        public DateTimeOffset? PublishedAt { get; set; }
        public EventCategory Category { get; set; }
        public double Relevance { get; set; }
        public double Sentiment { get; set; }
        public RiskLevel Risk { get; set; }
        public string Classifier { get; set; } = string.Empty;
        public string? ClassificationNote { get; set; }
        public string? CrmJson { get; set; }
        public string? InsightJson { get; set; }
        public DateTimeOffset CreatedAt { get; set; }

        public static EventEntity From(MonitoringEvent e) => new()
        {
            PartitionKey = e.BusinessId,
            RowKey = e.Id,
            ClientId = e.ClientId,
            JobRunId = e.JobRunId,
            Title = e.Title,
            Summary = e.Summary,
            Url = e.Url,
            Source = e.Source,
            PublishedAt = e.PublishedAt,
            Category = e.Category,
            Relevance = e.Relevance,
            Sentiment = e.Sentiment,
            Risk = e.Risk,
            Classifier = e.Classifier,
            ClassificationNote = e.ClassificationNote,
            CrmJson = e.Crm is null ? null : WireJson.Serialize(e.Crm),
            InsightJson = e.Insight is null ? null : WireJson.Serialize(e.Insight),
            CreatedAt = e.CreatedAt,
        };

        public MonitoringEvent ToEvent() => new(
            RowKey, PartitionKey, ClientId, JobRunId, Title, Summary, Url, Source, PublishedAt, Category, Relevance, Sentiment, Risk, Classifier, ClassificationNote,
            CrmJson is null ? null : WireJson.Deserialize<CrmContext>(CrmJson), InsightJson is null ? null : WireJson.Deserialize<Insight>(InsightJson), CreatedAt);
    }

    private sealed class NotificationEntity : TableRow
    {
        public string EventId { get; set; } = string.Empty;
        public string ClientId { get; set; } = string.Empty;
        public string Title { get; set; } = string.Empty;
        public EventCategory Category { get; set; }
        public double Relevance { get; set; }
        public bool IsRead { get; set; }
        public DateTimeOffset CreatedAt { get; set; }
        public DateTimeOffset? ReadAt { get; set; }

        public static NotificationEntity From(Notification n) => new()
        {
            PartitionKey = Inbox(n.BusinessId, n.UserId),
            RowKey = n.Id,
            EventId = n.EventId,
            ClientId = n.ClientId,
            Title = n.Title,
            Category = n.Category,
            Relevance = n.Relevance,
            IsRead = n.IsRead,
            CreatedAt = n.CreatedAt,
            ReadAt = n.ReadAt,
        };

        public Notification ToNotification(string businessId, string userId) => new(RowKey, businessId, userId, EventId, ClientId, Title, Category, Relevance, IsRead, CreatedAt, ReadAt);
    }
}
