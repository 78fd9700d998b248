using Azure.Data.Tables;
using ClientMonitor.Core;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Infrastructure.Pipeline;
using ClientMonitor.Testing;

namespace ClientMonitor.Infrastructure.Tests.Storage;

/// <summary>
/// The clients list costs a page: clients page by name (case ignored) through list rows written with each client,
/// a rename or delete moves or removes its list row in the same write, and clients stored before list rows are
/// listed once migrated. The whole-business read (a run's fan-out) still sees each client once.
/// </summary>
public sealed class ClientListTests : IAsyncLifetime
{
    private TableServiceClient _tables = null!;

    public async Task InitializeAsync()
    {
        _tables = (await Azurite.SharedAsync()).CreateTableService();
        await _tables.GetTableClient(TenantTables.ClientsTable).CreateIfNotExistsAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static Client Named(string business, string id, string name, bool active = true) => new(id, business, name, null, null, [], [], null, null, active);

    private static async Task<List<string>> WalkAsync(IClientStore store, string business, bool? active, int limit)
    {
        var names = new List<string>();
        string? cursor = null;
        do
        {
            var page = await store.PageAsync(business, active, 0, limit, cursor, CancellationToken.None);
            names.AddRange(page.Items.Select(c => c.Name));
            cursor = page.Next;
        }
        while (cursor is not null);
        return names;
    }

    private async Task<int> ListRowCountAsync(string business)
        => await _tables.GetTableClient(TenantTables.ClientsTable)
            .QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {business} and RowKey ge {"~"}")).CountAsync();

    [Fact]
    public async Task Clients_PageByNameIgnoringCase_ShorterNamesFirst_AndByActiveState()
    {
        var business = Azurite.UniqueName("b");
        IClientStore store = new TenantTables(_tables);
        string[] names = ["globex", "Acme Corp", "acme", "Initech/West", "Umbrella #2", "Hooli?", "Acme-Labs", "Zeta", "beta"];
        for (var i = 0; i < names.Length; i++)
        {
            Assert.Equal(WriteResult.Done, (await store.CreateAsync(Named(business, $"c{i}", names[i], active: i % 3 != 0), CancellationToken.None)).Result);
        }

        var expected = names.Order(StringComparer.OrdinalIgnoreCase).ToList();
        var walked = await WalkAsync(store, business, null, 2);
        var active = await WalkAsync(store, business, true, 4);
        var whole = await store.PageAsync(business, null, 0, 50, null, CancellationToken.None);
        var first = await store.PageAsync(business, null, 0, 4, null, CancellationToken.None);
        var skipped = await store.PageAsync(business, null, 3, 2, null, CancellationToken.None);

        Assert.Equal(expected, walked);
        Assert.Equal(expected.Where(n => Array.IndexOf(names, n) % 3 != 0), active);
        Assert.Equal(names.Length, whole.Total);
        Assert.Null(whole.Next);
        Assert.Null(first.Total); // not counted: the page stopped before the end
        Assert.NotNull(first.Next);
        Assert.Equal(expected.Skip(3).Take(2), skipped.Items.Select(c => c.Name));
        Assert.Equal("c2", whole.Items[0].Id); // list rows carry the client's id, not their key
        Assert.Equal(names.Length, (await store.ListAsync(business, CancellationToken.None)).Count);
        var listRowKey = (await _tables.GetTableClient(TenantTables.ClientsTable)
            .QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {business} and RowKey ge {"~"}"), maxPerPage: 1).FirstAsync()).RowKey;
        Assert.Null(await store.GetAsync(business, listRowKey, CancellationToken.None)); // a list row is no client
    }

    [Fact]
    public async Task ARename_MovesTheListRow_AndADelete_RemovesIt()
    {
        var business = Azurite.UniqueName("b");
        IClientStore store = new TenantTables(_tables);
        await store.CreateAsync(Named(business, "c1", "Alpha"), CancellationToken.None);
        var (_, etag) = await store.CreateAsync(Named(business, "c2", "Bravo"), CancellationToken.None);

        var renamed = await store.ReplaceAsync(Named(business, "c2", "Aardvark"), etag!, CancellationToken.None);
        var stale = await store.ReplaceAsync(Named(business, "c2", "Zulu"), etag!, CancellationToken.None);
        await store.UpsertAsync(Named(business, "c1", "Yankee"), CancellationToken.None);
        await store.UpsertAsync(Named(business, "c3", "Mike"), CancellationToken.None);
        var afterRenames = await WalkAsync(store, business, null, 50);
        var rowsAfterRenames = await ListRowCountAsync(business);
        Assert.Equal(WriteResult.Done, await store.DeleteAsync(business, "c3", null, CancellationToken.None));

        Assert.Equal(WriteResult.Done, renamed.Result);
        Assert.Equal(WriteResult.Stale, stale.Result);
        Assert.Equal(["Aardvark", "Mike", "Yankee"], afterRenames);
        Assert.Equal(3, rowsAfterRenames);
        Assert.Equal(["Aardvark", "Yankee"], await WalkAsync(store, business, null, 50));
        Assert.Equal(2, await ListRowCountAsync(business));
    }

    [Fact]
    public async Task ACursorFromAnotherList_IsRefused()
    {
        var business = Azurite.UniqueName("b");
        IClientStore store = new TenantTables(_tables);
        var foreign = ClientMonitor.Infrastructure.Storage.TablePages.EncodeCursor("~t_0001");

        await Assert.ThrowsAsync<InvalidCursorException>(() => store.PageAsync(business, null, 0, 10, foreign, CancellationToken.None));
    }

    [Fact]
    public async Task AClientStoredBeforeListRows_IsListedOnceMigrated_AndStillRunsMeanwhile()
    {
        var business = Azurite.UniqueName("b");
        await _tables.GetTableClient(TenantTables.ClientsTable).AddEntityAsync(new TableEntity(business, "old1")
        {
            ["Name"] = "Contoso",
            ["KeywordsJson"] = "[]",
            ["AssignedUserIdsJson"] = "[]",
            ["IsActive"] = true,
        });
        var tenants = new TenantTables(_tables);
        IClientStore store = tenants;

        var unlisted = await store.PageAsync(business, null, 0, 10, null, CancellationToken.None);
        var fannedOut = await store.ListAsync(business, CancellationToken.None);
        var migrated = await tenants.AddMissingClientListRowsAsync(CancellationToken.None);
        await tenants.AddMissingClientListRowsAsync(CancellationToken.None); // safe to run again

        Assert.Empty(unlisted.Items);
        Assert.Equal("old1", Assert.Single(fannedOut).Id);
        Assert.True(migrated >= 1);
        Assert.Equal(1, await ListRowCountAsync(business));
        var listed = Assert.Single((await store.PageAsync(business, null, 0, 10, null, CancellationToken.None)).Items);
        Assert.Equal(("old1", "Contoso"), (listed.Id, listed.Name));
    }
}
