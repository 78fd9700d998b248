using System.Net;
using ClientMonitor.Functions.Tests.Pipeline;

namespace ClientMonitor.Functions.Tests.Api;

/// <summary>Per-caller limits on the API: 429 problem details with Retry-After, other callers and health checks unaffected.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task ACallerOverTheLimit_Gets429WithRetryAfter_OthersAndHealthDoNot()
    {
        await using var worker = await PipelineWorker.StartAsync(new Dictionary<string, string?> { ["Providers:UseMocks"] = "true", ["Api:RateLimit:PermitsPerMinute"] = "3" });
        var business = await worker.SeedAsync(clients: 1);
        using var amy = worker.CreateClient().As("amy", business, "admin");
        using var bob = worker.CreateClient().As("bob", business, "member");
        using var anonymous = worker.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await amy.GetAsync("/api/v1/clients");
            statuses.Add(response.StatusCode);
        }

        using var refused = await amy.GetAsync("/api/v1/clients");
        using var other = await bob.GetAsync("/api/v1/clients");
        var health = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await anonymous.GetAsync("/api/health/live");
            health.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.InRange(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        Assert.Contains("Too many requests", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.All(health, s => Assert.Equal(HttpStatusCode.OK, s));
    }
}
