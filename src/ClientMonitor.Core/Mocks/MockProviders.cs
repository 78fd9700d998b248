using System.Globalization;
using System.Text.Json;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;

namespace ClientMonitor.Core.Mocks;

/// <summary>
/// Demo news for runs without provider keys (seed <c>MockAPIService</c>). Deterministic: the same client and day
/// give the same 3-5 items; consecutive clients start at different categories, so a handful of clients covers all
/// of them. URLs point at <c>news.example.com</c> so nobody mistakes them for real articles.
/// </summary>
public sealed class MockSearchProvider : ISearchProvider
{
    public const string ProviderName = "mock_news";

    private static readonly string[] Publishers = ["Reuters", "Bloomberg", "TechCrunch", "Business Wire", "Local Ledger", "Industry Today"];

    private static readonly (EventCategory Category, string Title, string Snippet)[] Templates =
    [
        (EventCategory.Expansion, "{0} opens new regional headquarters, adding 400 jobs", "{0} said the new office will serve customers across the region and expand its {1} operations."),
        (EventCategory.Acquisition, "{0} agrees to acquire a smaller {1} rival", "The acquisition is expected to close next quarter, pending regulatory approval."),
        (EventCategory.Funding, "{0} raises $85 million Series C to accelerate growth", "The round was led by existing investors; {0} plans to double its engineering team."),
        (EventCategory.LeadershipChange, "{0} names new chief executive officer", "The board appointed a former industry executive; the outgoing CEO will stay as an adviser."),
        (EventCategory.Layoffs, "{0} to cut 300 jobs in restructuring", "The layoffs affect sales and support teams as {0} reduces costs."),
        (EventCategory.Legal, "{0} faces class action lawsuit over data practices", "Plaintiffs allege that {0} shared customer data without consent."),
        (EventCategory.FinancialResults, "{0} reports record quarterly revenue, beats estimates", "Revenue grew 18% year over year, driven by strong demand for its {1} offerings."),
        (EventCategory.ProductLaunch, "{0} launches AI assistant for {1} teams", "The new product is generally available today to all customers of {0}."),
        (EventCategory.Partnership, "{0} partners with Microsoft on cloud migration", "The multi-year partnership will bring {0} services to Azure customers."),
        (EventCategory.Risk, "{0} hit by ransomware attack, systems offline", "{0} said it is investigating the breach and restoring services."),
        (EventCategory.Other, "{0} to present at industry conference next month", "Executives from {0} will speak about trends in {1}."),
    ];

    public string Name => ProviderName;

    public Task<IReadOnlyList<SearchItem>> SearchAsync(SearchRequest request, CancellationToken cancellationToken)
        => Task.FromResult(Generate(request));

    public static IReadOnlyList<SearchItem> Generate(SearchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var seed = Seed(request.Client.Id, request.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        var count = 3 + (int)(seed % 3);
        var start = (int)(seed / 3 % (ulong)Templates.Length);
        var industry = string.IsNullOrWhiteSpace(request.Client.Industry) ? "business" : request.Client.Industry!;
        var dayStart = new DateTimeOffset(request.Day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var items = new List<SearchItem>();
        for (var i = 0; i < Math.Min(count, request.MaxResults); i++)
        {
            var (category, title, snippet) = Templates[(start + (i * 4)) % Templates.Length];
            var itemTitle = string.Format(CultureInfo.InvariantCulture, title, request.Client.Name, industry);
            var itemSnippet = string.Format(CultureInfo.InvariantCulture, snippet, request.Client.Name, industry);
            var slug = StableId.From(request.Client.Id, request.Day.ToString("O", CultureInfo.InvariantCulture), category.ToString())[..12];
            var url = $"https://news.example.com/{category.ToString().ToUpperInvariant()}/{slug}";
            var publisher = Publishers[(int)((seed >> (i * 3)) % (ulong)Publishers.Length)];
            var published = dayStart.AddHours(-(int)((seed >> (i * 5)) % 30));
            var raw = JsonSerializer.Serialize(new MockArticle(new MockSource(publisher), itemTitle, itemSnippet, url, published.ToString("O", CultureInfo.InvariantCulture)));
            items.Add(new SearchItem(ProviderName, itemTitle, itemSnippet, url, published, publisher, raw));
        }

        return items;
    }

    internal static ulong Seed(params string[] parts) => ulong.Parse(StableId.From(parts)[..15], NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private sealed record MockSource(string Name);

    private sealed record MockArticle(MockSource Source, string Title, string Description, string Url, string PublishedAt);
}

/// <summary>
/// Demo CRM data (seed <c>mock_crm_data</c>): the same client id always gives the same account, with facts spread
/// so that some demo clients look healthy and some at risk.
/// </summary>
public sealed class MockCrmProvider(TimeProvider timeProvider) : ICrmProvider
{
    public const string ProviderName = "mock_crm";

    public string Name => ProviderName;

    public bool CanEnrich(Client client) => true;

    public Task<CrmContext?> EnrichAsync(Client client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var seed = MockSearchProvider.Seed("crm", client.Id);
        var now = timeProvider.GetUtcNow();
        var facts = new CrmFacts(
            ProviderName,
            client.Name,
            Contacts: 1 + (int)(seed % 9),
            OpenOpportunities: (int)(seed / 9 % 5),
            OpenPipelineAmount: 10_000m * (seed / 45 % 40),
            WonOpportunitiesLastYear: (int)(seed / 1800 % 4),
            LostOpportunitiesLastYear: (int)(seed / 7200 % 3),
            OpenCases: (int)(seed / 21600 % 7),
            HighPriorityCases: (int)(seed / 151200 % 3),
            LastActivityAt: now.AddDays(-(int)(seed / 453600 % 100)));
        return Task.FromResult<CrmContext?>(CrmScoring.Score(facts, now));
    }
}
