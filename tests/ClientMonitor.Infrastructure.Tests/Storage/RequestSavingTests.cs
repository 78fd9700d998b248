using Azure.Data.Tables;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Infrastructure.Notifications;
using ClientMonitor.Infrastructure.Pipeline;
using ClientMonitor.Testing;

namespace ClientMonitor.Infrastructure.Tests.Storage;

/// <summary>
/// The writes and reads that replaced one request per item keep their meaning: raw items written once in a batch
/// leave another run's items alone, lookups by many ids find exactly the stored ones, and a spent instant budget
/// remembered in memory still opens again with the next hour.
/// </summary>
public sealed class RequestSavingTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 9, 58, 0, TimeSpan.Zero);
    private TableServiceClient _tables = null!;

    public async Task InitializeAsync()
    {
        _tables = (await Azurite.SharedAsync()).CreateTableService();
        foreach (var table in new[] { MonitoringTables.RawDataTable, MonitoringTables.EventsTable, TableSendRateLimiter.TableName })
        {
            await _tables.GetTableClient(table).CreateIfNotExistsAsync();
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static RawDataRecord Raw(string business, string id, bool processed = false)
        => new(id, business, "c1", "newsapi", "{}", "hash-" + id, processed, processed ? "event-" + id : null, Now, processed ? Now : null);

    [Fact]
    public async Task SavingRawItems_WhenAnotherRunStoredSomeFirst_WritesTheRest_AndNamesTheTakenOnes()
    {
        var business = Azurite.UniqueName("b");
        var store = new MonitoringTables(_tables);
        await store.SaveAsync([(Raw(business, "r2", processed: true), false)], CancellationToken.None); // the other run

        var ids = Enumerable.Range(1, 20).Select(i => $"r{i}").ToList();
        var taken = await store.SaveAsync(ids.Select(id => (Raw(business, id) with { IsProcessed = true }, false)).ToList(), CancellationToken.None);
        var stored = await store.FindAsync(business, "c1", [.. ids, "r404"], CancellationToken.None);

        Assert.Equal(["r2"], taken);
        Assert.Equal(ids.Order(StringComparer.Ordinal), stored.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("event-r2", stored["r2"].ProcessedIntoEventId); // the other run's row is as it wrote it
        Assert.All(stored.Values, r => Assert.True(r.IsProcessed));
    }

    [Fact]
    public async Task SavingARawItemReadFromTheStore_ReplacesIt()
    {
        var business = Azurite.UniqueName("b");
        var store = new MonitoringTables(_tables);
        await store.SaveAsync([(Raw(business, "r1"), false)], CancellationToken.None); // a search-only run

        var taken = await store.SaveAsync([(Raw(business, "r1", processed: true), true)], CancellationToken.None);

        Assert.Empty(taken);
        Assert.Equal("event-r1", (await store.FindAsync(business, "c1", ["r1"], CancellationToken.None))["r1"].ProcessedIntoEventId);
    }

    [Fact]
    public async Task FindingEventsByManyIds_ReturnsTheStoredOnes_AcrossSeveralQueries()
    {
        var business = Azurite.UniqueName("b");
        var store = new MonitoringTables(_tables);
        for (var i = 0; i < 30; i += 2)
        {
            await store.UpsertAsync(new MonitoringEvent($"e{i}", business, "c1", "run", "t", null, "https://x.example", "newsapi", null, EventCategory.Other, 0.5, 0, RiskLevel.Low, "rule_based", null, null, null, Now), CancellationToken.None);
        }

        var found = await store.FindAsync(business, Enumerable.Range(0, 30).Select(i => $"e{i}").ToList(), CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 15).Select(i => $"e{i * 2}").Order(StringComparer.Ordinal), found.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ASpentInstantBudget_StaysSpentThisHour_AndOpensAgainTheNextHour()
    {
        var business = Azurite.UniqueName("b");
        var clock = new ManualTimeProvider(Now);
        var limiter = new TableSendRateLimiter(_tables, _ => (null, null), clock, instantPerUserPerHour: 2);
        var other = new TableSendRateLimiter(_tables, _ => (null, null), clock, instantPerUserPerHour: 2); // another worker

        var thisHour = new List<bool>();
        for (var i = 0; i < 4; i++)
        {
            thisHour.Add(await limiter.TryTakeAsync(business, "amy", CancellationToken.None));
        }

        var otherWorker = await other.TryTakeAsync(business, "amy", CancellationToken.None);
        var otherUser = await limiter.TryTakeAsync(business, "ben", CancellationToken.None);
        clock.SetUtcNow(Now.AddMinutes(2)); // 10:00
        var nextHour = await limiter.TryTakeAsync(business, "amy", CancellationToken.None);

        Assert.Equal([true, true, false, false], thisHour);
        Assert.False(otherWorker); // the count is shared through storage
        Assert.True(otherUser);
        Assert.True(nextHour);
    }
}
