using System.Net;
using System.Text;
using ClientMonitor.Functions.Tests.Pipeline;

namespace ClientMonitor.Functions.Tests.Api;

/// <summary>Ids that cannot exist (characters storage keys forbid, absurd lengths) are unknown ids, not server errors.</summary>
public sealed class IdInputTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Theory]
    [InlineData("/api/v1/clients/a%5Cb")]
    [InlineData("/api/v1/automation-schedules/a%23b")]
    [InlineData("/api/v1/users/a%3Fb")]
    [InlineData("/api/v1/events/a%01b")]
    [InlineData("/api/v1/alerts/a%23b")] // every route value, whatever its name, must be a possible row key
    [InlineData("/api/v1/alerts/a%3Fb")]
    [InlineData("/api/v1/alerts/a%5Cb")]
    [InlineData("/api/v1/alerts/a%01b")]
    public async Task ARouteIdThatCannotExist_Is404(string path)
    {
        var business = await fixture.Worker.SeedAsync(0);
        var admin = fixture.Worker.CreateClient().As("amy", business, "admin");

        var response = await admin.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/api/v1/clients/", 600)]
    [InlineData("/api/v1/alerts/", 513)]
    public async Task ALongRouteValue_Is404(string prefix, int length)
    {
        var business = await fixture.Worker.SeedAsync(0);
        var admin = fixture.Worker.CreateClient().As("amy", business, "admin");

        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync(prefix + new string('x', length))).StatusCode);
    }

    [Theory]
    [InlineData("/api/v1/user-preferences/", """{"user_id":"a\\b"}""", "user_id")]
    [InlineData("/api/v1/automation-schedules/bulk/delete", """{"schedule_ids":["a#b"]}""", "schedule_ids")]
    public async Task ABodyIdThatCannotExist_Is422NamingTheField(string path, string body, string field)
    {
        var business = await fixture.Worker.SeedAsync(0);
        var admin = fixture.Worker.CreateClient().As("amy", business, "admin");

        var response = await admin.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains($"\"{field}\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/v1/clients", """{"name":"\ud800"}""", "name", HttpStatusCode.UnprocessableEntity)]
    [InlineData("/api/v1/clients", """{"name":"ok","keywords":["a\udc00b"]}""", "keywords", HttpStatusCode.UnprocessableEntity)]
    [InlineData("/api/v1/monitoring-jobs/execute", """{"client_ids":[null]}""", "client_ids", HttpStatusCode.UnprocessableEntity)]
    [InlineData("/api/v1/clients", """{"name":"a","name":"b"}""", null, HttpStatusCode.BadRequest)]
    [InlineData("/api/v1/monitoring-jobs/execute", """{"force_mock":true,"force_mock":false}""", null, HttpStatusCode.BadRequest)]
    [InlineData("/api/v1/clients", """{"\ud800":1}""", null, HttpStatusCode.BadRequest)] // found by the fuzz test: a lone surrogate in a name
    [InlineData("/api/v1/clients", """{"name":"a","keywords":{"\udc00":1}}""", null, HttpStatusCode.BadRequest)]
    public async Task ABodyNoFieldCanTake_IsAProblemNamingTheField_NotAServerError(string path, string body, string? field, HttpStatusCode status)
    {
        var business = await fixture.Worker.SeedAsync(0);
        var admin = fixture.Worker.CreateClient().As("amy", business, "admin");

        var response = await admin.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (field is not null)
        {
            Assert.Contains($"\"{field}\"", text, StringComparison.Ordinal);
        }
    }

    /// <summary>Found by the fuzz test: each of these was a 500 or a 4xx without a body.</summary>
    [Theory]
    [InlineData("GET", "/api/v1/clients", null, "text/html", HttpStatusCode.Unauthorized)] // a refusal for a caller accepting only HTML
    [InlineData("GET", "/api/v1/clients", "admin", "application/xml", HttpStatusCode.OK)]
    [InlineData("DELETE", "/api/v1/clients/client-000", "member", "text/html", HttpStatusCode.Forbidden)]
    [InlineData("GET", "/api/v1/events?client_id=LONG", "admin", null, HttpStatusCode.UnprocessableEntity)] // a filter storage would refuse (431)
    [InlineData("GET", "/api/v1/email-logs?recipient_email=LONG", "admin", null, HttpStatusCode.UnprocessableEntity)]
    [InlineData("GET", "/api/v1/no-such-thing", "admin", null, HttpStatusCode.NotFound)] // routing's own answers
    [InlineData("PATCH", "/api/v1/clients", "admin", null, HttpStatusCode.MethodNotAllowed)]
    public async Task RefusalsOutsideEndpoints_AreProblemDetailsToo(string method, string path, string? role, string? accept, HttpStatusCode status)
    {
        var business = await fixture.Worker.SeedAsync(1);
        var client = fixture.Worker.CreateClient();
        if (role is not null)
        {
            client.As(role == "admin" ? "amy" : "bob", business, role);
        }

        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("LONG", new string('9', 16_000), StringComparison.Ordinal));
        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
        if ((int)status >= 400)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains($"\"status\":{(int)status}", text, StringComparison.Ordinal);
        }
    }
}
