using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using ClientMonitor.Application.Dashboard;
using ClientMonitor.Functions.Tests.Api;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.IdentityModel.JsonWebTokens;

namespace ClientMonitor.Functions.Tests.Dashboard;

/// <summary>The dashboard's server side: its page under a strict CSP, the development sign-in, and charts scoped to the caller's business.</summary>
public sealed class DashboardApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task ThePageAndItsModules_AreServedFromTheApp_UnderAStrictPolicy_AndNothingElseIs()
    {
        using var client = fixture.Worker.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        using var bare = await client.GetAsync("/api/dashboard");
        using var page = await client.GetAsync("/api/dashboard/");
        using var module = await client.GetAsync("/api/dashboard/app.js");
        using var missing = await client.GetAsync("/api/dashboard/nope.js");
        using var notAsset = await client.GetAsync("/api/dashboard/app.dll");
        using var config = await client.GetAsync("/api/dashboard/config.json");

        Assert.Equal(HttpStatusCode.Redirect, bare.StatusCode);
        Assert.Equal("/api/dashboard/", bare.Headers.Location?.ToString());
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("app.js", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("text/javascript", module.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, notAsset.StatusCode);
        Assert.Equal("development", (string?)(await config.Content.ReadFromJsonAsync<JsonObject>())!["sign_in"]);
    }

    [Fact]
    public async Task DevelopmentSignIn_GivesAUserTheirStoredRole_AndNoOneElseAToken()
    {
        var business = await fixture.Worker.SeedAsync(1);
        using var client = fixture.Worker.CreateClient();

        async Task<HttpResponseMessage> SignIn(string user) => await client.PostAsync("/api/dashboard/dev-sign-in", new StringContent($$"""{"user_id":"{{user}}","business_id":"{{business}}"}""", Encoding.UTF8, "application/json"));
        using var amy = await SignIn("amy");
        using var bob = await SignIn("bob");
        using var stranger = await SignIn("mallory");

        var amyToken = (string)(await amy.Content.ReadFromJsonAsync<JsonObject>())!["token"]!;
        var bobToken = (string)(await bob.Content.ReadFromJsonAsync<JsonObject>())!["token"]!;
        Assert.Equal("admin", new JsonWebToken(amyToken).GetClaim("role").Value);
        Assert.Equal("member", new JsonWebToken(bobToken).GetClaim("role").Value);
        using var api = fixture.Worker.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", amyToken);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/clients")).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, stranger.StatusCode);
        Assert.Contains("user_id", await stranger.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Charts_AreAccessibleSvgOfTheCallersBusinessOnly()
    {
        var business = await fixture.Worker.SeedAsync(2);
        var other = await fixture.Worker.SeedAsync(2);
        await fixture.Worker.RunJobAsync(business);
        using var admin = fixture.Worker.CreateClient().As("amy", business, "admin");
        using var otherAdmin = fixture.Worker.CreateClient().As("amy", other, "admin");

        using var events = await admin.GetAsync("/api/v1/dashboard/charts/events-by-category.svg?days=7");
        using var elsewhere = await otherAdmin.GetAsync("/api/v1/dashboard/charts/events-by-category.svg?days=7");
        using var durations = await admin.GetAsync("/api/v1/dashboard/charts/job-durations.svg");
        using var funnel = await admin.GetAsync("/api/v1/dashboard/charts/email-funnel.svg");
        using var badDays = await admin.GetAsync("/api/v1/dashboard/charts/events-by-category.svg?days=0");
        using var anonymous = await fixture.Worker.CreateClient().GetAsync("/api/v1/dashboard/charts/job-durations.svg");

        Assert.Equal("image/svg+xml", events.Content.Headers.ContentType?.MediaType);
        var svg = XDocument.Parse(await events.Content.ReadAsStringAsync()).Root!;
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal("img", (string?)svg.Attribute("role"));
        Assert.Contains("risk", svg.Element(ns + "desc")!.Value, StringComparison.Ordinal); // the run's events, said in words
        Assert.NotEmpty(svg.Descendants(ns + "rect"));
        var otherSvg = XDocument.Parse(await elsewhere.Content.ReadAsStringAsync()).Root!;
        Assert.Equal("All values are zero in this period.", otherSvg.Element(ns + "desc")!.Value);
        Assert.Contains("Duration of the last 1 finished job runs", await durations.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("Queued", await funnel.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badDays.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public void ChartText_IsEscaped_AndTheDescriptionSaysTheNumbers()
    {
        var svg = SvgCharts.Bars("Clients <script>alert(1)</script> & co", "events", [new("Mon", [("risk", 2), ("funding", 1)]), new("Tue", [("risk", 0)])]);

        var root = XDocument.Parse(svg).Root!;
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.DoesNotContain("<script>", svg, StringComparison.Ordinal);
        Assert.Equal("Clients <script>alert(1)</script> & co", root.Element(ns + "title")!.Value);
        Assert.Equal("Mon: risk 2, funding 1", root.Element(ns + "desc")!.Value);
        Assert.Equal(2, root.Elements(ns + "rect").Count(r => (string?)r.Attribute("height") != "12"));
    }
}
