using ClientMonitor.Core.Classifiers;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;
using Microsoft.Extensions.AI;

namespace ClientMonitor.Infrastructure.Providers.Ai;

/// <summary>
/// An LLM classifier with the rule-based one behind it. An answer that fails validation is asked for once more;
/// when the second answer fails too, or the provider fails after its retries, the item is classified by the
/// rule-based classifier and the reason is kept in the classification's note.
/// <c>provider</c> (a <see cref="ChatClients"/> name) picks the gateway pipeline and names the classifier.
/// </summary>
public sealed class LlmClassifier(string provider, IChatClient chat, ProviderGateway gateway) : IEventClassifier
{
    public string Name => provider;

    public async Task<Classification> ClassifyAsync(ClassificationInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        string? problem = null;
        try
        {
            for (var attempt = 0; attempt < 2; attempt++)
            {
                var json = await gateway.AskForJsonAsync(provider, chat, LlmContract.ClassifierSystem, LlmContract.ClassificationPrompt(input), LlmContract.ClassificationFormat, cancellationToken).ConfigureAwait(false);
                (var value, problem) = LlmContract.ParseClassification(json, provider);
                if (value is not null)
                {
                    return value;
                }
            }

            problem = $"{provider} answer failed validation twice ({problem})";
        }
        catch (ProviderException ex)
        {
            problem = $"{provider} unavailable ({ex.Kind}: {ex.Message})";
        }

        return KeylessClassifier.Default.Classify(input) with { Note = "fell back to rule_based: " + problem };
    }
}

/// <summary>Insights from an LLM, with the same validation, single re-ask and rule-based fallback as <see cref="LlmClassifier"/>.</summary>
public sealed class LlmInsightGenerator(string provider, IChatClient chat, ProviderGateway gateway) : IInsightGenerator
{
    public string Name => provider;

    public async Task<Insight> GenerateAsync(MonitoringEvent monitoringEvent, Client client, CrmContext? crm, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(monitoringEvent);
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            for (var attempt = 0; attempt < 2; attempt++)
            {
                var json = await gateway.AskForJsonAsync(provider, chat, LlmContract.InsightSystem, LlmContract.InsightPrompt(monitoringEvent, client, crm), LlmContract.InsightFormat, cancellationToken).ConfigureAwait(false);
                var (value, _) = LlmContract.ParseInsight(json, provider);
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

internal static class LlmGateway
{
    /// <summary>One gateway-protected question; the answer's text is the JSON to validate.</summary>
    public static Task<string> AskForJsonAsync(this ProviderGateway gateway, string provider, IChatClient chat, string system, string user, ChatResponseFormat format, CancellationToken cancellationToken)
        => gateway.ExecuteAsync(provider, async ct =>
        {
            var response = await chat.GetResponseAsync([new(ChatRole.System, system), new(ChatRole.User, user)], LlmContract.Options(format), ct).ConfigureAwait(false);
            return response.Text;
        }, cancellationToken);
}
