using System.ClientModel;
using System.ClientModel.Primitives;
using Anthropic;
using Azure.AI.OpenAI;
using Azure.Core;
using Microsoft.Extensions.AI;
using OpenAI;

namespace ClientMonitor.Infrastructure.Providers.Ai;

/// <summary>
/// Settings of an LLM provider. <c>Endpoint</c>: for OpenAI and Anthropic an alternative base URL (default the
/// public API); for Azure OpenAI the resource endpoint <c>https://{resource}.openai.azure.com/</c>, required.
/// </summary>
public sealed class LlmOptions
{
    public Uri? Endpoint { get; set; }

    public string? ApiKey { get; set; }

    /// <summary>Model (OpenAI, default <c>gpt-4o-mini</c>; Anthropic, default <c>claude-haiku-4-5</c>) or deployment name (Azure OpenAI).</summary>
    public string? Model { get; set; }

    /// <summary>Azure OpenAI only: authenticate with Entra ID (managed identity) instead of a key.</summary>
    public bool UseEntraId { get; set; }

    /// <summary>Network timeout of one request inside the SDK (default 30 s); the gateway's attempt timeout still applies.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Builds the <see cref="IChatClient"/> of each LLM provider from its official SDK. Every SDK gets an HTTP client
/// whose first handler turns an error answer into <see cref="ProviderHttpException"/>, and its own retries are off:
/// retries, timeouts and the breaker live in <see cref="ProviderGateway"/>, one layer only.
/// </summary>
public static class ChatClients
{
    public const string OpenAi = "openai";
    public const string AzureOpenAi = "azure_openai";
    public const string Anthropic = "anthropic";

    /// <summary>
    /// The chat client of <see cref="AiOptions.Provider"/>, or null when that is no LLM (<c>rule_based</c>). The
    /// <c>transport</c> is the innermost HTTP handler (tests pass one); null gives a pooled <see cref="SocketsHttpHandler"/>.
    /// </summary>
    public static IChatClient? Create(AiOptions options, TokenCredential? credential, TimeProvider time, HttpMessageHandler? transport = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Provider switch
        {
            OpenAi => CreateOpenAi(options.OpenAI, time, transport),
            AzureOpenAi => CreateAzureOpenAi(options.AzureOpenAI, credential, time, transport),
            Anthropic => CreateAnthropic(options.Anthropic, time, transport),
            _ => null,
        };
    }

    public static IChatClient CreateOpenAi(LlmOptions options, TimeProvider time, HttpMessageHandler? transport = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var http = Http(OpenAi, time, transport);
        var clientOptions = new OpenAIClientOptions { RetryPolicy = new ClientRetryPolicy(0), NetworkTimeout = options.Timeout, Transport = new HttpClientPipelineTransport(http) };
        if (options.Endpoint is not null)
        {
            clientOptions.Endpoint = options.Endpoint;
        }

        var chat = new OpenAIClient(new ApiKeyCredential(options.ApiKey ?? string.Empty), clientOptions).GetChatClient(options.Model ?? "gpt-4o-mini");
        return Wrap(chat.AsIChatClient(), http);
    }

    /// <summary>
    /// Azure OpenAI through <c>AzureOpenAIClient</c>: <c>{Endpoint}/openai/deployments/{Model}/chat/completions</c> with
    /// <c>api-version=2024-10-21</c> (pinned here, so an SDK update does not move it), authenticated by
    /// <paramref name="credential"/> (Entra ID, scope <c>https://cognitiveservices.azure.com/.default</c>, when
    /// <see cref="LlmOptions.UseEntraId"/>) or by the key in an <c>api-key</c> header.
    /// </summary>
    public static IChatClient CreateAzureOpenAi(LlmOptions options, TokenCredential? credential, TimeProvider time, HttpMessageHandler? transport = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var endpoint = options.Endpoint ?? throw new ArgumentException("Azure OpenAI needs the resource endpoint.", nameof(options));
        var http = Http(AzureOpenAi, time, transport);
        var clientOptions = new AzureOpenAIClientOptions(AzureOpenAIClientOptions.ServiceVersion.V2024_10_21)
        {
            RetryPolicy = new ClientRetryPolicy(0),
            NetworkTimeout = options.Timeout,
            Transport = new HttpClientPipelineTransport(http),
        };
        var client = options.UseEntraId && credential is not null
            ? new AzureOpenAIClient(endpoint, credential, clientOptions)
            : new AzureOpenAIClient(endpoint, new ApiKeyCredential(options.ApiKey ?? string.Empty), clientOptions);
        return Wrap(client.GetChatClient(options.Model ?? "gpt-4o-mini").AsIChatClient(), http);
    }

    /// <summary>Anthropic's Messages API through the <c>Anthropic</c> package's own <see cref="IChatClient"/>, which sends the JSON schema as <c>output_config.format</c>.</summary>
    public static IChatClient CreateAnthropic(LlmOptions options, TimeProvider time, HttpMessageHandler? transport = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var http = Http(Anthropic, time, transport);
        var client = new AnthropicClient(new global::Anthropic.Core.ClientOptions
        {
            ApiKey = options.ApiKey ?? string.Empty,
            BaseUrl = (options.Endpoint ?? new Uri("https://api.anthropic.com")).ToString().TrimEnd('/'),
            MaxRetries = 0,
            Timeout = options.Timeout,
            HttpClient = http,
        });
        return Wrap(client.AsIChatClient(options.Model ?? "claude-haiku-4-5", defaultMaxOutputTokens: 1024), client);
    }

    private static HttpClient Http(string provider, TimeProvider time, HttpMessageHandler? transport)
        => new(new ProviderStatusHandler(provider, time) { InnerHandler = transport ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) } })
        {
            // The SDK's network timeout (LlmOptions.Timeout) and the gateway's attempt timeout bound each call.
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };

    private static IChatClient Wrap(IChatClient sdkClient, IDisposable owned)
        => sdkClient.AsBuilder().Use(inner => new ProviderChatClient(inner, owned)).Build();
}
