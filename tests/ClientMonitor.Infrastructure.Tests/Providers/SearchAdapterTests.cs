using ClientMonitor.Core.Providers;
using ClientMonitor.Infrastructure.Providers;
using ClientMonitor.Infrastructure.Providers.Search;
using ClientMonitor.Testing;
using static ClientMonitor.Infrastructure.Tests.Providers.ProviderTestSupport;

namespace ClientMonitor.Infrastructure.Tests.Providers;

/// <summary>Each search adapter against a local server answering in that provider's real format.</summary>
public sealed class SearchAdapterTests : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };

    public static TheoryData<string> Providers => new() { "gdelt", "news_api", "serper", "google_search" };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Search_Success_ParsesItemsFromTheProviderFormat(string provider)
    {
        await using var server = await FakeProviderServer.StartAsync(200, Payloads.Success(provider));
        var search = Create(provider, server.BaseUrl, Gateway(Fast()));

        var items = await search.SearchAsync(new SearchRequest(Contoso, new DateOnly(2026, 11, 22)), CancellationToken.None);

        var item = Assert.Single(items);
        Assert.Equal(provider, item.Source);
        Assert.Equal("Contoso opens new headquarters in Austin", item.Title);
        Assert.Equal("https://www.reuters.com/business/contoso-opens-hq-2026-11-21/", item.Url);
        Assert.NotNull(item.PublishedAt);
        Assert.Contains("Contoso", server.Requests[0].PathAndQuery + server.Requests[0].Body, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Search_EmptyAnswer_GivesNoItems(string provider)
    {
        await using var server = await FakeProviderServer.StartAsync(200, Payloads.Empty(provider));
        var search = Create(provider, server.BaseUrl, Gateway(Fast()));

        var items = await search.SearchAsync(new SearchRequest(Contoso, new DateOnly(2026, 11, 22)), CancellationToken.None);

        Assert.Empty(items);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Search_Unauthorized_IsAConfigurationErrorAndNotRetried(string provider)
    {
        await using var server = await FakeProviderServer.StartAsync(401, Payloads.Error(provider, 401));
        var search = Create(provider, server.BaseUrl, Gateway(Fast(maxRetries: 3)));

        var ex = await Assert.ThrowsAsync<ProviderException>(() => search.SearchAsync(new SearchRequest(Contoso, new DateOnly(2026, 11, 22)), CancellationToken.None));

        Assert.Equal(ProviderFailureKind.Configuration, ex.Kind);
        Assert.Single(server.Requests);
        Assert.DoesNotContain("test-key", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Search_RateLimitedWithRetryAfter_RetriesAndSucceeds(string provider)
    {
        var calls = 0;
        await using var server = await FakeProviderServer.StartAsync(async (context, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                context.Response.Headers.RetryAfter = "1";
                await FakeProviderServer.Respond(context, 429, Payloads.Error(provider, 429));
                return;
            }

            await FakeProviderServer.Respond(context, 200, Payloads.Success(provider));
        });
        var search = Create(provider, server.BaseUrl, Gateway(Fast()));

        var items = await search.SearchAsync(new SearchRequest(Contoso, new DateOnly(2026, 11, 22)), CancellationToken.None);

        Assert.Single(items);
        Assert.Equal(2, server.Requests.Count);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Search_ServerErrors_RetryThenOpenTheCircuit(string provider)
    {
        await using var server = await FakeProviderServer.StartAsync(500, """{"error":"internal"}""");
        var gateway = Gateway(Fast(maxRetries: 1, breakerThroughput: 2));
        var search = Create(provider, server.BaseUrl, gateway);
        var request = new SearchRequest(Contoso, new DateOnly(2026, 11, 22));

        var first = await Assert.ThrowsAsync<ProviderException>(() => search.SearchAsync(request, CancellationToken.None));
        var requestsWhenOpened = server.Requests.Count;
        var second = await Assert.ThrowsAsync<ProviderException>(() => search.SearchAsync(request, CancellationToken.None));

        Assert.Equal(ProviderFailureKind.Unavailable, first.Kind);
        Assert.Equal(2, requestsWhenOpened); // the first try and one retry
        Assert.Equal(ProviderFailureKind.CircuitOpen, second.Kind);
        Assert.Equal(requestsWhenOpened, server.Requests.Count); // an open circuit does not call the provider
        var health = Assert.Single(await gateway.SnapshotAsync(CancellationToken.None));
        Assert.Equal("open", health.Circuit);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Search_NoAnswerInTime_IsATimeout(string provider)
    {
        await using var server = await FakeProviderServer.StartAsync(async (context, _) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        var search = Create(provider, server.BaseUrl, Gateway(Fast(maxRetries: 0, attemptTimeoutMs: 300)));

        var ex = await Assert.ThrowsAsync<ProviderException>(() => search.SearchAsync(new SearchRequest(Contoso, new DateOnly(2026, 11, 22)), CancellationToken.None));

        Assert.Equal(ProviderFailureKind.Timeout, ex.Kind);
    }

    [Fact]
    public async Task Quota_UsedUp_StopsCallingTheProvider()
    {
        var azurite = await Azurite.SharedAsync();
        var tables = azurite.CreateTableService();
        await tables.GetTableClient(TableProviderQuota.TableName).CreateIfNotExistsAsync();
        await using var server = await FakeProviderServer.StartAsync(200, Payloads.Success("google_search"));
        var options = Fast();
        options.DailyQuota = 2;
        var quota = new TableProviderQuota(tables, new ManualTimeProvider(new DateTimeOffset(2026, 11, 22, 8, 0, 0, TimeSpan.Zero).AddDays(Random.Shared.Next(1, 100_000))));
        var search = Create("google_search", server.BaseUrl, Gateway(options, quota));
        var request = new SearchRequest(Contoso, new DateOnly(2026, 11, 22));

        await search.SearchAsync(request, CancellationToken.None);
        await search.SearchAsync(request, CancellationToken.None);
        var ex = await Assert.ThrowsAsync<ProviderException>(() => search.SearchAsync(request, CancellationToken.None));

        Assert.Equal(ProviderFailureKind.QuotaExhausted, ex.Kind);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public void RetryAfter_IsHonouredUpToTheCap()
    {
        var wait = new ProviderHttpException("p", System.Net.HttpStatusCode.TooManyRequests, "slow down", TimeSpan.FromSeconds(7));
        var tooLong = new ProviderHttpException("p", System.Net.HttpStatusCode.TooManyRequests, "slow down", TimeSpan.FromMinutes(10));

        Assert.Equal(TimeSpan.FromSeconds(7), ProviderGateway.RetryAfterDelay(wait, TimeSpan.FromSeconds(30)));
        Assert.Equal(TimeSpan.FromSeconds(30), ProviderGateway.RetryAfterDelay(tooLong, TimeSpan.FromSeconds(30)));
        Assert.Null(ProviderGateway.RetryAfterDelay(new HttpRequestException("reset"), TimeSpan.FromSeconds(30)));
    }

    [Theory]
    [InlineData("3 hours ago", -3)]
    [InlineData("1 day ago", -24)]
    public void SerperDate_RelativeText_IsReadAgainstTheClock(string text, int hours)
    {
        var now = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(now.AddHours(hours), SerperSearchProvider.ParseDate(text, now));
    }

    public void Dispose() => _http.Dispose();

    private ISearchProvider Create(string provider, Uri baseUrl, ProviderGateway gateway)
    {
        var options = new SearchSourceOptions { BaseUrl = baseUrl, ApiKey = "test-key", EngineId = "engine-1" };
        return provider switch
        {
            "gdelt" => new GdeltSearchProvider(_http, options, gateway, TimeProvider.System),
            "news_api" => new NewsApiSearchProvider(_http, options, gateway, TimeProvider.System),
            "serper" => new SerperSearchProvider(_http, options, gateway, TimeProvider.System),
            _ => new GoogleCustomSearchProvider(_http, options, gateway, TimeProvider.System),
        };
    }

    /// <summary>Payloads shaped as each provider documents them (trimmed to the fields that matter).</summary>
    private static class Payloads
    {
        private const string Title = "Contoso opens new headquarters in Austin";
        private const string Url = "https://www.reuters.com/business/contoso-opens-hq-2026-11-21/";

        public static string Success(string provider) => provider switch
        {
            "gdelt" => $$"""{"articles":[{"url":"{{Url}}","url_mobile":"","title":"{{Title}}","seendate":"20261121T093000Z","socialimage":"https://www.reuters.com/img.jpg","domain":"reuters.com","language":"English","sourcecountry":"United States"}]}""",
            "news_api" => $$"""{"status":"ok","totalResults":1,"articles":[{"source":{"id":"reuters","name":"Reuters"},"author":"Jane Doe","title":"{{Title}}","description":"The software maker will add 600 jobs.","url":"{{Url}}","urlToImage":null,"publishedAt":"2026-11-21T09:30:00Z","content":"AUSTIN, Nov 21 (Reuters) - Contoso ... [+1200 chars]"}]}""",
            "serper" => $$"""{"searchParameters":{"q":"(\"Contoso\" OR \"Contoso Cloud\")","type":"news","engine":"google"},"news":[{"title":"{{Title}}","link":"{{Url}}","snippet":"The software maker will add 600 jobs.","date":"3 hours ago","source":"Reuters","imageUrl":"https://example.com/i.jpg","position":1}],"credits":1}""",
            _ => """{"kind":"customsearch#search","searchInformation":{"totalResults":"1"},"items":[{"kind":"customsearch#result","title":"TITLE","link":"URL","displayLink":"www.reuters.com","snippet":"The software maker will add 600 jobs.","pagemap":{"metatags":[{"article:published_time":"2026-11-21T09:30:00Z"}]}}]}""".Replace("TITLE", Title, StringComparison.Ordinal).Replace("URL", Url, StringComparison.Ordinal),
        };

        public static string Empty(string provider) => provider switch
        {
            "gdelt" => "{}",
            "news_api" => """{"status":"ok","totalResults":0,"articles":[]}""",
            "serper" => """{"searchParameters":{"q":"\"Contoso\"","type":"news","engine":"google"},"news":[],"credits":1}""",
            _ => """{"kind":"customsearch#search","searchInformation":{"totalResults":"0"}}""",
        };

        public static string Error(string provider, int status) => provider switch
        {
            "news_api" => status == 401
                ? """{"status":"error","code":"apiKeyInvalid","message":"Your API key is invalid or incorrect. Check your key, or go to https://newsapi.org to create a free API key."}"""
                : """{"status":"error","code":"rateLimited","message":"You have been rate limited. Back off for a while before trying the request again."}""",
            "serper" => status == 401 ? """{"message":"Unauthorized.","statusCode":401}""" : """{"message":"Too many requests","statusCode":429}""",
            "google_search" => """{"error":{"code":STATUS,"message":"MESSAGE","status":"REASON"}}""".Replace("STATUS", status.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal).Replace("MESSAGE", status == 401 ? "API key not valid. Please pass a valid API key." : "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute'.", StringComparison.Ordinal).Replace("REASON", status == 401 ? "UNAUTHENTICATED" : "RESOURCE_EXHAUSTED", StringComparison.Ordinal),
            _ => status == 429 ? "Please limit requests to one every 5 seconds or contact kalev.leetaru5@gmail.com for larger queries." : "Unauthorized",
        };
    }
}
