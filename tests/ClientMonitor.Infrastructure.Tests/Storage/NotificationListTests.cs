using Azure.Data.Tables;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Infrastructure.Pipeline;
using ClientMonitor.Testing;

namespace ClientMonitor.Infrastructure.Tests.Storage;

/// <summary>
/// A user's inbox and its unread part are lists that cost a page: paged by cursor newest first, a notification
/// leaves the unread list when read, and notifications stored before list rows are listed once migrated.
/// </summary>
public sealed class NotificationListTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);
    private TableServiceClient _tables = null!;

    public async Task InitializeAsync()
    {
        _tables = (await Azurite.SharedAsync()).CreateTableService();
        await _tables.GetTableClient(MonitoringTables.NotificationsTable).CreateIfNotExistsAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static Notification At(string business, int i)
        => new($"n{i}", business, "amy", $"e{i}", "c1", $"Event {i}", EventCategory.Funding, 0.7, false, Start.AddMinutes(i), null);

    private static async Task<List<string>> WalkAsync(MonitoringTables store, string business, bool unreadOnly, int limit)
    {
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var page = await store.ListAsync(business, "amy", unreadOnly, 0, limit, cursor, CancellationToken.None);
            ids.AddRange(page.Items.Select(n => n.Id));
            cursor = page.Next;
        }
        while (cursor is not null);
        return ids;
    }

    [Fact]
    public async Task TheInbox_PagesNewestFirst_AndReadNotificationsLeaveTheUnreadList()
    {
        var business = Azurite.UniqueName("b");
        var store = new MonitoringTables(_tables);
        for (var i = 0; i < 7; i++)
        {
            Assert.True(await store.AddIfAbsentAsync(At(business, i), CancellationToken.None));
        }

        var again = await store.AddIfAbsentAsync(At(business, 3), CancellationToken.None);
        var read = await store.MarkReadAsync(business, "amy", "n5", Start, CancellationToken.None)
            && await store.MarkReadAsync(business, "amy", "n2", Start, CancellationToken.None)
            && await store.MarkReadAsync(business, "amy", "n2", Start, CancellationToken.None);
        var listRowKey = (await _tables.GetTableClient(MonitoringTables.NotificationsTable)
            .QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {business + "_amy"} and RowKey gt {"~"}"), maxPerPage: 1).FirstAsync()).RowKey;

        var inbox = await WalkAsync(store, business, unreadOnly: false, limit: 3);
        var unread = await WalkAsync(store, business, unreadOnly: true, limit: 2);
        var whole = await store.ListAsync(business, "amy", true, 0, 50, null, CancellationToken.None);

        Assert.False(again);
        Assert.True(read);
        Assert.False(await store.MarkReadAsync(business, "amy", listRowKey, Start, CancellationToken.None)); // a list row is no notification
        Assert.Equal(["n6", "n5", "n4", "n3", "n2", "n1", "n0"], inbox);
        Assert.Equal(["n6", "n4", "n3", "n1", "n0"], unread);
        Assert.Equal(5, whole.Total);
        Assert.True((await store.ListAsync(business, "amy", false, 0, 7, null, CancellationToken.None)).Items.Single(n => n.Id == "n5").IsRead);
    }

    [Fact]
    public async Task ANotificationStoredBeforeListRows_IsListed_OnceMigrated_AndCanBeRead()
    {
        var business = Azurite.UniqueName("b");
        await _tables.GetTableClient(MonitoringTables.NotificationsTable).AddEntityAsync(new TableEntity(business + "_amy", "n1")
        {
            ["EventId"] = "e1",
            ["ClientId"] = "c1",
            ["Title"] = "Contoso raises $40M",
            ["Category"] = "Funding",
            ["Relevance"] = 0.8,
            ["IsRead"] = false,
            ["CreatedAt"] = Start,
        });
        var tables = new MonitoringTables(_tables);
        var store = tables;

        var before = await store.ListAsync(business, "amy", false, 0, 10, null, CancellationToken.None);
        await tables.AddMissingNotificationListRowsAsync(CancellationToken.None);
        var unread = await store.ListAsync(business, "amy", true, 0, 10, null, CancellationToken.None);
        var marked = await store.MarkReadAsync(business, "amy", "n1", Start.AddHours(1), CancellationToken.None);
        var unreadAfter = await store.ListAsync(business, "amy", true, 0, 10, null, CancellationToken.None);

        Assert.Empty(before.Items);
        Assert.Equal("n1", Assert.Single(unread.Items).Id);
        Assert.True(marked);
        Assert.Empty(unreadAfter.Items);
    }
}
