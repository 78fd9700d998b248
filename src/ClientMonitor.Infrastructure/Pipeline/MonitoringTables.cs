using System.Globalization;
using ClientMonitor.Core.Pipeline;
using Azure.Data.Tables;
using ClientMonitor.Infrastructure.Storage;

namespace ClientMonitor.Infrastructure.Pipeline;

/// <summary>
/// What a client run produces. <c>rawdata</c>: PK <c>{business}_{client}</c>, RK raw id (from the content hash).
/// <c>events</c>: PK business; each event is three rows written together: RK event id (reads by id), RK
/// <c>t_{inverted ticks}_{inverted relevance}_{id}</c> (the business's list, newest first) and RK
/// <c>c_{client hash}_...</c> (the client's list), so a page of a list reads a page of rows. <c>notifications</c>: PK <c>{business}_{user}</c> (one inbox), RK
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

    public async Task<IReadOnlyDictionary<string, RawDataRecord>> FindAsync(string businessId, string clientId, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
        => (await _raw.FindAsync<RawEntity>(RawPartition(businessId, clientId), ids, cancellationToken).ConfigureAwait(false))
            .ToDictionary(r => r.RowKey, r => r.ToRecord(), StringComparer.Ordinal);

    public async Task<IReadOnlyList<string>> SaveAsync(IReadOnlyList<(RawDataRecord Record, bool WasStored)> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        var taken = new List<string>();
        foreach (var chunk in records.Chunk(100))
        {
            var left = chunk.ToList();
            while (left.Count > 0)
            {
                try
                {
                    await _raw.SubmitTransactionAsync(
                        left.Select(r => new TableTransactionAction(r.WasStored ? TableTransactionActionType.UpsertReplace : TableTransactionActionType.Add, RawEntity.From(r.Record))),
                        cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (TableTransactionFailedException ex) when (ex.Status == 409)
                {
                    // Another run stored some of these first: nothing of ours was written. It has those; write the rest.
                    var first = left[0].Record;
                    var stored = await FindAsync(first.BusinessId, first.ClientId, left.Where(r => !r.WasStored).Select(r => r.Record.Id).ToList(), cancellationToken).ConfigureAwait(false);
                    if (stored.Count == 0)
                    {
                        throw;
                    }

                    taken.AddRange(stored.Keys);
                    left.RemoveAll(r => !r.WasStored && stored.ContainsKey(r.Record.Id));
                }
            }
        }

        return taken;
    }

    public async Task<IReadOnlyList<RawDataRecord>> ListAsync(string businessId, string clientId, CancellationToken cancellationToken)
        => (await _raw.ListAsync<RawEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {RawPartition(businessId, clientId)}"), cancellationToken).ConfigureAwait(false)).Select(r => r.ToRecord()).ToList();

    /// <summary>
    /// The event's row and its two list rows (newest first across the business, and within its client), in one
    /// transaction: one request, and a list never shows an event whose row is missing.
    /// </summary>
    public async Task UpsertAsync(MonitoringEvent monitoringEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(monitoringEvent);
        var row = EventEntity.From(monitoringEvent, monitoringEvent.Id);
        var order = EventOrder(monitoringEvent);
        await _events.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, row),
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, EventEntity.From(monitoringEvent, TimeListPrefix + order)),
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, EventEntity.From(monitoringEvent, ClientListPrefix(monitoringEvent.ClientId) + order)),
            ],
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The event by its id (a list row's key is no event's id).</summary>
    public async Task<MonitoringEvent?> GetAsync(string businessId, string eventId, CancellationToken cancellationToken)
        => IsListRowKey(eventId) ? null : (await _events.GetOrNullAsync<EventEntity>(businessId, eventId, cancellationToken).ConfigureAwait(false))?.ToEvent();

    /// <summary>
    /// Writes the list rows of events stored before lists had them (their own row only, without an <c>EventId</c>
    /// column), so they are listed again; an upgrade step (<c>migrate-lists</c>). Returns how many it wrote.
    /// </summary>
    public async Task<int> AddMissingEventListRowsAsync(CancellationToken cancellationToken)
    {
        var written = 0;
        await foreach (var row in _events.QueryAsync<EventEntity>(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.EventId is null)
            {
                await UpsertAsync(row.ToEvent(), cancellationToken).ConfigureAwait(false);
                written++;
            }
        }

        return written;
    }

    public async Task<IReadOnlyDictionary<string, MonitoringEvent>> FindAsync(string businessId, IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
        => (await _events.FindAsync<EventEntity>(businessId, eventIds, cancellationToken).ConfigureAwait(false))
            .Select(r => r.ToEvent()).ToDictionary(e => e.Id, StringComparer.Ordinal);

    /// <summary>
    /// Reads the list rows of the business (or of one client) from the cursor, or from <c>To</c>, down to
    /// <c>From</c>, with the other filters applied by the service, and stops one row past the page.
    /// </summary>
    public async Task<ListPage<MonitoringEvent>> QueryAsync(string businessId, EventQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = TablePages.NewestFirstFilter(businessId, query.ClientId is null ? TimeListPrefix : ClientListPrefix(query.ClientId), query.From, query.To, query.Cursor);
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

        return await _events.ReadListPageAsync<EventEntity, MonitoringEvent>(filter, query.Skip, query.Limit, query.Cursor is not null, r => r.ToEvent(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The notification's row with its list rows (the inbox's, and the unread part's) in one transaction; false,
    /// writing nothing, when its id exists.
    /// </summary>
    public async Task<bool> AddIfAbsentAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var row = NotificationEntity.From(notification);
        try
        {
            await _notifications.SubmitTransactionAsync(
                [new TableTransactionAction(TableTransactionActionType.Add, row), .. row.ListRows().Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r))],
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    public async Task<ListPage<Notification>> ListAsync(string businessId, string userId, bool unreadOnly, int skip, int limit, string? cursor, CancellationToken cancellationToken)
    {
        var filter = TablePages.NewestFirstFilter(Inbox(businessId, userId), unreadOnly ? NotificationEntity.UnreadList : NotificationEntity.InboxList, null, null, cursor);
        return await _notifications.ReadListPageAsync<NotificationEntity, Notification>(filter, skip, limit, cursor is not null, r => r.ToNotification(businessId, userId), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks the row and its inbox row read and drops its unread row, in one transaction (ETag-checked).</summary>
    public async Task<bool> MarkReadAsync(string businessId, string userId, string notificationId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var row = await _notifications.GetOrNullAsync<NotificationEntity>(Inbox(businessId, userId), notificationId, cancellationToken).ConfigureAwait(false);
            if (row is null || notificationId.StartsWith(NotificationEntity.ListPrefix, StringComparison.Ordinal))
            {
                return false;
            }

            if (row.IsRead)
            {
                return true;
            }

            var unread = row.UnreadRow();
            row.IsRead = true;
            row.ReadAt = at;
            List<TableTransactionAction> actions =
            [
                new(TableTransactionActionType.UpdateReplace, row, row.ETag),
                new(TableTransactionActionType.UpsertReplace, row.InboxRow()),
                new(TableTransactionActionType.Delete, unread, Azure.ETag.All),
            ];
            try
            {
                await _notifications.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 404)
            {
                // Stored before lists had rows (no unread row to drop): the row and its inbox row are enough.
                await _notifications.SubmitTransactionAsync(actions[..2], cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (TableTransactionFailedException ex) when (ex.Status == TableStoreSupport.PreconditionFailed && attempt < 5)
            {
                // Read meanwhile by another request: look again.
            }
        }
    }

    /// <summary>
    /// Gives notifications stored before lists had them their list rows (<c>migrate-lists</c>); returns how many.
    /// </summary>
    public async Task<int> AddMissingNotificationListRowsAsync(CancellationToken cancellationToken)
    {
        var written = 0;
        await foreach (var row in _notifications.QueryAsync<NotificationEntity>(TableClient.CreateQueryFilter($"RowKey lt {NotificationEntity.ListPrefix}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.NotificationId is null)
            {
                row.NotificationId = row.RowKey;
                await _notifications.SubmitTransactionAsync(
                    [new TableTransactionAction(TableTransactionActionType.UpsertReplace, row), .. row.ListRows().Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r))],
                    cancellationToken).ConfigureAwait(false);
                written++;
            }
        }

        return written;
    }

    /// <summary>Newest first, then most relevant, then by id: inverted creation ticks, inverted relevance, the id.</summary>
    private static string EventOrder(MonitoringEvent e)
        => string.Create(CultureInfo.InvariantCulture, $"{TablePages.Inverted(e.CreatedAt)}_{10_000 - (int)Math.Round(Math.Clamp(e.Relevance, 0, 1) * 10_000):D5}_{e.Id}");

    // The client's list rows are keyed by a hash of its id: fixed length, so no client's range holds another's.
    private static string ClientListPrefix(string clientId) => "c_" + StableId.From(clientId) + "_";

    private const string TimeListPrefix = "t_";

    private static bool IsListRowKey(string key) => key.StartsWith(TimeListPrefix, StringComparison.Ordinal) || key.StartsWith("c_", StringComparison.Ordinal);

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

    /// <summary>The event's own row (RowKey = id) and its list rows (RowKey = list order) hold the same columns.</summary>
    private sealed class EventEntity : TableRow
    {
        public string? EventId { get; set; }
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

        public static EventEntity From(MonitoringEvent e, string rowKey) => new()
        {
            PartitionKey = e.BusinessId,
            RowKey = rowKey,
            EventId = e.Id,
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
            EventId ?? RowKey, PartitionKey, ClientId, JobRunId, Title, Summary, Url, Source, PublishedAt, Category, Relevance, Sentiment, Risk, Classifier, ClassificationNote,
            CrmJson is null ? null : WireJson.Deserialize<CrmContext>(CrmJson), InsightJson is null ? null : WireJson.Deserialize<Insight>(InsightJson), CreatedAt);
    }

    /// <summary>
    /// One notification's row (RowKey = id) and its list rows: <c>~t_</c> (the inbox, newest first) and, while it is
    /// unread, <c>~u_</c> (the unread part), so either list reads a page.
    /// </summary>
    private sealed class NotificationEntity : TableRow
    {
        public const string ListPrefix = "~";
        public const string InboxList = ListPrefix + "t_";
        public const string UnreadList = ListPrefix + "u_";

        /// <summary>The list rows of the notification as it is: the inbox row, and the unread row while unread.</summary>
        public IEnumerable<NotificationEntity> ListRows() => IsRead ? [InboxRow()] : [InboxRow(), UnreadRow()];

        public NotificationEntity InboxRow() => Copy(InboxList + Order);

        public NotificationEntity UnreadRow() => Copy(UnreadList + Order);

        private string Order => TablePages.Inverted(CreatedAt) + "_" + (NotificationId ?? RowKey);

        private NotificationEntity Copy(string rowKey)
        {
            var copy = (NotificationEntity)MemberwiseClone();
            copy.RowKey = rowKey;
            copy.ETag = default;
            return copy;
        }

        public string? NotificationId { get; set; }
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
            NotificationId = n.Id,
            EventId = n.EventId,
            ClientId = n.ClientId,
            Title = n.Title,
            Category = n.Category,
            Relevance = n.Relevance,
            IsRead = n.IsRead,
            CreatedAt = n.CreatedAt,
            ReadAt = n.ReadAt,
        };

        public Notification ToNotification(string businessId, string userId) => new(NotificationId ?? RowKey, businessId, userId, EventId, ClientId, Title, Category, Relevance, IsRead, CreatedAt, ReadAt);
    }
}
