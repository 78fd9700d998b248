using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Pipeline;

namespace ClientMonitor.Core.Providers;

/// <summary>What to search for: one client, on one day (the day makes mock results deterministic).</summary>
public sealed record SearchRequest(Client Client, DateOnly Day, int MaxResults = 10);

/// <summary>A news or web search source. <c>Name</c> is the snake_case source id stored with raw data.</summary>
public interface ISearchProvider
{
    string Name { get; }

    Task<IReadOnlyList<SearchItem>> SearchAsync(SearchRequest request, CancellationToken cancellationToken);
}

/// <summary>A CRM. <c>CanEnrich</c> says whether the client is linked to an account in it.</summary>
public interface ICrmProvider
{
    string Name { get; }

    bool CanEnrich(Client client);

    /// <summary>The client's CRM context, or null when the CRM has no such account.</summary>
    Task<CrmContext?> EnrichAsync(Client client, CancellationToken cancellationToken);
}

/// <summary>What a classifier sees of an item.</summary>
public sealed record ClassificationInput(string Title, string? Snippet, string Source, string? Publisher, DateTimeOffset? PublishedAt, Client Client, DateTimeOffset Now);

public interface IEventClassifier
{
    string Name { get; }

    Task<Classification> ClassifyAsync(ClassificationInput input, CancellationToken cancellationToken);
}

public interface IInsightGenerator
{
    string Name { get; }

    Task<Insight> GenerateAsync(MonitoringEvent monitoringEvent, Client client, CrmContext? crm, CancellationToken cancellationToken);
}

/// <summary>The providers one job run uses. <c>UsesMocks</c> is all-or-nothing: a real run never mixes in mock data.</summary>
public sealed record ProviderSet(
    IReadOnlyList<ISearchProvider> Search,
    IReadOnlyList<ICrmProvider> Crm,
    IEventClassifier Classifier,
    IInsightGenerator Insights,
    bool UsesMocks);

public interface IProviderCatalog
{
    /// <summary>The configured providers, or the deterministic mocks when <paramref name="forceMock"/> or nothing is configured in development.</summary>
    ProviderSet Resolve(bool forceMock);
}

public enum ProviderFailureKind
{
    /// <summary>401/403 or a missing setting: retrying will not help; an operator must fix the configuration.</summary>
    Configuration,
    RateLimited,
    QuotaExhausted,
    CircuitOpen,
    Timeout,
    Unavailable,
    InvalidResponse,
}

/// <summary>A provider call that failed after its retries; the message is safe to store and show (no secrets).</summary>
public sealed class ProviderException : Exception
{
    public ProviderException(string provider, ProviderFailureKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Provider = provider;
        Kind = kind;
    }

    public ProviderException()
        : this("unknown", ProviderFailureKind.Unavailable, "Provider failure.")
    {
    }

    public ProviderException(string message)
        : this("unknown", ProviderFailureKind.Unavailable, message)
    {
    }

    public ProviderException(string message, Exception innerException)
        : this("unknown", ProviderFailureKind.Unavailable, message, innerException)
    {
    }

    public string Provider { get; }

    public ProviderFailureKind Kind { get; }

    /// <summary>Retry-After the provider asked for, when it did.</summary>
    public TimeSpan? RetryAfter { get; init; }
}
