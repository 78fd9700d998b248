using ClientMonitor.Infrastructure.Providers;
using Microsoft.Extensions.Options;

namespace ClientMonitor.Application.Pipeline;

/// <summary>
/// Rejects provider settings that would otherwise be ignored silently: an unknown AI provider name, an LLM chosen
/// without what it needs (or, for Azure OpenAI, with an endpoint that has a path), and half-set credentials of a search source or CRM. Each failure names the setting.
/// </summary>
public sealed class ProvidersOptionsValidator : IValidateOptions<ProvidersOptions>
{
    private static readonly string[] AiProviders = ["rule_based", "openai", "azure_openai", "anthropic"];

    public ValidateOptionsResult Validate(string? name, ProvidersOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var ai = options.Ai;
        if (!AiProviders.Contains(ai.Provider, StringComparer.Ordinal))
        {
            errors.Add($"Providers:Ai:Provider '{ai.Provider}' is not one of {string.Join(", ", AiProviders)}.");
        }

        if (ai.Provider == "openai" && string.IsNullOrWhiteSpace(ai.OpenAI.ApiKey))
        {
            errors.Add("Providers:Ai:OpenAI:ApiKey is required when Providers:Ai:Provider is openai.");
        }

        if (ai.Provider == "azure_openai" && (ai.AzureOpenAI.Endpoint is null || string.IsNullOrWhiteSpace(ai.AzureOpenAI.Model)))
        {
            errors.Add("Providers:Ai:AzureOpenAI:Endpoint and :Model (the deployment name) are required when Providers:Ai:Provider is azure_openai.");
        }

        if (ai.Provider == "azure_openai" && ai.AzureOpenAI.Endpoint is { AbsolutePath: not "/" } endpoint)
        {
            // The SDK adds /openai/deployments/{deployment}/... itself; the v1 endpoint used before would double the path.
            errors.Add($"Providers:Ai:AzureOpenAI:Endpoint is the resource endpoint (https://{{resource}}.openai.azure.com/), without a path; '{endpoint.AbsolutePath}' would be sent twice.");
        }

        if (ai.Provider == "azure_openai" && !ai.AzureOpenAI.UseEntraId && string.IsNullOrWhiteSpace(ai.AzureOpenAI.ApiKey))
        {
            errors.Add("Providers:Ai:AzureOpenAI needs ApiKey or UseEntraId=true.");
        }

        if (ai.Provider == "anthropic" && string.IsNullOrWhiteSpace(ai.Anthropic.ApiKey))
        {
            errors.Add("Providers:Ai:Anthropic:ApiKey is required when Providers:Ai:Provider is anthropic.");
        }

        foreach (var (section, llm) in new[] { ("OpenAI", ai.OpenAI), ("AzureOpenAI", ai.AzureOpenAI), ("Anthropic", ai.Anthropic) })
        {
            // Keys and tokens travel in headers: never in clear text, except to a local endpoint on this machine.
            if (llm.Endpoint is { IsAbsoluteUri: false } relative)
            {
                errors.Add($"Providers:Ai:{section}:Endpoint is '{relative}', which is not an absolute URL (https://...).");
            }
            else if (llm.Endpoint is { } url && url.Scheme != Uri.UriSchemeHttps && !url.IsLoopback)
            {
                errors.Add($"Providers:Ai:{section}:Endpoint must be https (or a loopback address): its key would be sent in clear text.");
            }
        }

        AllOrNone(errors, "Providers:Google", ("ApiKey", options.Google.ApiKey), ("EngineId", options.Google.EngineId));
        AllOrNone(errors, "Providers:Salesforce", ("ClientId", options.Salesforce.ClientId), ("ClientSecret", options.Salesforce.ClientSecret), ("RefreshToken", options.Salesforce.RefreshToken));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void AllOrNone(List<string> errors, string section, params (string Key, string? Value)[] settings)
    {
        var missing = settings.Where(s => string.IsNullOrWhiteSpace(s.Value)).Select(s => s.Key).ToList();
        if (missing.Count > 0 && missing.Count < settings.Length)
        {
            errors.Add($"{section} is partly set: {string.Join(", ", missing.Select(k => section + ":" + k))} missing, so the provider would be skipped.");
        }
    }
}
