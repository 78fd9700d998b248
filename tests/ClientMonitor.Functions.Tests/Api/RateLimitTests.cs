using System.Net;
using ClientMonitor.Functions.Tests.Pipeline;
using ClientMonitor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClientMonitor.Functions.Tests.Api;

/// <summary>
/// Per-caller limits in clock-minute windows: 429 problem details whose Retry-After is the time left in the window;
/// other callers, other client addresses (as the front end forwards them) and health checks unaffected.
/// </summary>
public sealed class RateLimitTests
{
    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 12, 2, 10, 0, 45, TimeSpan.Zero));

    private Task<PipelineWorker> StartAsync(string setting, string permits) => PipelineWorker.StartAsync(
        new Dictionary<string, string?> { ["Providers:UseMocks"] = "true", [setting] = permits },
        services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_clock)));

    [Fact]
    public async Task ACallerOverTheLimit_Gets429WithTheSecondsLeft_OthersAndHealthDoNot_AndTheNextMinuteIsFresh()
    {
        await using var worker = await StartAsync("Api:RateLimit:PermitsPerMinute", "3");
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

        _clock.Advance(TimeSpan.FromSeconds(3.5));
        using var refused = await amy.GetAsync("/api/v1/clients");
        using var other = await bob.GetAsync("/api/v1/clients");
        var health = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await anonymous.GetAsync("/api/health/live");
            health.Add(response.StatusCode);
        }

        _clock.Advance(TimeSpan.FromSeconds(11.5));
        using var nextMinute = await amy.GetAsync("/api/v1/clients");

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal("12", refused.Headers.GetValues("Retry-After").Single()); // 10:00:48.5 → 10:01:00
        Assert.Contains("try again in 12 s", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.All(health, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(HttpStatusCode.OK, nextMinute.StatusCode);
    }

    [Fact]
    public async Task TrackingLinks_AreLimitedPerForwardedClientAddress_TheCallersOwnEntriesIgnored()
    {
        await using var worker = await StartAsync("Api:RateLimit:TrackingPermitsPerMinute", "2");
        using var client = worker.CreateClient();

        async Task<int> OpenFrom(string forwardedFor)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/track/open/not-a-token");
            request.Headers.Add("X-Forwarded-For", forwardedFor);
            using var response = await client.SendAsync(request);
            return (int)response.StatusCode;
        }

        var first = new[] { await OpenFrom("203.0.113.7:50123"), await OpenFrom("203.0.113.7:50124"), await OpenFrom("203.0.113.7:50125") };
        var second = await OpenFrom("203.0.113.8:40000");
        var spoofed = await OpenFrom("198.51.100.1, 203.0.113.7:50126");

        Assert.Equal([404, 404, 429], first); // an unknown link is 404 until the address is over its limit
        Assert.Equal(404, second);
        Assert.Equal(429, spoofed);
    }
}
