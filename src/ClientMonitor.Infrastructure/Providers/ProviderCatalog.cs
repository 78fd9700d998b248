using Azure.Core;
using ClientMonitor.Core.Classifiers;
using ClientMonitor.Core.Mocks;
using ClientMonitor.Core.Providers;
using ClientMonitor.Infrastructure.Providers.Ai;
using ClientMonitor.Infrastructure.Providers.Crm;
using ClientMonitor.Infrastructure.Providers.Search;

namespace ClientMonitor.Infrastructure.Providers;

/// <summary>
/// Which providers run (configuration section <c>Providers</c>). <c>UseMocks</c> makes every run use the
/// deterministic demo providers (the Development default); otherwise GDELT runs unless disabled, each other search
/// source and CRM runs when its key is set, and <c>Ai:Provider</c> picks the classifier (<c>rule_based</c> default,
/// <c>openai</c>, <c>azure_openai</c>, <c>anthropic</c>).
/// </summary>
public sealed class ProvidersOptions
{
    public const string Section = "Providers";

    public bool UseMocks { get; set; }

    public bool GdeltEnabled { get; set; } = true;

    public SearchSourceOptions Gdelt { get; set; } = new();

    public SearchSourceOptions NewsApi { get; set; } = new();

    public SearchSourceOptions Serper { get; set; } = new();

    public SearchSourceOptions Google { get; set; } = new();

    public SalesforceOptions Salesforce { get; set; } = new();

    public HubSpotOptions HubSpot { get; set; } = new();

    public AiOptions Ai { get; set; } = new();

    /// <summary>Defaults for every provider; <c>ResilienceOverrides:{provider}</c> replaces them for one.</summary>
    public ProviderResilienceOptions Resilience { get; set; } = new();

    public Dictionary<string, ProviderResilienceOptions> ResilienceOverrides { get; } = new(StringComparer.OrdinalIgnoreCase);

    public ProviderResilienceOptions ResilienceFor(string provider)
    {
        if (ResilienceOverrides.TryGetValue(provider, out var specific))
        {
            return specific;
        }

        // Google's free tier is 100 queries a day; without an explicit setting that is the quota we keep.
        return provider == GoogleCustomSearchProvider.ProviderName && Resilience.DailyQuota is null
            ? new ProviderResilienceOptions
            {
                AttemptTimeout = Resilience.AttemptTimeout, MaxRetries = Resilience.MaxRetries, BaseDelay = Resilience.BaseDelay, MaxDelay = Resilience.MaxDelay,
                BreakerMinimumThroughput = Resilience.BreakerMinimumThroughput, BreakerFailureRatio = Resilience.BreakerFailureRatio,
                BreakerSamplingDuration = Resilience.BreakerSamplingDuration, BreakDuration = Resilience.BreakDuration, DailyQuota = 100,
            }
            : Resilience;
    }
}

public sealed class AiOptions
{
    /// <summary><c>rule_based</c> (default), <c>openai</c>, <c>azure_openai</c> or <c>anthropic</c>.</summary>
    public string Provider { get; set; } = KeylessClassifier.ClassifierName;

    public LlmOptions OpenAI { get; set; } = new();

    public LlmOptions AzureOpenAI { get; set; } = new();

    public LlmOptions Anthropic { get; set; } = new();
}

/// <summary>Builds the configured adapters once and hands out the real or the mock set per job run.</summary>
public sealed class ProviderCatalog : IProviderCatalog, IDisposable
{
    /// <summary>Every provider this catalog can hand out, configured or not (reports and telemetry name them).</summary>
    public static readonly IReadOnlyList<string> AdapterNames =
    [
        GdeltSearchProvider.ProviderName, NewsApiSearchProvider.ProviderName, SerperSearchProvider.ProviderName, GoogleCustomSearchProvider.ProviderName,
        SalesforceCrmProvider.ProviderName, HubSpotCrmProvider.ProviderName, ChatClients.OpenAi, ChatClients.AzureOpenAi, ChatClients.Anthropic,
        KeylessClassifier.ClassifierName, MockSearchProvider.ProviderName, MockCrmProvider.ProviderName,
    ];

    private readonly ProviderSet _mocks;
    private readonly ProviderSet _real;
    private readonly List<IDisposable> _owned = [];

    public ProviderCatalog(ProvidersOptions options, HttpClient http, ProviderGateway gateway, TokenCredential? credential, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _mocks = new ProviderSet([new MockSearchProvider()], [new MockCrmProvider(time)], KeylessClassifier.Default, new RuleBasedInsights(), UsesMocks: true);

        var search = new List<ISearchProvider>();
        if (options.GdeltEnabled)
        {
            search.Add(new GdeltSearchProvider(http, options.Gdelt, gateway, time));
        }

        if (!string.IsNullOrWhiteSpace(options.NewsApi.ApiKey))
        {
            search.Add(new NewsApiSearchProvider(http, options.NewsApi, gateway, time));
        }

        if (!string.IsNullOrWhiteSpace(options.Serper.ApiKey))
        {
            search.Add(new SerperSearchProvider(http, options.Serper, gateway, time));
        }

        if (!string.IsNullOrWhiteSpace(options.Google.ApiKey) && !string.IsNullOrWhiteSpace(options.Google.EngineId))
        {
            search.Add(new GoogleCustomSearchProvider(http, options.Google, gateway, time));
        }

        var crm = new List<ICrmProvider>();
        if (!string.IsNullOrWhiteSpace(options.Salesforce.RefreshToken) && !string.IsNullOrWhiteSpace(options.Salesforce.ClientId))
        {
            var salesforce = new SalesforceCrmProvider(http, options.Salesforce, gateway, time);
            _owned.Add(salesforce);
            crm.Add(salesforce);
        }

        if (!string.IsNullOrWhiteSpace(options.HubSpot.AccessToken))
        {
            crm.Add(new HubSpotCrmProvider(http, options.HubSpot, gateway, time));
        }

        var chat = ChatClients.Create(options.Ai, credential, time);
        if (chat is not null)
        {
            _owned.Add(chat);
        }

        _real = new ProviderSet(
            search,
            crm,
            chat is null ? KeylessClassifier.Default : new LlmClassifier(options.Ai.Provider, chat, gateway),
            chat is null ? new RuleBasedInsights() : new LlmInsightGenerator(options.Ai.Provider, chat, gateway),
            UsesMocks: false);
    }

    public ProvidersOptions Options { get; }

    public ProviderSet Resolve(bool forceMock) => forceMock || Options.UseMocks ? _mocks : _real;

    public void Dispose() => _owned.ForEach(d => d.Dispose());
}
