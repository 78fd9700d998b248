using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;
using ClientMonitor.Infrastructure.Providers.Ai;
using ClientMonitor.Infrastructure.Providers.Crm;
using ClientMonitor.Testing;
using static ClientMonitor.Infrastructure.Tests.Providers.ProviderTestSupport;

namespace ClientMonitor.Infrastructure.Tests.Providers;

/// <summary>CRM and LLM adapters against local servers answering in Salesforce, HubSpot, OpenAI and Anthropic formats.</summary>
public sealed class CrmAndAiAdapterTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
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
        await using var server = await FakeProviderServer.StartAsync(200, ChatCompletion("""{"category":"layoffs","relevance":0.92,"sentiment":-0.8,"risk":"high"}"""));
        var classifier = new LlmClassifier(new OpenAiJsonClient("openai", new LlmOptions { Endpoint = server.BaseUrl, ApiKey = "sk-test", Model = "gpt-4o-mini" }, null), Gateway(Fast()));

        var result = await classifier.ClassifyAsync(Input(), CancellationToken.None);

        Assert.Equal(new Classification(EventCategory.Layoffs, 0.92, -0.8, RiskLevel.High, "openai"), result);
        Assert.Contains("json_schema", server.Requests[0].Body, StringComparison.Ordinal);
        Assert.Equal("Bearer sk-test", server.Requests[0].Headers["Authorization"]);
    }

    [Fact]
    public async Task OpenAi_InvalidAnswerTwice_FallsBackToRulesWithTheReason()
    {
        await using var server = await FakeProviderServer.StartAsync(200, ChatCompletion("""{"category":"layoffs","relevance":7,"sentiment":-0.8,"risk":"high"}"""));
        var classifier = new LlmClassifier(new OpenAiJsonClient("openai", new LlmOptions { Endpoint = server.BaseUrl, ApiKey = "sk-test" }, null), Gateway(Fast()));

        var result = await classifier.ClassifyAsync(Input(), CancellationToken.None);

        Assert.Equal(2, server.Requests.Count);
        Assert.Equal("rule_based", result.Classifier);
        Assert.Equal(EventCategory.Layoffs, result.Category);
        Assert.Contains("failed validation twice", result.Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAi_Unauthorized_FallsBackWithoutRetrying()
    {
        await using var server = await FakeProviderServer.StartAsync(401, """{"error":{"message":"Incorrect API key provided: sk-test. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}""");
        var classifier = new LlmClassifier(new OpenAiJsonClient("openai", new LlmOptions { Endpoint = server.BaseUrl, ApiKey = "sk-test" }, null), Gateway(Fast()));

        var result = await classifier.ClassifyAsync(Input(), CancellationToken.None);

        Assert.Single(server.Requests);
        Assert.Equal("rule_based", result.Classifier);
        Assert.Contains("Configuration", result.Note, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-test", result.Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anthropic_ValidStructuredAnswer_IsUsed()
    {
        await using var server = await FakeProviderServer.StartAsync(200, """
            {"id":"msg_01","type":"message","role":"assistant","model":"claude-haiku-4-5",
             "content":[{"type":"text","text":"{\"category\":\"acquisition\",\"relevance\":0.81,\"sentiment\":0.2,\"risk\":\"low\"}"}],
             "stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":120,"output_tokens":30}}
            """);
        using var anthropic = new AnthropicJsonClient(new LlmOptions { Endpoint = server.BaseUrl, ApiKey = "sk-ant-test" });
        var classifier = new LlmClassifier(anthropic, Gateway(Fast()));

        var result = await classifier.ClassifyAsync(Input(), CancellationToken.None);

        Assert.Equal(new Classification(EventCategory.Acquisition, 0.81, 0.2, RiskLevel.Low, "anthropic"), result);
        Assert.Equal("sk-ant-test", server.Requests[0].Headers["x-api-key"]);
        Assert.Contains("json_schema", server.Requests[0].Body, StringComparison.Ordinal);
    }

    public void Dispose() => _http.Dispose();

    private static ClassificationInput Input() => new("Contoso to cut 300 jobs in restructuring", null, "news_api", "Reuters", Now, Contoso, Now);

    private static string Origin(Microsoft.AspNetCore.Http.HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}/";

    private static string ChatCompletion(string content) => $$"""
        {"id":"chatcmpl-1","object":"chat.completion","created":1763800000,"model":"gpt-4o-mini-2024-07-18",
         "choices":[{"index":0,"message":{"role":"assistant","content":{{System.Text.Json.JsonSerializer.Serialize(content)}},"refusal":null},"logprobs":null,"finish_reason":"stop"}],
         "usage":{"prompt_tokens":120,"completion_tokens":20,"total_tokens":140},"system_fingerprint":"fp_1"}
        """;
}
