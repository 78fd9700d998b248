using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;

namespace ClientMonitor.Infrastructure.Providers.Search;

/// <summary>Settings of one search source. Only <c>BaseUrl</c> is needed for GDELT; the others need their key.</summary>
public sealed class SearchSourceOptions
{
    public Uri? BaseUrl { get; set; }

    public string? ApiKey { get; set; }

    /// <summary>Google Programmable Search engine id (<c>cx</c>); Google only.</summary>
    public string? EngineId { get; set; }

    /// <summary>GDELT only: the look-back window (default <c>7d</c>).</summary>
    public string Timespan { get; set; } = "7d";
}

/// <summary>The query every source gets: the client's quoted name, OR'd with its quoted keywords.</summary>
internal static class SearchQuery
{
    public static string For(Client client, int maxKeywords = 3)
    {
        var terms = new[] { client.Name }.Concat(client.Keywords.Where(k => !string.IsNullOrWhiteSpace(k)).Take(maxKeywords))
            .Select(t => "\"" + t.Replace("\"", string.Empty, StringComparison.Ordinal).Trim() + "\"")
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        return terms.Count == 1 ? terms[0] : "(" + string.Join(" OR ", terms) + ")";
    }

    /// <summary>Items without a title or a URL cannot become events; every source drops them.</summary>
    public static IReadOnlyList<SearchItem> Complete(IEnumerable<SearchItem> items) => items.Where(i => i.Title.Length > 0 && i.Url.Length > 0).ToList();
}

/// <summary>
/// GDELT DOC 2.0 article search (<c>/api/v2/doc/doc?mode=artlist&amp;format=json</c>): free and keyless, so a
/// user without any key still gets real news. GDELT asks for at most one request every 5 seconds per client and
/// answers 429 beyond it; an empty result is <c>{}</c>.
/// </summary>
public sealed class GdeltSearchProvider(HttpClient http, SearchSourceOptions options, ProviderGateway gateway, TimeProvider time) : ISearchProvider
{
    public const string ProviderName = "gdelt";
    public static readonly Uri DefaultBaseUrl = new("https://api.gdeltproject.org/");

    public string Name => ProviderName;

    public Task<IReadOnlyList<SearchItem>> SearchAsync(SearchRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = Uri.EscapeDataString(SearchQuery.For(request.Client));
        var url = new Uri(options.BaseUrl ?? DefaultBaseUrl, $"api/v2/doc/doc?query={query}&mode=artlist&format=json&sort=datedesc&maxrecords={request.MaxResults}&timespan={Uri.EscapeDataString(options.Timespan)}");
        return gateway.CallJsonAsync(
            http,
            ProviderName,
            () => new HttpRequestMessage(HttpMethod.Get, url),
            root => SearchQuery.Complete(root.Array("articles")
                .Select(a => new SearchItem(ProviderName, a.String("title") ?? string.Empty, null, a.String("url") ?? string.Empty, SeenDate(a.String("seendate")), a.String("domain"), a.GetRawText()))),
            time,
            cancellationToken);
    }

    /// <summary>GDELT dates look like <c>20261120T101500Z</c>.</summary>
    internal static DateTimeOffset? SeenDate(string? value)
        => DateTimeOffset.TryParseExact(value, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date) ? date : null;
}

/// <summary>NewsAPI <c>/v2/everything</c>, key in <c>X-Api-Key</c>. Errors come as <c>{"status":"error","code":...}</c>.</summary>
public sealed class NewsApiSearchProvider(HttpClient http, SearchSourceOptions options, ProviderGateway gateway, TimeProvider time) : ISearchProvider
{
    public const string ProviderName = "news_api";
    public static readonly Uri DefaultBaseUrl = new("https://newsapi.org/");

    public string Name => ProviderName;

    public Task<IReadOnlyList<SearchItem>> SearchAsync(SearchRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = Uri.EscapeDataString(SearchQuery.For(request.Client));
        var url = new Uri(options.BaseUrl ?? DefaultBaseUrl, $"v2/everything?q={query}&sortBy=publishedAt&language=en&pageSize={request.MaxResults}");
        return gateway.CallJsonAsync(http, ProviderName, () => WithKey(new HttpRequestMessage(HttpMethod.Get, url)), Items, time, cancellationToken);
    }

    private static IReadOnlyList<SearchItem> Items(JsonElement root)
    {
        if (root.String("status") == "error")
        {
            throw new ProviderException(ProviderName, ProviderFailureKind.InvalidResponse, $"{root.String("code")}: {root.String("message")}");
        }

        // NewsAPI keeps deleted articles in results with the title "[Removed]".
        return SearchQuery.Complete(root.Array("articles")
            .Where(a => a.String("title") != "[Removed]")
            .Select(a => new SearchItem(
                ProviderName, a.String("title") ?? string.Empty, a.String("description"), a.String("url") ?? string.Empty,
                DateTimeOffset.TryParse(a.String("publishedAt"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d : null,
                a.TryGetProperty("source", out var s) ? s.String("name") : null, a.GetRawText())));
    }

    private HttpRequestMessage WithKey(HttpRequestMessage message)
    {
        message.Headers.Add("X-Api-Key", options.ApiKey);
        return message;
    }
}

/// <summary>
/// Serper news search (<c>POST /news</c>, key in <c>X-API-KEY</c>). Dates are human text ("3 hours ago",
/// "Nov 20, 2026"), read relative to the injected clock.
/// </summary>
public sealed partial class SerperSearchProvider(HttpClient http, SearchSourceOptions options, ProviderGateway gateway, TimeProvider time) : ISearchProvider
{
    public const string ProviderName = "serper";
    public static readonly Uri DefaultBaseUrl = new("https://google.serper.dev/");

    public string Name => ProviderName;

    public Task<IReadOnlyList<SearchItem>> SearchAsync(SearchRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var url = new Uri(options.BaseUrl ?? DefaultBaseUrl, "news");
        var body = new { q = SearchQuery.For(request.Client), num = request.MaxResults };
        return gateway.CallJsonAsync(
            http,
            ProviderName,
            () =>
            {
                var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
                message.Headers.Add("X-API-KEY", options.ApiKey);
                return message;
            },
            root => SearchQuery.Complete(root.Array("news")
                .Select(n => new SearchItem(ProviderName, n.String("title") ?? string.Empty, n.String("snippet"), n.String("link") ?? string.Empty, ParseDate(n.String("date"), time.GetUtcNow()), n.String("source"), n.GetRawText()))),
            time,
            cancellationToken);
    }

    internal static DateTimeOffset? ParseDate(string? text, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var relative = RelativeDate().Match(text);
        if (relative.Success)
        {
            var amount = int.Parse(relative.Groups[1].Value, CultureInfo.InvariantCulture);
            return relative.Groups[2].Value.ToUpperInvariant() switch
            {
                "MINUTE" => now.AddMinutes(-amount),
                "HOUR" => now.AddHours(-amount),
                "DAY" => now.AddDays(-amount),
                "WEEK" => now.AddDays(-7 * amount),
                "MONTH" => now.AddMonths(-amount),
                _ => now.AddYears(-amount),
            };
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date) ? date : null;
    }

    [GeneratedRegex(@"^(\d+)\s+(minute|hour|day|week|month|year)s?\s+ago$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RelativeDate();
}

/// <summary>
/// Google Custom Search JSON API (<c>/customsearch/v1</c>). Closed to new customers, and Google retires it on
/// 1 January 2027: kept for existing keys only. Free tier: 100 queries a day, tracked as the provider's quota.
/// </summary>
public sealed class GoogleCustomSearchProvider(HttpClient http, SearchSourceOptions options, ProviderGateway gateway, TimeProvider time) : ISearchProvider
{
    public const string ProviderName = "google_search";
    public static readonly Uri DefaultBaseUrl = new("https://www.googleapis.com/");

    public string Name => ProviderName;

    public Task<IReadOnlyList<SearchItem>> SearchAsync(SearchRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = Uri.EscapeDataString(SearchQuery.For(request.Client));
        var url = new Uri(
            options.BaseUrl ?? DefaultBaseUrl,
            $"customsearch/v1?key={Uri.EscapeDataString(options.ApiKey ?? string.Empty)}&cx={Uri.EscapeDataString(options.EngineId ?? string.Empty)}&q={query}&num={Math.Min(10, request.MaxResults)}&sort=date");
        return gateway.CallJsonAsync(
            http,
            ProviderName,
            () => new HttpRequestMessage(HttpMethod.Get, url),
            root => SearchQuery.Complete(root.Array("items")
                .Select(i => new SearchItem(ProviderName, i.String("title") ?? string.Empty, i.String("snippet"), i.String("link") ?? string.Empty, PublishedTime(i), i.String("displayLink"), i.GetRawText()))),
            time,
            cancellationToken);
    }

    private static DateTimeOffset? PublishedTime(JsonElement item)
    {
        if (item.TryGetProperty("pagemap", out var pagemap))
        {
            foreach (var tags in pagemap.Array("metatags"))
            {
                if (DateTimeOffset.TryParse(tags.String("article:published_time"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
                {
                    return date;
                }
            }
        }

        return null;
    }
}
