using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Anthropic;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using Azure.Core;
using ClientMonitor.Core.Classifiers;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;
using OpenAI;
using OpenAI.Chat;

namespace ClientMonitor.Infrastructure.Providers.Ai;

/// <summary>A chat model that answers one prompt with JSON matching a schema (structured output).</summary>
public interface ILlmJsonClient
{
    string Name { get; }

    Task<string> CompleteJsonAsync(string system, string user, string schemaName, string schema, CancellationToken cancellationToken);
}

/// <summary>Settings of an LLM provider. <c>Endpoint</c> for Azure OpenAI is the v1 endpoint (<c>https://{resource}.openai.azure.com/openai/v1/</c>).</summary>
public sealed class LlmOptions
{
    public Uri? Endpoint { get; set; }

    public string? ApiKey { get; set; }

    /// <summary>Model (OpenAI, Anthropic) or deployment name (Azure OpenAI).</summary>
    public string? Model { get; set; }

    /// <summary>Azure OpenAI only: authenticate with Entra ID (managed identity) instead of a key.</summary>
    public bool UseEntraId { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// OpenAI, or Azure OpenAI through its v1 endpoint, with the <c>OpenAI</c> package. The package's own retries are
/// off: retries, timeouts and the breaker live in <see cref="ProviderGateway"/>, one layer only.
/// </summary>
public sealed class OpenAiJsonClient : ILlmJsonClient
{
    private readonly ChatClient _chat;

    public OpenAiJsonClient(string name, LlmOptions options, TokenCredential? credential)
    {
        ArgumentNullException.ThrowIfNull(options);
        Name = name;
        var clientOptions = new OpenAIClientOptions { RetryPolicy = new ClientRetryPolicy(0), NetworkTimeout = options.Timeout };
        if (options.Endpoint is not null)
        {
            clientOptions.Endpoint = options.Endpoint;
        }

        var model = options.Model ?? "gpt-4o-mini";
        // The AuthenticationPolicy constructor is marked experimental (OPENAI001), but it is the documented way to
        // reach Azure OpenAI's v1 endpoint with an Entra token; keyless deployments need it.
#pragma warning disable OPENAI001
        _chat = options.UseEntraId && credential is not null
            ? new ChatClient(model, new BearerTokenPolicy(credential, "https://cognitiveservices.azure.com/.default"), clientOptions)
            : new ChatClient(model, new ApiKeyCredential(options.ApiKey ?? string.Empty), clientOptions);
#pragma warning restore OPENAI001
    }

    public string Name { get; }

    public async Task<string> CompleteJsonAsync(string system, string user, string schemaName, string schema, CancellationToken cancellationToken)
    {
        var completionOptions = new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat(schemaName, BinaryData.FromString(schema), jsonSchemaIsStrict: true),
            Temperature = 0,
        };
        try
        {
            var result = await _chat.CompleteChatAsync([new SystemChatMessage(system), new UserChatMessage(user)], completionOptions, cancellationToken).ConfigureAwait(false);
            return string.Concat(result.Value.Content.Select(p => p.Text));
        }
        catch (ClientResultException ex) when (ex.Status > 0)
        {
            var response = ex.GetRawResponse();
            TimeSpan? retryAfter = response is not null && response.Headers.TryGetValue("Retry-After", out var value) && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
                ? TimeSpan.FromSeconds(seconds)
                : null;
            throw new ProviderHttpException(Name, (HttpStatusCode)ex.Status, ProviderHttp.Detail(response?.Content?.ToString() ?? ex.Message), retryAfter);
        }
        catch (ClientResultException ex)
        {
            throw new HttpRequestException(ex.Message, ex);
        }
    }
}

/// <summary>Anthropic's Messages API through the official <c>Anthropic</c> package, with JSON-schema output.</summary>
public sealed class AnthropicJsonClient(LlmOptions options) : ILlmJsonClient, IDisposable
{
    public const string ProviderName = "anthropic";

    private readonly AnthropicClient _client = new(new Anthropic.Core.ClientOptions
    {
        ApiKey = options?.ApiKey ?? string.Empty,
        BaseUrl = (options?.Endpoint ?? new Uri("https://api.anthropic.com")).ToString().TrimEnd('/'),
        MaxRetries = 0,
        Timeout = options?.Timeout,
    });

    public string Name => ProviderName;

    public void Dispose() => _client.Dispose();

    public async Task<string> CompleteJsonAsync(string system, string user, string schemaName, string schema, CancellationToken cancellationToken)
    {
        var parameters = new MessageCreateParams
        {
            Model = options.Model ?? "claude-haiku-4-5",
            MaxTokens = 1024,
            System = system,
            Messages = [new() { Role = Role.User, Content = user }],
            OutputConfig = new OutputConfig
            {
                Format = new JsonOutputFormat { Schema = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(schema)! },
            },
        };
        try
        {
            var message = await _client.Messages.Create(parameters, cancellationToken).ConfigureAwait(false);
            return string.Concat(message.Content.Select(c => c.TryPickText(out var text) ? text.Text : string.Empty));
        }
        catch (AnthropicApiException ex)
        {
            throw new ProviderHttpException(ProviderName, ex.StatusCode, ProviderHttp.Detail(ex.ResponseBody ?? ex.Message), null);
        }
        catch (AnthropicIOException ex)
        {
            throw new HttpRequestException(ex.Message, ex);
        }
    }
}

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

    private sealed record ClassificationAnswer(EventCategory? Category, double Relevance, double Sentiment, RiskLevel? Risk);

    private sealed record InsightAnswer(string? Insight, List<string>? RecommendedActions, Urgency? Urgency);
}

/// <summary>
/// An LLM classifier with the rule-based one behind it. An answer that fails validation is asked for once more;
/// when the second answer fails too, or the provider fails after its retries, the item is classified by the
/// rule-based classifier and the reason is kept in the classification's note.
/// </summary>
public sealed class LlmClassifier(ILlmJsonClient llm, ProviderGateway gateway) : IEventClassifier
{
    public string Name => llm.Name;

    public async Task<Classification> ClassifyAsync(ClassificationInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        string? problem = null;
        try
        {
            for (var attempt = 0; attempt < 2; attempt++)
            {
                var json = await gateway.ExecuteAsync(llm.Name, ct => llm.CompleteJsonAsync(LlmContract.ClassifierSystem, LlmContract.ClassificationPrompt(input), "classification", LlmContract.ClassificationSchema, ct), cancellationToken).ConfigureAwait(false);
                (var value, problem) = LlmContract.ParseClassification(json, llm.Name);
                if (value is not null)
                {
                    return value;
                }
            }

            problem = $"{llm.Name} answer failed validation twice ({problem})";
        }
        catch (ProviderException ex)
        {
            problem = $"{llm.Name} unavailable ({ex.Kind}: {ex.Message})";
        }

        return KeylessClassifier.Default.Classify(input) with { Note = "fell back to rule_based: " + problem };
    }
}

/// <summary>Insights from an LLM, with the same validation, single re-ask and rule-based fallback as <see cref="LlmClassifier"/>.</summary>
public sealed class LlmInsightGenerator(ILlmJsonClient llm, ProviderGateway gateway) : IInsightGenerator
{
    public string Name => llm.Name;

    public async Task<Insight> GenerateAsync(MonitoringEvent monitoringEvent, Client client, CrmContext? crm, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(monitoringEvent);
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            for (var attempt = 0; attempt < 2; attempt++)
            {
                var json = await gateway.ExecuteAsync(llm.Name, ct => llm.CompleteJsonAsync(LlmContract.InsightSystem, LlmContract.InsightPrompt(monitoringEvent, client, crm), "insight", LlmContract.InsightSchema, ct), cancellationToken).ConfigureAwait(false);
                var (value, _) = LlmContract.ParseInsight(json, llm.Name);
                if (value is not null)
                {
                    return value;
                }
            }
        }
        catch (ProviderException)
        {
            // The rule-based insight below is the documented fallback; the classification note already records outages.
        }

        return RuleBasedInsights.Generate(monitoringEvent, client, crm);
    }
}
