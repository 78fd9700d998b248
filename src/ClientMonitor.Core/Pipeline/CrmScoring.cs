namespace ClientMonitor.Core.Pipeline;

/// <summary>The CRM facts every CRM adapter extracts, before scoring.</summary>
public sealed record CrmFacts(
    string Provider,
    string? AccountName,
    int Contacts,
    int OpenOpportunities,
    decimal OpenPipelineAmount,
    int WonOpportunitiesLastYear,
    int LostOpportunitiesLastYear,
    int OpenCases,
    int HighPriorityCases,
    DateTimeOffset? LastActivityAt);

/// <summary>
/// The seed's <c>calculate_engagement_score</c> and <c>is_at_risk</c>, made explicit. Engagement (0..1): recency of
/// the last activity (0.35: within 14 days full, within 30 half, within 90 a fifth), contacts (0.2: 5+ full),
/// open opportunities (0.25: 3+ full), won deals in the last year (0.2: 2+ full), minus 0.1 per high-priority case
/// (at most 0.3). At-risk signals: no activity for 60+ days, 2+ high-priority cases, 5+ open cases, more lost than
/// won deals in the last year, engagement below 0.3.
/// </summary>
public static class CrmScoring
{
    public static CrmContext Score(CrmFacts facts, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var days = facts.LastActivityAt is { } last ? (now - last).TotalDays : double.MaxValue;
        var recency = days <= 14 ? 1 : days <= 30 ? 0.5 : days <= 90 ? 0.2 : 0;
        var score = (0.35 * recency)
            + (0.2 * Math.Min(1, facts.Contacts / 5.0))
            + (0.25 * Math.Min(1, facts.OpenOpportunities / 3.0))
            + (0.2 * Math.Min(1, facts.WonOpportunitiesLastYear / 2.0))
            - Math.Min(0.3, 0.1 * facts.HighPriorityCases);
        score = Math.Round(Math.Clamp(score, 0, 1), 2);

        var signals = new List<string>();
        if (days >= 60)
        {
            signals.Add("no_recent_activity");
        }

        if (facts.HighPriorityCases >= 2)
        {
            signals.Add("open_high_priority_cases");
        }

        if (facts.OpenCases >= 5)
        {
            signals.Add("many_open_cases");
        }

        if (facts.LostOpportunitiesLastYear > facts.WonOpportunitiesLastYear)
        {
            signals.Add("more_deals_lost_than_won");
        }

        if (score < 0.3)
        {
            signals.Add("low_engagement");
        }

        return new CrmContext(facts.Provider, facts.AccountName, facts.Contacts, facts.OpenOpportunities, facts.OpenPipelineAmount, facts.OpenCases, facts.HighPriorityCases, facts.LastActivityAt, score, signals);
    }
}
