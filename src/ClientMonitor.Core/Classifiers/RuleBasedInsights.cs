using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;

namespace ClientMonitor.Core.Classifiers;

/// <summary>
/// Insights without an LLM: a per-category reading of the event, sharpened by the CRM context (open pipeline,
/// high-priority cases, engagement). Urgency is high for high risk or an at-risk account, medium for medium risk or
/// relevance >= 0.85, else low.
/// </summary>
public sealed class RuleBasedInsights : IInsightGenerator
{
    public const string GeneratorName = "rule_based";

    public string Name => GeneratorName;

    public Task<Insight> GenerateAsync(MonitoringEvent monitoringEvent, Client client, CrmContext? crm, CancellationToken cancellationToken)
        => Task.FromResult(Generate(monitoringEvent, client, crm));

    public static Insight Generate(MonitoringEvent monitoringEvent, Client client, CrmContext? crm)
    {
        ArgumentNullException.ThrowIfNull(monitoringEvent);
        ArgumentNullException.ThrowIfNull(client);
        var name = client.Name;
        var (text, actions) = monitoringEvent.Category switch
        {
            EventCategory.Expansion => ($"{name} is growing; new sites or teams usually bring new budget and new stakeholders.", new List<string> { "Ask which teams or regions the expansion adds", "Propose an expansion of the current contract" }),
            EventCategory.Acquisition => ($"{name} is part of an acquisition; ownership changes often move decision makers and renewal dates.", new List<string> { "Confirm who owns the relationship after the deal", "Review contract change-of-control terms" }),
            EventCategory.Funding => ($"{name} has new capital, often a prelude to hiring and new tooling.", new List<string> { "Congratulate the sponsor and ask about growth plans", "Prepare an upsell proposal" }),
            EventCategory.LeadershipChange => ($"Leadership at {name} is changing; new executives re-evaluate vendors in their first months.", new List<string> { "Introduce yourself to the new executive", "Prepare a value summary of the account" }),
            EventCategory.Layoffs => ($"{name} is cutting staff; budgets, seats and your champions may be affected.", new List<string> { "Check whether your champion is affected", "Offer a cost review before renewal" }),
            EventCategory.Legal => ($"{name} is involved in legal or regulatory action that may slow purchasing or raise compliance questions.", new List<string> { "Monitor the case", "Prepare compliance documentation they may ask for" }),
            EventCategory.FinancialResults => ($"{name} published financial results; they set next year's budgets.", new List<string> { "Read the results for growth or cost-cutting signals", "Align the renewal pitch with their priorities" }),
            EventCategory.ProductLaunch => ($"{name} launched something new; launches create integration and support needs.", new List<string> { "Ask how your product can support the launch" }),
            EventCategory.Partnership => ($"{name} has a new partnership that may change their stack or priorities.", new List<string> { "Check for overlap or integration opportunities with the partner" }),
            EventCategory.Risk => ($"{name} faces an operational or financial risk that may threaten the account.", new List<string> { "Reach out to the sponsor this week", "Escalate to the account team" }),
            _ => ($"News about {name} worth a look.", new List<string> { "Review the article" }),
        };

        if (crm is not null)
        {
            if (crm.OpenOpportunities > 0)
            {
                actions.Add($"Review the {crm.OpenOpportunities} open opportunit{(crm.OpenOpportunities == 1 ? "y" : "ies")} in {crm.Provider} in light of this news");
            }

            if (crm.HighPriorityCases > 0)
            {
                actions.Add($"Resolve the {crm.HighPriorityCases} high-priority support case{(crm.HighPriorityCases == 1 ? string.Empty : "s")} first");
            }

            if (crm.IsAtRisk)
            {
                text += $" The account already shows risk signals ({string.Join(", ", crm.AtRiskSignals)}).";
            }
        }

        var urgency = monitoringEvent.Risk == RiskLevel.High || crm is { IsAtRisk: true } ? Urgency.High
            : monitoringEvent.Risk == RiskLevel.Medium || monitoringEvent.Relevance >= 0.85 ? Urgency.Medium
            : Urgency.Low;
        return new Insight(text, actions, urgency, GeneratorName);
    }
}
