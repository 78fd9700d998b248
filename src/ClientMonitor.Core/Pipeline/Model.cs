namespace ClientMonitor.Core.Pipeline;

/// <summary>What an item is about. Stored and sent as snake_case names (<c>leadership_change</c>).</summary>
public enum EventCategory
{
    Expansion,
    Acquisition,
    Funding,
    LeadershipChange,
    Layoffs,
    Legal,
    FinancialResults,
    ProductLaunch,
    Partnership,
    Risk,
    Other,
}

public enum RiskLevel
{
    None,
    Low,
    Medium,
    High,
}

/// <summary>
/// One search hit, normalized from any source. <c>Source</c> is the provider (<c>gdelt</c>, <c>news_api</c>...);
/// <c>Publisher</c> the outlet; <c>RawJson</c> the provider's own item, kept for debugging and reprocessing.
/// </summary>
public sealed record SearchItem(string Source, string Title, string? Snippet, string Url, DateTimeOffset? PublishedAt, string? Publisher, string RawJson);

/// <summary>
/// CRM facts about a client. <c>EngagementScore</c> is 0..1; <c>AtRiskSignals</c> are short reasons
/// (<c>open_high_priority_cases</c>...), empty when nothing points at churn.
/// </summary>
public sealed record CrmContext(
    string Provider,
    string? AccountName,
    int Contacts,
    int OpenOpportunities,
    decimal OpenPipelineAmount,
    int OpenCases,
    int HighPriorityCases,
    DateTimeOffset? LastActivityAt,
    double EngagementScore,
    IReadOnlyList<string> AtRiskSignals)
{
    public bool IsAtRisk => AtRiskSignals.Count > 0;
}

/// <summary>A classifier's verdict. Relevance 0..1, sentiment -1..1; <c>Note</c> says e.g. why a fallback was used.</summary>
public sealed record Classification(EventCategory Category, double Relevance, double Sentiment, RiskLevel Risk, string Classifier, string? Note = null);

public enum Urgency
{
    Low,
    Medium,
    High,
}

/// <summary>What the event means for the account and what to do about it (for relevance >= 0.7).</summary>
public sealed record Insight(string Text, IReadOnlyList<string> RecommendedActions, Urgency Urgency, string Generator);

/// <summary>
/// Raw data as found (seed <c>event_raw_data</c>). The id is the content hash within the client, so saving the same
/// item twice keeps one row.
/// </summary>
public sealed record RawDataRecord(
    string Id,
    string BusinessId,
    string ClientId,
    string SourceApi,
    string RawContent,
    string ContentHash,
    bool IsProcessed,
    string? ProcessedIntoEventId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ProcessedAt);

/// <summary>An event about a client: a classified item worth keeping. Its id derives from the business, client and content hash.</summary>
public sealed record MonitoringEvent(
    string Id,
    string BusinessId,
    string ClientId,
    string JobRunId,
    string Title,
    string? Summary,
    string Url,
    string Source,
    DateTimeOffset? PublishedAt,
    EventCategory Category,
    double Relevance,
    double Sentiment,
    RiskLevel Risk,
    string Classifier,
    string? ClassificationNote,
    CrmContext? Crm,
    Insight? Insight,
    DateTimeOffset CreatedAt);

/// <summary>An in-app notification. One per (event, user); the id derives from both.</summary>
public sealed record Notification(
    string Id,
    string BusinessId,
    string UserId,
    string EventId,
    string ClientId,
    string Title,
    EventCategory Category,
    double Relevance,
    bool IsRead,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ReadAt);
