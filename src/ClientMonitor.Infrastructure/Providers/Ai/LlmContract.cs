using System.Text.Json;
using ClientMonitor.Core.Classifiers;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;
using Microsoft.Extensions.AI;

namespace ClientMonitor.Infrastructure.Providers.Ai;

/// <summary>Prompts, schemas and the checks applied to every LLM answer.</summary>
internal static class LlmContract
{
    public const string ClassificationSchema = """
        {"type":"object","additionalProperties":false,"required":["category","relevance","sentiment","risk"],
         "properties":{
          "category":{"type":"string","enum":["expansion","acquisition","funding","leadership_change","layoffs","legal","financial_results","product_launch","partnership","risk","other"]},
          "relevance":{"type":"number","description":"0..1: how much this matters to the account team of the client"},
          "sentiment":{"type":"number","description":"-1..1 for the client"},
          "risk":{"type":"string","enum":["none","low","medium","high"]}}}
        """;

    public const string InsightSchema = """
        {"type":"object","additionalProperties":false,"required":["insight","recommended_actions","urgency"],
         "properties":{
          "insight":{"type":"string"},
          "recommended_actions":{"type":"array","items":{"type":"string"}},
          "urgency":{"type":"string","enum":["low","medium","high"]}}}
        """;

    /// <summary>Structured output with <see cref="ClassificationSchema"/>.</summary>
    public static readonly ChatResponseFormat ClassificationFormat = Format(ClassificationSchema, "classification");

    /// <summary>Structured output with <see cref="InsightSchema"/>.</summary>
    public static readonly ChatResponseFormat InsightFormat = Format(InsightSchema, "insight");

    public const string ClassifierSystem =
        "You classify news about a B2B customer for its account team. Answer only with JSON matching the schema. "
        + "relevance is 0..1 (is the item really about this client, and does it matter to the relationship?), sentiment -1..1 for the client, "
        + "risk is the risk to the account (churn, budget cuts, legal or operational trouble).";

    public const string InsightSystem =
        "You advise a customer-success manager about one news event concerning their client. Answer only with JSON matching the schema: "
        + "one or two sentences of insight, two to four concrete recommended actions, and an urgency.";

    public static string ClassificationPrompt(ClassificationInput input) => JsonSerializer.Serialize(new
    {
        client = new { name = input.Client.Name, industry = input.Client.Industry, domain = input.Client.Domain, keywords = input.Client.Keywords },
        item = new { title = input.Title, snippet = input.Snippet, source = input.Source, publisher = input.Publisher, published_at = input.PublishedAt },
        now = input.Now,
    });

    public static string InsightPrompt(MonitoringEvent e, Client client, CrmContext? crm) => JsonSerializer.Serialize(new
    {
        client = new { name = client.Name, industry = client.Industry },
        @event = new { title = e.Title, summary = e.Summary, category = e.Category.ToString(), relevance = e.Relevance, sentiment = e.Sentiment, risk = e.Risk.ToString() },
        crm = crm is null ? null : new { crm.EngagementScore, crm.OpenOpportunities, crm.OpenCases, crm.HighPriorityCases, crm.AtRiskSignals },
    });

    /// <summary>Parses and range-checks a classification; null with the reason when the answer is unusable.</summary>
    public static (Classification? Value, string? Problem) ParseClassification(string json, string classifier)
    {
        try
        {
            var answer = JsonSerializer.Deserialize<ClassificationAnswer>(json, WireJson.Options);
            if (answer is null || answer.Category is null || answer.Risk is null)
            {
                return (null, "missing fields");
            }

            if (answer.Relevance is not (>= 0 and <= 1) || answer.Sentiment is not (>= -1 and <= 1))
            {
                return (null, $"values out of range (relevance {answer.Relevance}, sentiment {answer.Sentiment})");
            }

            return (new Classification(answer.Category.Value, Math.Round(answer.Relevance, 2), Math.Round(answer.Sentiment, 2), answer.Risk.Value, classifier), null);
        }
        catch (JsonException ex)
        {
            return (null, "invalid JSON: " + ex.Message);
        }
    }

    public static (Insight? Value, string? Problem) ParseInsight(string json, string generator)
    {
        try
        {
            var answer = JsonSerializer.Deserialize<InsightAnswer>(json, WireJson.Options);
            return answer is { Insight.Length: > 0, RecommendedActions: not null, Urgency: not null }
                ? (new Insight(answer.Insight, answer.RecommendedActions.Where(a => !string.IsNullOrWhiteSpace(a)).ToList(), answer.Urgency.Value, generator), null)
                : (null, "missing fields");
        }
        catch (JsonException ex)
        {
            return (null, "invalid JSON: " + ex.Message);
        }
    }

    /// <summary>
    /// One question for JSON: system and user message, the schema as structured output, temperature 0. "strict" asks
    /// OpenAI and Azure OpenAI to enforce the schema (both schemas list every property as required and forbid others).
    /// </summary>
    public static ChatOptions Options(ChatResponseFormat format) => new()
    {
        ResponseFormat = format,
        Temperature = 0,
        AdditionalProperties = new() { ["strict"] = true },
    };

    private static ChatResponseFormatJson Format(string schema, string name)
        => ChatResponseFormat.ForJsonSchema(JsonSerializer.Deserialize<JsonElement>(schema), name);

    private sealed record ClassificationAnswer(EventCategory? Category, double Relevance, double Sentiment, RiskLevel? Risk);

    private sealed record InsightAnswer(string? Insight, List<string>? RecommendedActions, Urgency? Urgency);
}
