using Azure.Data.Tables;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Infrastructure.Notifications;
using ClientMonitor.Infrastructure.Pipeline;
using ClientMonitor.Infrastructure.Storage;
using ClientMonitor.Testing;

namespace ClientMonitor.Infrastructure.Tests.Storage;

/// <summary>
/// Rows stored before the move to Azure.Data.Tables stay readable, and rows written now keep their column names and
/// types: enums by name, doubles, 64-bit integers and dates with their Edm types, no column for a null value.
/// </summary>
public sealed class StoredRowShapeTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Created = new(2026, 11, 3, 9, 30, 0, TimeSpan.Zero);
    private TableServiceClient _tables = null!;

    public async Task InitializeAsync()
    {
        _tables = (await Azurite.SharedAsync()).CreateTableService();
        foreach (var table in new[] { MonitoringTables.EventsTable, PoisonMessageStore.TableName, NotificationTables.EmailLogsTable })
        {
            await _tables.GetTableClient(table).CreateIfNotExistsAsync();
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task AnEventRowInTheVersion1Shape_ReadsBack_AndOnceMigrated_MatchesTheServiceSideFilters()
    {
        var business = Azurite.UniqueName("b");
        // Exactly the columns version 1's own mapper wrote for an event without summary, CRM data or insight.
        await _tables.GetTableClient(MonitoringTables.EventsTable).AddEntityAsync(new TableEntity(business, "e1")
        {
            ["ClientId"] = "c1",
            ["JobRunId"] = "r1",
            ["Title"] = "Contoso raises $40M",
            ["Url"] = "https://news.example/contoso",
            ["Source"] = "newsapi",
            ["PublishedAt"] = Created.AddHours(-2),
            ["Category"] = "Funding",
            ["Relevance"] = 0.8,
            ["Sentiment"] = -0.25,
            ["Risk"] = "Medium",
            ["Classifier"] = "rule_based",
            ["CreatedAt"] = Created,
        });
        var store = new MonitoringTables(_tables);

        var stored = await store.GetAsync(business, "e1", CancellationToken.None);
        var unlisted = await store.QueryAsync(business, new EventQuery(null, null, null, null, null, 0, 10), CancellationToken.None);
        await store.AddMissingEventListRowsAsync(CancellationToken.None);
        var (matches, total, _) = await store.QueryAsync(business, new EventQuery("c1", EventCategory.Funding, 0.5, Created.AddMinutes(-1), Created.AddMinutes(1), 0, 10), CancellationToken.None);

        Assert.NotNull(stored);
        Assert.Equal((EventCategory.Funding, RiskLevel.Medium, 0.8, -0.25), (stored.Category, stored.Risk, stored.Relevance, stored.Sentiment));
        Assert.Equal((Created, Created.AddHours(-2)), (stored.CreatedAt, stored.PublishedAt));
        Assert.Equal(("Contoso raises $40M", "rule_based"), (stored.Title, stored.Classifier));
        Assert.Null(stored.Summary);
        Assert.Null(stored.Insight);
        Assert.Empty(unlisted.Items); // listed only once migrate-lists has given it list rows
        Assert.Equal("e1", Assert.Single(matches).Id);
        Assert.Equal(1, total);
    }

    [Fact]
    public async Task AnEventWrittenNow_HasTheVersion1ColumnsAndTypes()
    {
        var business = Azurite.UniqueName("b");
        var monitoringEvent = new MonitoringEvent(
            "e2", business, "c1", "r1", "Contoso cuts 200 jobs", null, "https://news.example/cuts", "newsapi", null,
            EventCategory.Layoffs, 0.9, -0.6, RiskLevel.High, "rule_based", null, null, null, Created);

        await new MonitoringTables(_tables).UpsertAsync(monitoringEvent, CancellationToken.None);
        var raw = (await _tables.GetTableClient(MonitoringTables.EventsTable).GetEntityAsync<TableEntity>(business, "e2")).Value;

        Assert.Equal("Layoffs", raw["Category"]);
        Assert.Equal("High", raw["Risk"]);
        Assert.IsType<double>(raw["Relevance"]);
        Assert.Equal(Created, Assert.IsType<DateTimeOffset>(raw["CreatedAt"]));
        Assert.False(raw.TryGetValue("Summary", out var summary) && summary is not null, "a null value is not stored");
        Assert.False(raw.TryGetValue("PublishedAt", out var published) && published is not null, "a null value is not stored");
    }

    [Fact]
    public async Task AnEmailLogStoredBeforeListRows_ReadsBack_AndOnceMigrated_IsListedForItsUserAndEvent()
    {
        var business = Azurite.UniqueName("b");
        await _tables.GetTableClient(NotificationTables.EmailLogsTable).AddEntityAsync(new TableEntity(business, "m1")
        {
            ["UserId"] = "amy",
            ["EventId"] = "e1",
            ["EmailType"] = "event_notification",
            ["RecipientEmail"] = "Amy@Example.com",
            ["RecipientKey"] = "amy@example.com",
            ["Subject"] = "Contoso raises $40M",
            ["Status"] = "Sent",
            ["CreatedAt"] = Created,
            ["RetryCount"] = 0,
        });
        var tables = new NotificationTables(_tables);
        IEmailLogStore store = tables;

        var stored = await store.GetVersionedAsync(business, "m1", CancellationToken.None);
        var before = await store.QueryAsync(business, new EmailLogQuery(), CancellationToken.None);
        await tables.AddMissingListRowsAsync(CancellationToken.None);
        var again = await tables.AddMissingListRowsAsync(CancellationToken.None);
        var forUser = await store.QueryAsync(business, new EmailLogQuery(UserId: "amy", RecipientEmail: "AMY@example.com"), CancellationToken.None);
        var forEvent = await store.QueryAsync(business, new EmailLogQuery(EventId: "e1", From: Created, To: Created.AddSeconds(1)), CancellationToken.None);

        Assert.Equal((EmailStatus.Sent, "amy"), (stored!.Value.Status, stored.Value.UserId));
        Assert.Empty(before.Items);
        Assert.Equal(0, again); // only rows without list rows are written
        Assert.Equal("m1", Assert.Single(forUser.Items).Id);
        Assert.Equal("m1", Assert.Single(forEvent.Items).Id);
    }

    [Fact]
    public async Task APoisonRecordInTheVersion1Shape_ReadsItsInt64Column()
    {
        var queue = Azurite.UniqueName("q");
        await _tables.GetTableClient(PoisonMessageStore.TableName).AddEntityAsync(new TableEntity(queue, "m1")
        {
            ["DequeueCount"] = 5L,
            ["Reason"] = "CRM said no",
            ["Text"] = "{\"clientId\":\"c-9\"}",
            ["FailedAt"] = Created,
        });

        var record = Assert.Single(await new PoisonMessageStore((await Azurite.SharedAsync()).CreateQueueService(), _tables, TimeProvider.System).ListAsync(queue, CancellationToken.None));

        Assert.Equal(new PoisonRecord(queue, "m1", 5, "CRM said no", "{\"clientId\":\"c-9\"}", Created), record);
    }
}
