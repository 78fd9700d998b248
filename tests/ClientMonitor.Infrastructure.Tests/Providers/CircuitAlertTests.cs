using ClientMonitor.Core.Providers;
using ClientMonitor.Infrastructure.Providers;
using ClientMonitor.Infrastructure.Providers.Search;
using ClientMonitor.Testing;
using static ClientMonitor.Infrastructure.Tests.Providers.ProviderTestSupport;

namespace ClientMonitor.Infrastructure.Tests.Providers;

/// <summary>The gateway tells its observer when a provider's circuit opens and when it closes again (the provider alert).</summary>
public sealed class CircuitAlertTests : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };

    public void Dispose() => _http.Dispose();

    private NewsApiSearchProvider NewsApi(Uri baseUrl, ProviderGateway gateway)
        => new NewsApiSearchProvider(_http, new SearchSourceOptions { BaseUrl = baseUrl, ApiKey = "test-key" }, gateway, TimeProvider.System);

    [Fact]
    public async Task ACircuitThatOpens_IsReported_AndReportedAgainWhenItCloses()
    {
        var healthy = false;
        await using var server = await FakeProviderServer.StartAsync(async (context, _) =>
            await FakeProviderServer.Respond(context, healthy ? 200 : 503, healthy ? """{"status":"ok","totalResults":0,"articles":[]}""" : """{"status":"error","code":"unexpectedError"}"""));
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        var changes = new List<(string Provider, bool Opened)>();
        var gateway = new ProviderGateway(
            _ => Fast(maxRetries: 0, breakerThroughput: 2), new ProviderTestSupport.UnlimitedQuota(), clock,
            (provider, opened, _) => { lock (changes) { changes.Add((provider, opened)); } return Task.CompletedTask; });
        var search = NewsApi(server.BaseUrl, gateway);
        var request = new SearchRequest(Contoso, new DateOnly(2026, 11, 23));

        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<ProviderException>(() => search.SearchAsync(request, CancellationToken.None));
        }

        Assert.Equal([("news_api", true)], changes);
        healthy = true;
        clock.Advance(TimeSpan.FromMinutes(6));
        await search.SearchAsync(request, CancellationToken.None);

        Assert.Equal([("news_api", true), ("news_api", false)], changes);
    }

    [Fact]
    public async Task AnObserverThatFails_DoesNotFailTheCall()
    {
        await using var server = await FakeProviderServer.StartAsync(503, """{"status":"error"}""");
        var gateway = new ProviderGateway(_ => Fast(maxRetries: 0, breakerThroughput: 2), new ProviderTestSupport.UnlimitedQuota(), TimeProvider.System, (_, _, _) => throw new InvalidOperationException("storage down"));
        var search = NewsApi(server.BaseUrl, gateway);
        var request = new SearchRequest(Contoso, new DateOnly(2026, 11, 23));

        await Assert.ThrowsAsync<ProviderException>(() => search.SearchAsync(request, CancellationToken.None));
        var opening = await Assert.ThrowsAsync<ProviderException>(() => search.SearchAsync(request, CancellationToken.None));

        Assert.Equal(ProviderFailureKind.Unavailable, opening.Kind);
        Assert.Equal("open", Assert.Single(await gateway.SnapshotAsync(CancellationToken.None)).Circuit);
    }
}
