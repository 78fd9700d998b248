using System.Net;
using System.Text.Json.Nodes;
using ClientMonitor.Functions.Tests.Pipeline;

namespace ClientMonitor.Functions.Tests.Api;

/// <summary>
/// <c>GET /clients</c> pages by cursor: following <c>next</c> links visits every client once by name, with
/// <c>is_active</c> kept; a renamed client moves; a cursor no page gave out is refused with the field named.
/// </summary>
public sealed class ClientPagingTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private PipelineWorker Worker => fixture.Worker;

    private static async Task<JsonObject> PageAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    private static async Task<(List<string> Names, List<JsonObject> Pages)> WalkAsync(HttpClient client, string url)
    {
        var names = new List<string>();
        var pages = new List<JsonObject>();
        for (string? next = url; next is not null;)
        {
            var page = await PageAsync(client, next);
            pages.Add(page);
            names.AddRange(page["clients"]!.AsArray().Select(c => (string)c!["name"]!));
            next = (string?)page["next"];
        }

        return (names, pages);
    }

    [Fact]
    public async Task FollowingNext_VisitsEveryClientOnceByName_WithTheFilterKept()
    {
        var business = await Worker.SeedAsync(clients: 11);
        var member = Worker.CreateClient().As("bob", business, "member");
        var admin = Worker.CreateClient().As("amy", business, "admin");
        using (var deactivate = await admin.PutAsync("/api/v1/clients/client-002", new StringContent("""{"is_active":false,"name":"aaa first"}""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, deactivate.StatusCode);
        }

        var whole = await PageAsync(member, "/api/v1/clients?limit=50");
        var expected = whole["clients"]!.AsArray().Select(c => (string)c!["name"]!).ToList();
        var (names, pages) = await WalkAsync(member, "/api/v1/clients?limit=3");
        var (active, activePages) = await WalkAsync(member, "/api/v1/clients?limit=4&is_active=true");

        Assert.Equal(11, (int)whole["total"]!);
        Assert.Equal("aaa first", expected[0]); // renamed, so moved to the front
        Assert.Equal(expected.Order(StringComparer.OrdinalIgnoreCase), expected);
        Assert.Equal(expected, names);
        Assert.Equal(4, pages.Count);
        Assert.Null(pages[0]["total"]);
        Assert.Equal(expected.Skip(1), active);
        Assert.All(activePages.Select(p => (string?)p["next"]).OfType<string>(), next => Assert.Contains("is_active=true", next, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("not base64 !")]
    [InlineData("YWJj")] // "abc": outside the list's key range
    public async Task ACursorNoPageGaveOut_Is422NamingCursor(string cursor)
    {
        var business = await Worker.SeedAsync(clients: 2);
        var member = Worker.CreateClient().As("bob", business, "member");

        using var response = await member.GetAsync($"/api/v1/clients?cursor={Uri.EscapeDataString(cursor)}");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("\"cursor\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
