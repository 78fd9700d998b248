using System.Text.Json;
using Azure.Core;
using ClientMonitor.Infrastructure.Providers.Ai;
using ClientMonitor.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;

namespace ClientMonitor.Infrastructure.Tests.Providers;

/// <summary>
/// The three LLM provider families as the tests meet them: the real SDK clients (built by <see cref="ChatClients"/>)
/// against a local server that answers in each provider's own payloads. Azure OpenAI is served over HTTPS, since its
/// SDK sends a bearer token over nothing else.
/// </summary>
internal static class LlmWireFormats
{
    public const string OpenAiKey = "sk-test";
    public const string AzureKey = "azure-key-test";
    public const string AnthropicKey = "sk-ant-test";
    public const string AzureDeployment = "gpt-4o-mini-prod";

    public static TheoryData<string> Families => [ChatClients.OpenAi, ChatClients.AzureOpenAi, ChatClients.Anthropic];

    public static Task<FakeProviderServer> StartAsync(string provider, Func<HttpContext, RecordedRequest, Task> handler)
        => provider == ChatClients.AzureOpenAi ? FakeProviderServer.StartHttpsAsync(handler) : FakeProviderServer.StartAsync(handler);

    /// <summary>Answers every request with <paramref name="status"/>: the provider's success payload around <paramref name="json"/>, or its error payload.</summary>
    public static Task<FakeProviderServer> StartAsync(string provider, int status, string json = "{}", string? retryAfter = null)
        => StartAsync(provider, (context, _) => Answer(context, provider, status, json, retryAfter));

    public static Task Answer(HttpContext context, string provider, int status, string json = "{}", string? retryAfter = null)
    {
        if (retryAfter is not null)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }

        return FakeProviderServer.Respond(context, status, status == 200 ? Success(provider, json) : Error(provider, status));
    }

    public static IChatClient Chat(string provider, FakeProviderServer server, TokenCredential? credential = null) => provider switch
    {
        ChatClients.OpenAi => ChatClients.CreateOpenAi(new LlmOptions { Endpoint = server.BaseUrl, ApiKey = OpenAiKey, Model = "gpt-4o-mini" }, TimeProvider.System, server.CreateClientHandler()),
        ChatClients.AzureOpenAi => ChatClients.CreateAzureOpenAi(
            new LlmOptions { Endpoint = server.BaseUrl, ApiKey = credential is null ? AzureKey : null, UseEntraId = credential is not null, Model = AzureDeployment },
            credential,
            TimeProvider.System,
            server.CreateClientHandler()),
        ChatClients.Anthropic => ChatClients.CreateAnthropic(new LlmOptions { Endpoint = server.BaseUrl, ApiKey = AnthropicKey }, TimeProvider.System, server.CreateClientHandler()),
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, null),
    };

    public static string Key(string provider) => provider switch
    {
        ChatClients.OpenAi => OpenAiKey,
        ChatClients.AzureOpenAi => AzureKey,
        _ => AnthropicKey,
    };

    public static string Success(string provider, string json) => provider == ChatClients.Anthropic ? AnthropicMessage(json) : ChatCompletion(json);

    public static string ChatCompletion(string content) => $$"""
        {"id":"chatcmpl-1","object":"chat.completion","created":1763800000,"model":"gpt-4o-mini-2024-07-18",
         "choices":[{"index":0,"message":{"role":"assistant","content":{{JsonSerializer.Serialize(content)}},"refusal":null},"logprobs":null,"finish_reason":"stop"}],
         "usage":{"prompt_tokens":120,"completion_tokens":20,"total_tokens":140},"system_fingerprint":"fp_1"}
        """;

    public static string AnthropicMessage(string text) => $$"""
        {"id":"msg_01","type":"message","role":"assistant","model":"claude-haiku-4-5",
         "content":[{"type":"text","text":{{JsonSerializer.Serialize(text)}} }],
         "stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":120,"output_tokens":30} }
        """;

    /// <summary>Each provider's own error payload for the statuses the tests use.</summary>
    public static string Error(string provider, int status) => (provider, status) switch
    {
        (ChatClients.Anthropic, 401) => """{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"},"request_id":"req_011CS"}""",
        (ChatClients.Anthropic, 429) => """{"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed the rate limit for your organization of 50 requests per minute."},"request_id":"req_011CT"}""",
        (ChatClients.Anthropic, _) => """{"type":"error","error":{"type":"api_error","message":"Internal server error"},"request_id":"req_011CU"}""",
        (ChatClients.AzureOpenAi, 401) => """{"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."}}""",
        (ChatClients.AzureOpenAi, 429) => """{"error":{"code":"429","message":"Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 7 seconds."}}""",
        (_, 401) => """{"error":{"message":"Incorrect API key provided: sk-test. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}""",
        (_, 429) => """{"error":{"message":"Rate limit reached for gpt-4o-mini in organization org-1 on requests per min (RPM): Limit 500, Used 500, Requested 1.","type":"requests","param":null,"code":"rate_limit_exceeded"}}""",
        _ => """{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}""",
    };

    /// <summary>An Entra ID credential that hands out a fixed token and records the scopes asked for.</summary>
    internal sealed class FakeTokenCredential : TokenCredential
    {
        private readonly List<string> _scopes = [];

        public IReadOnlyList<string> Scopes
        {
            get
            {
                lock (_scopes)
                {
                    return [.. _scopes];
                }
            }
        }

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            lock (_scopes)
            {
                _scopes.AddRange(requestContext.Scopes);
            }

            return new AccessToken("entra-token-1", TimeProvider.System.GetUtcNow().AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
            => ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
