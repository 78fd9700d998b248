using Azure;
using ClientMonitor.Infrastructure.Tables;
using ClientMonitor.Testing;

namespace ClientMonitor.Infrastructure.Tests.Tables;

public enum Tier
{
    Basic,
    Premium,
}

public sealed class SampleEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public ETag ETag { get; set; }
    public DateTimeOffset? Timestamp { get; set; }
    public string? Name { get; set; }
    public bool Active { get; set; }
    public int Count { get; set; }
    public long Big { get; set; }
    public double Score { get; set; }
    public DateTimeOffset? SeenAt { get; set; }
    public Guid Id { get; set; }
    public Tier Tier { get; set; }
    public byte[]? Hash { get; set; }
    public double? Optional { get; set; }
}

public sealed class TableClientTests : IAsyncLifetime
{
    private TableClient _table = null!;

    public async Task InitializeAsync()
    {
        var azurite = await Azurite.SharedAsync();
        _table = azurite.CreateTableService().GetTableClient(Azurite.UniqueName("t"));
        await _table.CreateIfNotExistsAsync();
    }

    public Task DisposeAsync() => _table.DeleteAsync();

    [Fact]
    public async Task CreateIfNotExists_SecondCall_ReportsExisting()
    {
        Assert.False(await _table.CreateIfNotExistsAsync());
    }

    [Fact]
    public async Task RoundTrip_KeepsEveryTypedValue()
    {
        var seen = new DateTimeOffset(2026, 3, 29, 1, 30, 15, 123, TimeSpan.FromHours(2));
        var entity = new SampleEntity
        {
            PartitionKey = "p", RowKey = "r", Name = "Acme \"Ltd\" ünïcode", Active = true, Count = 42,
            Big = long.MaxValue, Score = 3.0, SeenAt = seen, Id = Guid.NewGuid(), Tier = Tier.Premium,
            Hash = [1, 2, 3, 255],
        };

        await _table.AddEntityAsync(entity);
        var read = await _table.GetEntityIfExistsAsync<SampleEntity>("p", "r");

        Assert.NotNull(read);
        Assert.Equal(entity.Name, read.Name);
        Assert.True(read.Active);
        Assert.Equal(42, read.Count);
        Assert.Equal(long.MaxValue, read.Big);
        Assert.Equal(3.0, read.Score);
        Assert.Equal(seen, read.SeenAt);
        Assert.Equal(TimeSpan.Zero, read.SeenAt!.Value.Offset);
        Assert.Equal(entity.Id, read.Id);
        Assert.Equal(Tier.Premium, read.Tier);
        Assert.Equal(entity.Hash, read.Hash);
        Assert.Null(read.Optional);
        Assert.NotEqual(default, read.ETag);
        Assert.NotNull(read.Timestamp);
    }

    [Fact]
    public async Task Get_MissingRow_ReturnsNull()
    {
        Assert.Null(await _table.GetEntityIfExistsAsync<SampleEntity>("p", "missing"));
    }

    [Fact]
    public async Task Add_ExistingKeys_FailsWithConflict()
    {
        await _table.AddEntityAsync(new SampleEntity { PartitionKey = "p", RowKey = "r" });

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => _table.AddEntityAsync(new SampleEntity { PartitionKey = "p", RowKey = "r" }));

        Assert.Equal(409, ex.Status);
        Assert.Equal("EntityAlreadyExists", ex.ErrorCode);
        Assert.Contains("RequestId", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_WithStaleETag_ThrowsConcurrencyException()
    {
        var first = await _table.AddEntityAsync(new SampleEntity { PartitionKey = "p", RowKey = "r", Count = 1 });
        await _table.UpdateEntityAsync(new SampleEntity { PartitionKey = "p", RowKey = "r", Count = 2 }, first.Value);

        var ex = await Assert.ThrowsAsync<TableConcurrencyException>(
            () => _table.UpdateEntityAsync(new SampleEntity { PartitionKey = "p", RowKey = "r", Count = 3 }, first.Value));

        Assert.Equal(412, ex.Status);
        Assert.Equal(2, (await _table.GetEntityIfExistsAsync<SampleEntity>("p", "r"))!.Count);
    }

    [Fact]
    public async Task Update_WithCurrentETag_Succeeds()
    {
        await _table.AddEntityAsync(new SampleEntity { PartitionKey = "p", RowKey = "r", Count = 1 });
        var current = await _table.GetEntityIfExistsAsync<SampleEntity>("p", "r");
        current!.Count = 5;

        var etag = await _table.UpdateEntityAsync(current, current.ETag);

        Assert.NotEqual(current.ETag, etag.Value);
        Assert.Equal(5, (await _table.GetEntityIfExistsAsync<SampleEntity>("p", "r"))!.Count);
    }

    [Fact]
    public async Task Upsert_Merge_KeepsPropertiesTheNewEntityOmits()
    {
        await _table.UpsertEntityAsync(new SampleEntity { PartitionKey = "p", RowKey = "r", Name = "kept", Optional = 1.5 });
        await _table.UpsertEntityAsync(new SampleEntity { PartitionKey = "p", RowKey = "r", Count = 7 }, TableUpdateMode.Merge);

        var read = await _table.GetEntityIfExistsAsync<SampleEntity>("p", "r");
        Assert.Equal("kept", read!.Name);
        Assert.Equal(1.5, read.Optional);
        Assert.Equal(7, read.Count);
    }

    [Fact]
    public async Task Upsert_Replace_DropsPropertiesTheNewEntityOmits()
    {
        await _table.UpsertEntityAsync(new SampleEntity { PartitionKey = "p", RowKey = "r", Name = "gone" });
        await _table.UpsertEntityAsync(new SampleEntity { PartitionKey = "p", RowKey = "r", Count = 7 }, TableUpdateMode.Replace);

        var read = await _table.GetEntityIfExistsAsync<SampleEntity>("p", "r");
        Assert.Null(read!.Name);
        Assert.Equal(7, read.Count);
    }

    [Fact]
    public async Task Delete_WithStaleETag_Throws_AndMissingRowIsNoError()
    {
        var first = await _table.AddEntityAsync(new SampleEntity { PartitionKey = "p", RowKey = "r" });
        await _table.UpsertEntityAsync(new SampleEntity { PartitionKey = "p", RowKey = "r", Count = 1 });

        await Assert.ThrowsAsync<TableConcurrencyException>(() => _table.DeleteEntityAsync("p", "r", first.Value));
        await _table.DeleteEntityAsync("p", "r");
        await _table.DeleteEntityAsync("p", "r");

        Assert.Null(await _table.GetEntityIfExistsAsync<SampleEntity>("p", "r"));
    }

    [Fact]
    public async Task KeysWithQuotesAndSpaces_AreAddressable()
    {
        await _table.AddEntityAsync(new SampleEntity { PartitionKey = "O'Brien & Co", RowKey = "a b'c%", Count = 3 });

        var read = await _table.GetEntityIfExistsAsync<SampleEntity>("O'Brien & Co", "a b'c%");

        Assert.Equal(3, read!.Count);
    }

    [Fact]
    public void ForbiddenKeyCharacter_IsRejectedBeforeAnyCall()
    {
        Assert.Throws<ArgumentException>(() => _table.AddEntityAsync(new SampleEntity { PartitionKey = "a/b", RowKey = "r" }).GetAwaiter().GetResult());
    }

    [Fact]
    public async Task Query_FollowsContinuationAcrossMoreThanOnePage()
    {
        const int total = 1_150;
        await Parallel.ForEachAsync(Enumerable.Range(0, total), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            await _table.AddEntityAsync(new SampleEntity { PartitionKey = "bulk", RowKey = i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture), Count = i }, ct));

        var pages = 0;
        var rows = new List<SampleEntity>();
        await foreach (var page in _table.QueryAsync<SampleEntity>(TableFilter.Create($"PartitionKey eq {"bulk"}")).AsPages())
        {
            pages++;
            rows.AddRange(page.Values);
        }

        Assert.True(pages >= 2, $"expected several pages, got {pages}");
        Assert.Equal(total, rows.Count);
        Assert.Equal(Enumerable.Range(0, total), rows.Select(r => r.Count).Order());
    }

    [Fact]
    public async Task Query_SelectAndTop_LimitWhatComesBack()
    {
        for (var i = 0; i < 5; i++)
        {
            await _table.AddEntityAsync(new SampleEntity { PartitionKey = "p", RowKey = "r" + i, Name = "n" + i, Count = i });
        }

        var first = await _table.QueryAsync<SampleEntity>(select: ["Count"], maxPerPage: 2).AsPages().FirstAsync();

        Assert.Equal(2, first.Values.Count);
        Assert.All(first.Values, v => Assert.Null(v.Name));
        Assert.NotNull(first.ContinuationToken);
    }

    [Fact]
    public async Task Filter_QuoteInValue_CannotWidenTheQuery()
    {
        await _table.AddEntityAsync(new SampleEntity { PartitionKey = "tenantA", RowKey = "1", Name = "secret-a" });
        await _table.AddEntityAsync(new SampleEntity { PartitionKey = "tenantB", RowKey = "1", Name = "secret-b" });
        var hostile = "tenantB' or PartitionKey ne 'x";

        var rows = await _table.QueryAsync<SampleEntity>(TableFilter.Create($"PartitionKey eq {hostile}")).ToListAsync();

        Assert.Empty(rows);
    }

    [Fact]
    public async Task Filter_TypedValues_CompareAsTheirTypes()
    {
        var at = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        await _table.AddEntityAsync(new SampleEntity { PartitionKey = "p", RowKey = "old", SeenAt = at.AddDays(-1), Big = 5, Score = 0.25, Active = true });
        await _table.AddEntityAsync(new SampleEntity { PartitionKey = "p", RowKey = "new", SeenAt = at.AddDays(1), Big = 50, Score = 2, Active = true });

        var rows = await _table.QueryAsync<SampleEntity>(
            TableFilter.Create($"PartitionKey eq {"p"} and SeenAt ge {at} and Big gt {10L} and Score ge {2.0} and Active eq {true}")).ToListAsync();

        Assert.Equal("new", Assert.Single(rows).RowKey);
    }
}

internal static class AsyncEnumerableTestExtensions
{
    public static async Task<List<T>> ToListAsync<T>(this IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source)
        {
            list.Add(item);
        }

        return list;
    }

    public static async Task<T> FirstAsync<T>(this IAsyncEnumerable<T> source)
    {
        await foreach (var item in source)
        {
            return item;
        }

        throw new InvalidOperationException("empty");
    }
}
