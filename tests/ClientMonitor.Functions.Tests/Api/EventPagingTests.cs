using System.Net;
using System.Text.Json.Nodes;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Functions.Tests.Pipeline;

namespace ClientMonitor.Functions.Tests.Api;

/// <summary>
/// <c>GET /events</c> pages by cursor: following <c>next</c> links visits every match once, newest first (then most
/// relevant), with the filters kept; a cursor no page gave out is refused with the field named.
/// </summary>
public sealed class EventPagingTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 8, 0, 0, TimeSpan.Zero);

    private PipelineWorker Worker => fixture.Worker;

    /// <summary>27 events over three clients: one a minute, and three sharing the last minute with different relevance.</summary>
    private async Task<(string Business, HttpClient Member, List<MonitoringEvent> Events)> SeedAsync()
    {
        var business = await Worker.SeedAsync(clients: 3);
        var events = new List<MonitoringEvent>();
        for (var i = 0; i < 27; i++)
        {
            var at = i < 24 ? Start.AddMinutes(i) : Start.AddMinutes(30);
            var relevance = i < 24 ? 0.5 : 0.2 + (i - 24) * 0.3;
            var e = new MonitoringEvent(
                $"evt-{i:D2}", business, $"client-{i % 3 + 1:D3}", "seed", $"Event {i}", null, $"https://news.example/{i}", "newsapi", null,
                (EventCategory)(i % 4), relevance, 0, RiskLevel.Low, "rule_based", null, null, null, at);
            await Worker.Stores.Events.UpsertAsync(e, CancellationToken.None);
            events.Add(e);
        }

        return (business, Worker.CreateClient().As("bob", business, "member"), events);
    }

    private static async Task<JsonObject> PageAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    /// <summary>Follows next links from <paramref name="url"/>; returns the ids in order and the pages seen.</summary>
    private static async Task<(List<string> Ids, List<JsonObject> Pages)> WalkAsync(HttpClient client, string url)
    {
        var ids = new List<string>();
        var pages = new List<JsonObject>();
        for (string? next = url; next is not null && pages.Count < 50;)
        {
            var page = await PageAsync(client, next);
            pages.Add(page);
            ids.AddRange(page["events"]!.AsArray().Select(e => (string)e!["id"]!));
            next = (string?)page["next"];
        }

        return (ids, pages);
    }

    [Fact]
    public async Task FollowingNextLinks_VisitsEveryEventOnce_NewestFirst_ThenMostRelevant()
    {
        var (_, member, events) = await SeedAsync();
        var expected = events.OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Relevance).Select(e => e.Id).ToList();

        var (ids, pages) = await WalkAsync(member, "/api/v1/events?limit=10");

        Assert.Equal(expected, ids);
        Assert.Equal(3, pages.Count);
        Assert.Equal(["evt-26", "evt-25", "evt-24"], ids.Take(3));
        Assert.All(pages.Take(2), p => Assert.Null((int?)p["total"])); // unknown without reading the rest
        Assert.Null((string?)pages[^1]["next"]);
        Assert.Equal(27, (int)(await PageAsync(member, "/api/v1/events?limit=100"))["total"]!);
    }

    [Fact]
    public async Task NextLinks_KeepTheFilters_AndSkipCountsFromTheStart()
    {
        var (_, member, events) = await SeedAsync();
        var to = Start.AddMinutes(30);
        var expected = events.Where(e => e.ClientId == "client-002" && e.Category == EventCategory.Funding && e.CreatedAt < to)
            .OrderByDescending(e => e.CreatedAt).Select(e => e.Id).ToList();
        Assert.Equal(["evt-22", "evt-10"], expected);

        var (ids, pages) = await WalkAsync(member, $"/api/v1/events?limit=1&client_id=client-002&category=funding&to={Uri.EscapeDataString(to.ToString("O"))}");

        Assert.Equal(expected, ids);
        Assert.All(pages.Select(p => (string?)p["next"]).OfType<string>(), next => Assert.Contains("client_id=client-002", next, StringComparison.Ordinal));

        var skipped = await PageAsync(member, "/api/v1/events?limit=5&skip=20");
        Assert.Equal(events.OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Relevance).Skip(20).Take(5).Select(e => e.Id), skipped["events"]!.AsArray().Select(e => (string)e!["id"]!));
        Assert.DoesNotContain("skip=", (string)skipped["next"]!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not base64 !")]
    [InlineData("YWJj")] // "abc": outside the list's key range
    [InlineData("abc")] // base64url of bytes that are not UTF-8 (0x69 0xB7)
    public async Task ACursorNoPageGaveOut_Is422NamingCursor(string cursor)
    {
        var (_, member, _) = await SeedAsync();

        using var response = await member.GetAsync($"/api/v1/events?cursor={Uri.EscapeDataString(cursor)}");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("\"cursor\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACursorOfOneClientsList_IsRefusedForAnothers()
    {
        var (_, member, _) = await SeedAsync();
        var first = await PageAsync(member, "/api/v1/events?limit=2&client_id=client-001");
        var cursor = new Uri("http://x" + (string)first["next"]!).Query.Split('&').Single(p => p.Contains("cursor=", StringComparison.Ordinal)).Split('=')[1];

        using var response = await member.GetAsync($"/api/v1/events?client_id=client-003&cursor={cursor}");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
    }
}
