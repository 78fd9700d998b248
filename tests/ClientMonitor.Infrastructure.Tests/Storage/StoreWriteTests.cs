using Azure.Data.Tables;
using ClientMonitor.Core;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Infrastructure.Pipeline;
using ClientMonitor.Infrastructure.Providers;
using ClientMonitor.Testing;

namespace ClientMonitor.Infrastructure.Tests.Storage;

/// <summary>The stores' concurrency and query behaviour on a real Azurite through Azure.Data.Tables.</summary>
public sealed class StoreWriteTests : IAsyncLifetime
{
    private TableServiceClient _tables = null!;

    public async Task InitializeAsync()
    {
        _tables = (await Azurite.SharedAsync()).CreateTableService();
        await _tables.GetTableClient(JobRunTables.JobRunsTable).CreateIfNotExistsAsync();
        await _tables.GetTableClient(JobRunTables.ClientRunsTable).CreateIfNotExistsAsync();
        await _tables.GetTableClient(TenantTables.ClientsTable).CreateIfNotExistsAsync();
        await _tables.GetTableClient(TableProviderQuota.TableName).CreateIfNotExistsAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task VersionedWrites_RefuseATakenIdAndAStaleETag()
    {
        IVersionedStore<Client> store = new TenantTables(_tables);
        var client = NewClient(Azurite.UniqueName("b"), "c1");

        var (created, firstETag) = await store.CreateAsync(client, CancellationToken.None);
        var (again, _) = await store.CreateAsync(client, CancellationToken.None);
        var (replaced, secondETag) = await store.ReplaceAsync(client with { Name = "Contoso Ltd" }, firstETag!, CancellationToken.None);
        var (stale, _) = await store.ReplaceAsync(client with { Name = "Lost update" }, firstETag!, CancellationToken.None);
        var staleDelete = await store.DeleteAsync(client.BusinessId, client.Id, firstETag, CancellationToken.None);
        var stored = await store.GetVersionedAsync(client.BusinessId, client.Id, CancellationToken.None);

        Assert.Equal((WriteResult.Done, WriteResult.Exists, WriteResult.Done, WriteResult.Stale, WriteResult.Stale), (created, again, replaced, stale, staleDelete));
        Assert.NotEqual(firstETag, secondETag);
        Assert.Equal(("Contoso Ltd", secondETag), (stored!.Value.Name, stored.ETag));
    }

    [Fact]
    public async Task Deleting_IsDoneEvenWhenTheRowIsGone_AndAReplaceThenFindsNothing()
    {
        IVersionedStore<Client> store = new TenantTables(_tables);
        var client = NewClient(Azurite.UniqueName("b"), "c1");
        var (_, etag) = await store.CreateAsync(client, CancellationToken.None);

        var deleted = await store.DeleteAsync(client.BusinessId, client.Id, etag, CancellationToken.None);
        var deletedAgain = await store.DeleteAsync(client.BusinessId, client.Id, null, CancellationToken.None);
        var (replaced, _) = await store.ReplaceAsync(client, etag!, CancellationToken.None);

        Assert.Equal((WriteResult.Done, WriteResult.Done, WriteResult.NotFound), (deleted, deletedAgain, replaced));
    }

    [Fact]
    public async Task AListReadsEveryPage_AndOnlyItsOwnPartition()
    {
        // 1,050 rows: more than the service's 1,000 per response, so the list must follow the continuation.
        var business = Azurite.UniqueName("b") + "'quoted";
        var neighbour = business[..^"'quoted".Length];
        var table = _tables.GetTableClient(TenantTables.ClientsTable);
        var ids = Enumerable.Range(0, 1_050).Select(i => $"c{i:D4}").ToList();
        foreach (var batch in ids.Chunk(100))
        {
            await table.SubmitTransactionAsync(batch.Select(id => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(business, id) { ["Name"] = id })));
        }

        IClientStore store = new TenantTables(_tables);
        await store.UpsertAsync(NewClient(neighbour, "other"), CancellationToken.None);

        var listed = await store.ListAsync(business, CancellationToken.None);

        Assert.Equal(ids, listed.Select(c => c.Id).Order(StringComparer.Ordinal));
        Assert.All(listed, c => Assert.Equal(business, c.BusinessId));
    }

    [Fact]
    public async Task ACounterSharedByConcurrentCallers_StopsExactlyAtItsLimit()
    {
        var quota = new TableProviderQuota(_tables, TimeProvider.System);
        var provider = Azurite.UniqueName("p");

        var granted = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => quota.TryConsumeAsync(provider, 10, CancellationToken.None))));

        Assert.Equal(10, granted.Count(g => g));
        Assert.Equal(10, await quota.UsedTodayAsync(provider, CancellationToken.None));
    }

    [Fact]
    public async Task OfTwoAttemptsFinishingOneClient_TheFirstToWriteWins_AndTheOtherIsToldSo()
    {
        var store = new JobRunTables(_tables);
        var now = new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);
        var jobRunId = Azurite.UniqueName("run");
        var run = new JobRun(jobRunId, "b1", JobType.ClientMonitoring, JobRunStatus.Running, "test", null, null, false, true, 1, 0, 0, RunCounts.Zero, now, null, null);
        var pending = ClientRun.Pending(jobRunId, "b1", "c1", "Contoso");
        await store.CreateAsync(run, [pending], CancellationToken.None);

        var first = await store.FinishClientRunAsync(pending with { Status = ClientRunStatus.Completed, Counts = RunCounts.Zero with { EventsCreated = 3 }, CompletedAt = now }, null, CancellationToken.None);
        var second = await store.FinishClientRunAsync(pending with { Status = ClientRunStatus.Failed, Error = "lease lost", CompletedAt = now }, null, CancellationToken.None);
        var stored = await store.GetClientRunAsync(jobRunId, "c1", CancellationToken.None);

        Assert.Equal((ClientRunStatus.Completed, 3), (first.Status, first.Counts.EventsCreated));
        Assert.Equal((ClientRunStatus.Completed, 3), (second.Status, second.Counts.EventsCreated));
        Assert.Equal((ClientRunStatus.Completed, null), (stored!.Status, stored.Error));
    }

    [Fact]
    public async Task TwoAttemptsThatBothReadTheClientRunPending_TheSecondWriteIsRefusedByItsETag_AndGetsTheFirstOutcome()
    {
        var store = new JobRunTables(_tables);
        var now = new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);
        var jobRunId = Azurite.UniqueName("run");
        var run = new JobRun(jobRunId, "b1", JobType.ClientMonitoring, JobRunStatus.Running, "test", null, null, false, true, 1, 0, 0, RunCounts.Zero, now, null, null);
        await store.CreateAsync(run, [ClientRun.Pending(jobRunId, "b1", "c1", "Contoso")], CancellationToken.None);
        var readByFirst = (await store.GetClientRunVersionedAsync(jobRunId, "c1", CancellationToken.None))!;
        var readBySecond = (await store.GetClientRunVersionedAsync(jobRunId, "c1", CancellationToken.None))!;

        var first = await store.FinishClientRunAsync(readByFirst.Value with { Status = ClientRunStatus.Completed, Counts = RunCounts.Zero with { EventsCreated = 2 }, CompletedAt = now }, readByFirst.ETag, CancellationToken.None);
        var second = await store.FinishClientRunAsync(readBySecond.Value with { Status = ClientRunStatus.Failed, Error = "timeout", CompletedAt = now }, readBySecond.ETag, CancellationToken.None);

        Assert.Equal((ClientRunStatus.Completed, 2), (first.Status, first.Counts.EventsCreated));
        Assert.Equal((ClientRunStatus.Completed, 2, null), (second.Status, second.Counts.EventsCreated, second.Error));
        Assert.Equal(ClientRunStatus.Completed, (await store.GetClientRunAsync(jobRunId, "c1", CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task AJobRunOfMoreClientsThanATransactionHolds_StoresEveryClientRunPending()
    {
        var store = new JobRunTables(_tables);
        var now = new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);
        var jobRunId = Azurite.UniqueName("run");
        var clientRuns = Enumerable.Range(0, 250).Select(i => ClientRun.Pending(jobRunId, "b1", $"c{i:D3}", $"Client {i}")).ToList();
        var run = new JobRun(jobRunId, "b1", JobType.ClientMonitoring, JobRunStatus.Running, "test", null, null, false, true, clientRuns.Count, 0, 0, RunCounts.Zero, now, null, null);

        await store.CreateAsync(run, clientRuns, CancellationToken.None);

        var stored = await store.ListClientRunsAsync(jobRunId, CancellationToken.None);
        Assert.Equal(clientRuns.Select(c => c.ClientId).Order(StringComparer.Ordinal), stored.Select(c => c.ClientId).Order(StringComparer.Ordinal));
        Assert.All(stored, c => Assert.Equal(ClientRunStatus.Pending, c.Status));
        Assert.NotNull(await store.GetAsync("b1", jobRunId, CancellationToken.None));
    }

    [Theory]
    [InlineData(1.0, "1.0")]
    [InlineData(0.0, "0.0")]
    [InlineData(0.75, "0.75")]
    [InlineData(0.1, "0.1")]
    public void AFilterNumber_StaysADoubleWhenItIsIntegral(double value, string literal)
        => Assert.Equal(literal, ClientMonitor.Infrastructure.Storage.TableStoreSupport.DoubleLiteral(value));

    private static Client NewClient(string businessId, string id) => new(id, businessId, "Contoso", "contoso.com", "software", ["Contoso Cloud"], [], null, null, true);
}
