using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;
using ClientMonitor.Infrastructure.Providers;
using ClientMonitor.Infrastructure.Providers.Ai;
using ClientMonitor.Infrastructure.Providers.Crm;
using ClientMonitor.Testing;
using Microsoft.Extensions.AI;
using static ClientMonitor.Infrastructure.Tests.Providers.LlmWireFormats;
using static ClientMonitor.Infrastructure.Tests.Providers.ProviderTestSupport;

namespace ClientMonitor.Infrastructure.Tests.Providers;

/// <summary>CRM and LLM adapters against local servers answering in Salesforce, HubSpot, OpenAI, Azure OpenAI and Anthropic formats.</summary>
public sealed class CrmAndAiAdapterTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private const string Layoffs = """{"category":"layoffs","relevance":0.92,"sentiment":-0.8,"risk":"high"}""";
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };

    [Fact]
    public async Task Salesforce_RefreshesTokenThenReadsAccountWithSubqueries()
    {
        await using var server = await FakeProviderServer.StartAsync(async (context, request) =>
        {
            if (request.PathAndQuery.StartsWith("/services/oauth2/token", StringComparison.Ordinal))
            {
                await FakeProviderServer.Respond(context, 200, $$"""{"access_token":"00Dxx!token","instance_url":"{{Origin(context)}}","id":"https://login.salesforce.com/id/00D/005","token_type":"Bearer","issued_at":"1763800000000","signature":"abc="}""");
                return;
            }

            await FakeProviderServer.Respond(context, 200, """
                {"totalSize":1,"done":true,"records":[{"attributes":{"type":"Account","url":"/services/data/v60.0/sobjects/Account/001Ak00000AbCdEAAV"},
                 "Id":"001Ak00000AbCdEAAV","Name":"Contoso Ltd","LastActivityDate":"2026-11-15",
                 "Contacts":{"totalSize":6,"done":true,"records":[{"attributes":{"type":"Contact"},"Id":"0031"},{"attributes":{"type":"Contact"},"Id":"0032"},{"attributes":{"type":"Contact"},"Id":"0033"},{"attributes":{"type":"Contact"},"Id":"0034"},{"attributes":{"type":"Contact"},"Id":"0035"},{"attributes":{"type":"Contact"},"Id":"0036"}]},
                 "Opportunities":{"totalSize":3,"done":true,"records":[{"attributes":{"type":"Opportunity"},"Amount":50000.0,"IsClosed":false,"IsWon":false,"CloseDate":"2027-01-31"},{"attributes":{"type":"Opportunity"},"Amount":20000.0,"IsClosed":true,"IsWon":true,"CloseDate":"2026-06-30"},{"attributes":{"type":"Opportunity"},"Amount":null,"IsClosed":true,"IsWon":false,"CloseDate":"2026-03-31"}]},
                 "Cases":{"totalSize":2,"done":true,"records":[{"attributes":{"type":"Case"},"Priority":"High"},{"attributes":{"type":"Case"},"Priority":"Medium"}]}}]}
                """);
        });
        using var salesforce = new SalesforceCrmProvider(_http, new SalesforceOptions { LoginUrl = server.BaseUrl, ClientId = "cid", ClientSecret = "secret", RefreshToken = "rt" }, Gateway(Fast()), new ManualTimeProvider(Now));

        var crm = await salesforce.EnrichAsync(Contoso, CancellationToken.None);

        Assert.NotNull(crm);
        Assert.Equal("Contoso Ltd", crm.AccountName);
        Assert.Equal(6, crm.Contacts);
        Assert.Equal(1, crm.OpenOpportunities);
        Assert.Equal(50000m, crm.OpenPipelineAmount);
        Assert.Equal(2, crm.OpenCases);
        Assert.Equal(1, crm.HighPriorityCases);
        Assert.InRange(crm.EngagementScore, 0.01, 1);
        Assert.Contains("grant_type=refresh_token", server.Requests[0].Body, StringComparison.Ordinal);
        Assert.Equal("Bearer 00Dxx!token", server.Requests[1].Headers["Authorization"]);
        Assert.Contains("FROM+Account+WHERE+Id", server.Requests[1].PathAndQuery.Replace("%20", "+", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Salesforce_RefusedRefreshToken_IsAConfigurationError()
    {
        await using var server = await FakeProviderServer.StartAsync(400, """{"error":"invalid_grant","error_description":"expired access/refresh token"}""");
        using var salesforce = new SalesforceCrmProvider(_http, new SalesforceOptions { LoginUrl = server.BaseUrl, ClientId = "cid", ClientSecret = "secret", RefreshToken = "rt" }, Gateway(Fast()), new ManualTimeProvider(Now));

        var ex = await Assert.ThrowsAsync<ProviderException>(() => salesforce.EnrichAsync(Contoso, CancellationToken.None));

        Assert.Equal(ProviderFailureKind.Configuration, ex.Kind);
        Assert.DoesNotContain("secret", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HubSpot_ReadsCompanyDealsAndTickets()
    {
        await using var server = await FakeProviderServer.StartAsync(async (context, request) =>
        {
            var body = request.PathAndQuery switch
            {
                var p when p.StartsWith("/crm/v3/objects/companies/9876543210", StringComparison.Ordinal) => """
                    {"id":"9876543210","properties":{"name":"Contoso","num_associated_contacts":"4","notes_last_updated":"2026-11-20T10:00:00Z","hs_object_id":"9876543210"},
                     "createdAt":"2024-01-01T00:00:00Z","updatedAt":"2026-11-20T10:00:00Z","archived":false,
                     "associations":{"deals":{"results":[{"id":"111","type":"company_to_deal"},{"id":"112","type":"company_to_deal"}]},"tickets":{"results":[{"id":"211","type":"company_to_ticket"}]}}}
                    """,
                "/crm/v3/objects/deals/batch/read" => """
                    {"status":"COMPLETE","results":[{"id":"111","properties":{"amount":"12000","hs_is_closed":"false","hs_is_closed_won":"false","closedate":"2027-02-01T00:00:00Z"}},
                     {"id":"112","properties":{"amount":"8000","hs_is_closed":"true","hs_is_closed_won":"true","closedate":"2026-05-01T00:00:00Z"}}],"startedAt":"2026-11-22T12:00:00Z","completedAt":"2026-11-22T12:00:00Z"}
                    """,
                _ => """{"status":"COMPLETE","results":[{"id":"211","properties":{"hs_ticket_priority":"HIGH","closed_date":null}}]}""",
            };
            await FakeProviderServer.Respond(context, 200, body);
        });
        var hubSpot = new HubSpotCrmProvider(_http, new HubSpotOptions { BaseUrl = server.BaseUrl, AccessToken = "pat-token" }, Gateway(Fast()), new ManualTimeProvider(Now));

        var crm = await hubSpot.EnrichAsync(Contoso, CancellationToken.None);

        Assert.NotNull(crm);
        Assert.Equal(4, crm.Contacts);
        Assert.Equal(1, crm.OpenOpportunities);
        Assert.Equal(12000m, crm.OpenPipelineAmount);
        Assert.Equal(1, crm.HighPriorityCases);
        Assert.Equal("Bearer pat-token", server.Requests[0].Headers["Authorization"]);
    }

    [Fact]
    public async Task HubSpot_UnknownCompany_GivesNoContext()
    {
        await using var server = await FakeProviderServer.StartAsync(404, """{"status":"error","message":"Object not found. objectId are usually numeric.","correlationId":"c1","category":"OBJECT_NOT_FOUND"}""");
        var hubSpot = new HubSpotCrmProvider(_http, new HubSpotOptions { BaseUrl = server.BaseUrl, AccessToken = "pat-token" }, Gateway(Fast()), new ManualTimeProvider(Now));

        Assert.Null(await hubSpot.EnrichAsync(Contoso, CancellationToken.None));
    }

    [Fact]
    public async Task OpenAi_ValidStructuredAnswer_IsUsed()
    {
        await using var server = await StartAsync(ChatClients.OpenAi, 200, Layoffs);
        using var chat = Chat(ChatClients.OpenAi, server);

        var result = await new LlmClassifier(ChatClients.OpenAi, chat, Gateway(Fast())).ClassifyAsync(Input(), CancellationToken.None);

        Assert.Equal(new Classification(EventCategory.Layoffs, 0.92, -0.8, RiskLevel.High, "openai"), result);
        var request = Assert.Single(server.Requests);
        Assert.Equal("POST /chat/completions", $"{request.Method} {request.PathAndQuery}");
        Assert.Equal("Bearer sk-test", request.Headers["Authorization"]);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("gpt-4o-mini", body.RootElement.GetProperty("model").GetString());
        Assert.Equal(0, body.RootElement.GetProperty("temperature").GetDouble());
        AssertOpenAiJsonSchema(body.RootElement, "classification");
    }

    [Fact]
    public async Task AzureOpenAi_Key_PostsToTheDeploymentWithTheApiKeyHeader()
    {
        await using var server = await StartAsync(ChatClients.AzureOpenAi, 200, Layoffs);
        using var chat = Chat(ChatClients.AzureOpenAi, server);

        var result = await new LlmClassifier(ChatClients.AzureOpenAi, chat, Gateway(Fast())).ClassifyAsync(Input(), CancellationToken.None);

        Assert.Equal(new Classification(EventCategory.Layoffs, 0.92, -0.8, RiskLevel.High, "azure_openai"), result);
        var request = Assert.Single(server.Requests);
        Assert.Equal($"POST /openai/deployments/{AzureDeployment}/chat/completions?api-version=2024-10-21", $"{request.Method} {request.PathAndQuery}");
        Assert.Equal(AzureKey, request.Headers["api-key"]);
        Assert.False(request.Headers.ContainsKey("Authorization"));
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal(0, body.RootElement.GetProperty("temperature").GetDouble());
        AssertOpenAiJsonSchema(body.RootElement, "classification");
    }

    [Fact]
    public async Task AzureOpenAi_EntraId_SendsABearerTokenForCognitiveServicesOverHttps()
    {
        var credential = new FakeTokenCredential();
        await using var server = await StartAsync(ChatClients.AzureOpenAi, 200, Layoffs);
        using var chat = Chat(ChatClients.AzureOpenAi, server, credential);

        var result = await new LlmClassifier(ChatClients.AzureOpenAi, chat, Gateway(Fast())).ClassifyAsync(Input(), CancellationToken.None);

        Assert.Equal("azure_openai", result.Classifier);
        Assert.Equal(Uri.UriSchemeHttps, server.BaseUrl.Scheme);
        var request = Assert.Single(server.Requests);
        Assert.StartsWith($"/openai/deployments/{AzureDeployment}/chat/completions?", request.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal("Bearer entra-token-1", request.Headers["Authorization"]);
        Assert.False(request.Headers.ContainsKey("api-key"));
        Assert.Equal(["https://cognitiveservices.azure.com/.default"], credential.Scopes.Distinct());
    }

    [Fact]
    public async Task Anthropic_ValidStructuredAnswer_IsUsed()
    {
        await using var server = await StartAsync(ChatClients.Anthropic, 200, """{"category":"acquisition","relevance":0.81,"sentiment":0.2,"risk":"low"}""");
        using var chat = Chat(ChatClients.Anthropic, server);

        var result = await new LlmClassifier(ChatClients.Anthropic, chat, Gateway(Fast())).ClassifyAsync(Input(), CancellationToken.None);

        Assert.Equal(new Classification(EventCategory.Acquisition, 0.81, 0.2, RiskLevel.Low, "anthropic"), result);
        var request = Assert.Single(server.Requests);
        Assert.Equal("POST /v1/messages", $"{request.Method} {request.PathAndQuery}");
        Assert.Equal(AnthropicKey, request.Headers["x-api-key"]);
        Assert.Equal("2023-06-01", request.Headers["anthropic-version"]);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("claude-haiku-4-5", body.RootElement.GetProperty("model").GetString());
        Assert.Equal(0, body.RootElement.GetProperty("temperature").GetDouble());
        Assert.Contains("You classify news", body.RootElement.GetProperty("system").ToString(), StringComparison.Ordinal);
        var format = body.RootElement.GetProperty("output_config").GetProperty("format");
        Assert.Equal("json_schema", format.GetProperty("type").GetString());
        AssertClassificationSchema(format.GetProperty("schema"));
    }

    [Fact]
    public async Task AzureOpenAi_InsightAnswer_IsUsed()
    {
        await using var server = await StartAsync(ChatClients.AzureOpenAi, 200, """{"insight":"Layoffs may cut the budget of our sponsor's team.","recommended_actions":["Call the sponsor this week","Review renewal risk"],"urgency":"high"}""");
        using var chat = Chat(ChatClients.AzureOpenAi, server);

        var insight = await new LlmInsightGenerator(ChatClients.AzureOpenAi, chat, Gateway(Fast())).GenerateAsync(Event(), Contoso, null, CancellationToken.None);

        Assert.Equal("azure_openai", insight.Generator);
        Assert.Equal(["Call the sponsor this week", "Review renewal risk"], insight.RecommendedActions);
        using var body = JsonDocument.Parse(Assert.Single(server.Requests).Body);
        Assert.Equal("insight", body.RootElement.GetProperty("response_format").GetProperty("json_schema").GetProperty("name").GetString());
    }

    [Theory]
    [MemberData(nameof(LlmWireFormats.Families), MemberType = typeof(LlmWireFormats))]
    public async Task Llm_InvalidAnswerTwice_FallsBackToRulesWithTheReason(string provider)
    {
        await using var server = await StartAsync(provider, 200, """{"category":"layoffs","relevance":7,"sentiment":-0.8,"risk":"high"}""");
        using var chat = Chat(provider, server);

        var result = await new LlmClassifier(provider, chat, Gateway(Fast())).ClassifyAsync(Input(), CancellationToken.None);

        Assert.Equal(2, server.Requests.Count);
        Assert.Equal("rule_based", result.Classifier);
        Assert.Equal(EventCategory.Layoffs, result.Category);
        Assert.Contains($"{provider} answer failed validation twice", result.Note, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(LlmWireFormats.Families), MemberType = typeof(LlmWireFormats))]
    public async Task Llm_Unauthorized_FallsBackWithoutRetrying(string provider)
    {
        await using var server = await StartAsync(provider, 401);
        using var chat = Chat(provider, server);

        var result = await new LlmClassifier(provider, chat, Gateway(Fast())).ClassifyAsync(Input(), CancellationToken.None);

        Assert.Single(server.Requests);
        Assert.Equal("rule_based", result.Classifier);
        Assert.Contains($"{provider} unavailable (Configuration", result.Note, StringComparison.Ordinal);
        Assert.DoesNotContain(Key(provider), result.Note, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(LlmWireFormats.Families), MemberType = typeof(LlmWireFormats))]
    public async Task Llm_RateLimited_SurfacesStatusDetailAndRetryAfter(string provider)
    {
        await using var server = await StartAsync(provider, 429, retryAfter: "7");
        using var chat = Chat(provider, server);

        var ex = await Assert.ThrowsAsync<ProviderHttpException>(() => chat.GetResponseAsync("Classify this.", LlmContract.Options(LlmContract.ClassificationFormat)));

        Assert.Equal(provider, ex.Provider);
        Assert.Equal(HttpStatusCode.TooManyRequests, ex.Status);
        Assert.Equal(TimeSpan.FromSeconds(7), ex.RetryAfter);
        Assert.Contains("rate limit", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Single(server.Requests); // the SDK's own retries are off
    }

    [Theory]
    [MemberData(nameof(LlmWireFormats.Families), MemberType = typeof(LlmWireFormats))]
    public async Task Llm_RateLimitedOnce_TheGatewayWaitsRetryAfterThenUsesTheAnswer(string provider)
    {
        var calls = 0;
        await using var server = await StartAsync(provider, (context, _) => Interlocked.Increment(ref calls) == 1
            ? Answer(context, provider, 429, retryAfter: "1")
            : Answer(context, provider, 200, Layoffs));
        using var chat = Chat(provider, server);
        var started = Stopwatch.GetTimestamp();

        var result = await new LlmClassifier(provider, chat, Gateway(Fast())).ClassifyAsync(Input(), CancellationToken.None);

        Assert.Equal(provider, result.Classifier);
        Assert.Equal(2, server.Requests.Count);
        Assert.InRange(Stopwatch.GetElapsedTime(started), TimeSpan.FromMilliseconds(950), TimeSpan.FromSeconds(30)); // the backoff alone is 5 ms
    }

    [Theory]
    [MemberData(nameof(LlmWireFormats.Families), MemberType = typeof(LlmWireFormats))]
    public async Task Llm_ServerError_IsRetriedThenFallsBackWithTheReason(string provider)
    {
        await using var server = await StartAsync(provider, 500);
        using var chat = Chat(provider, server);

        var result = await new LlmClassifier(provider, chat, Gateway(Fast(maxRetries: 2))).ClassifyAsync(Input(), CancellationToken.None);

        Assert.Equal(3, server.Requests.Count);
        Assert.Equal("rule_based", result.Classifier);
        Assert.Contains($"{provider} unavailable (Unavailable: {provider} answered 500", result.Note, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(LlmWireFormats.Families), MemberType = typeof(LlmWireFormats))]
    public async Task Llm_NetworkFailure_IsRetriedThenFallsBackWithTheReason(string provider)
    {
        IChatClient chat;
        await using (var server = await StartAsync(provider, 200, Layoffs))
        {
            chat = Chat(provider, server);
        }

        using (chat)
        {
            var result = await new LlmClassifier(provider, chat, Gateway(Fast(maxRetries: 1))).ClassifyAsync(Input(), CancellationToken.None);

            Assert.Equal("rule_based", result.Classifier);
            Assert.Contains($"{provider} unavailable (Unavailable: network error", result.Note, StringComparison.Ordinal);
        }
    }

    public void Dispose() => _http.Dispose();

    private static ClassificationInput Input() => new("Contoso to cut 300 jobs in restructuring", null, "news_api", "Reuters", Now, Contoso, Now);

    private static string Origin(Microsoft.AspNetCore.Http.HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}/";

    private static MonitoringEvent Event() => new(
        "e1", "b1", "c1", "run1", "Contoso to cut 300 jobs in restructuring", null, "https://news.test/1", "news_api", Now,
        EventCategory.Layoffs, 0.92, -0.8, RiskLevel.High, "azure_openai", null, null, null, Now);

    /// <summary>OpenAI's and Azure OpenAI's structured output: <c>response_format</c> of type <c>json_schema</c>, strict, with our schema.</summary>
    private static void AssertOpenAiJsonSchema(JsonElement body, string name)
    {
        var format = body.GetProperty("response_format");
        Assert.Equal("json_schema", format.GetProperty("type").GetString());
        var schema = format.GetProperty("json_schema");
        Assert.Equal(name, schema.GetProperty("name").GetString());
        Assert.True(schema.GetProperty("strict").GetBoolean());
        AssertClassificationSchema(schema.GetProperty("schema"));
    }

    private static void AssertClassificationSchema(JsonElement schema)
    {
        Assert.Equal(["category", "relevance", "sentiment", "risk"], schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.False(schema.GetProperty("additionalProperties").GetBoolean());
        Assert.Contains("layoffs", schema.GetProperty("properties").GetProperty("category").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
    }
}
