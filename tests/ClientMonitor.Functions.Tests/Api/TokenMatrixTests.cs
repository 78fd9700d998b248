using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ClientMonitor.Application.Api;

namespace ClientMonitor.Functions.Tests.Api;

/// <summary>
/// A validly signed token gets exactly as far as its claims are true: one existing business and a user of it with
/// at least the claimed role, or the operator identity naming no business. Each row is one claim combination; every
/// refusal is problem details, and a refused onboarding creates nothing.
/// </summary>
public sealed class TokenMatrixTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private const string Tenant = AuthOptions.DevelopmentIssuer;
    private const string Operator = AuthOptions.DevelopmentOperatorIssuer;

    /// <summary>What one token gets: the business's clients, deleting a client, the app-wide alerts and metrics, onboarding.</summary>
    public sealed record Expected(int Clients, int DeleteClient, int Alerts, int Metrics, int Onboard);

    private const string Admin = "admin", Member = "member", OperatorOnly = "operator", Refused = "refused", Unnamed = "unnamed";

    private static readonly Dictionary<string, Expected> Outcomes = new()
    {
        [Admin] = new(200, 204, 200, 200, 403),
        [Member] = new(200, 403, 403, 403, 403),
        [OperatorOnly] = new(403, 403, 200, 200, 201),
        [Refused] = new(403, 403, 403, 403, 403),
        [Unnamed] = new(401, 401, 401, 401, 401),
    };

    public static TheoryData<string, string, string, string> Rows() => new()
    {
        { "the business's admin", Tenant, """{"sub":"amy","business_id":"$biz","role":"admin"}""", Admin },
        { "the business's member", Tenant, """{"sub":"bob","business_id":"$biz","role":"member"}""", Member },
        { "a member claiming admin", Tenant, """{"sub":"bob","business_id":"$biz","role":"admin"}""", Refused },
        { "a member claiming operator with its business", Tenant, """{"sub":"bob","business_id":"$biz","role":"operator"}""", Refused },
        { "a stranger to the business", Tenant, """{"sub":"mallory","business_id":"$biz","role":"admin"}""", Refused },
        { "an admin naming a business that does not exist", Tenant, """{"sub":"amy","business_id":"no-such-business","role":"admin"}""", Refused },
        { "an empty business claim with role admin", Tenant, """{"sub":"amy","business_id":"","role":"admin"}""", Unnamed },
        { "no business claim with role admin", Tenant, """{"sub":"amy","role":"admin"}""", Unnamed },
        { "no business claim with role operator", Tenant, """{"sub":"olga","role":"operator"}""", Unnamed },
        { "two business claims", Tenant, """{"sub":"amy","business_id":["$biz","other"],"role":"admin"}""", Unnamed },
        { "two roles", Tenant, """{"sub":"amy","business_id":"$biz","role":["admin","member"]}""", Unnamed },
        { "an unknown role", Tenant, """{"sub":"amy","business_id":"$biz","role":"owner"}""", Unnamed },
        { "no role", Tenant, """{"sub":"amy","business_id":"$biz"}""", Unnamed },
        { "an empty user id", Tenant, """{"sub":"","business_id":"$biz","role":"admin"}""", Unnamed },
        { "an impossible business id", Tenant, """{"sub":"amy","business_id":"a/b","role":"admin"}""", Unnamed },
        { "a member carrying the verified-caller claim names", Tenant, """{"sub":"bob","business_id":"$biz","role":"member","clientmonitor/caller":"operator","clientmonitor/business":"other"}""", Member },
        { "the operator identity", Operator, """{"sub":"olga","role":"operator"}""", OperatorOnly },
        { "the operator identity without a role claim", Operator, """{"sub":"olga"}""", OperatorOnly },
        { "the operator identity naming a business", Operator, """{"sub":"olga","business_id":"$biz","role":"admin"}""", Refused },
        { "the operator identity naming an empty business", Operator, """{"sub":"olga","business_id":"","role":"operator"}""", Refused },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task EachClaimCombination_GetsExactlyWhatItsClaimsAllow(string row, string issuer, string claims, string outcome)
    {
        var expected = Outcomes[outcome];
        var worker = fixture.Worker;
        var business = await worker.SeedAsync(clients: 1);
        var claimSet = ClaimsOf(claims, business);
        using var client = worker.CreateClient().WithToken(TestAuth.Signed(claimSet, issuer));

        var actual = new Expected(
            await StatusAsync(client.GetAsync("/api/v1/clients")),
            await StatusAsync(client.DeleteAsync("/api/v1/clients/client-000")),
            await StatusAsync(client.GetAsync("/api/v1/alerts")),
            await StatusAsync(client.GetAsync("/api/v1/metrics")),
            await StatusAsync(client.PostAsync("/api/v1/businesses", new StringContent(
                """{"name":"Matrix Co","admin":{"email":"new@matrix.example","name":"New Admin","time_zone":"UTC"}}""", Encoding.UTF8, "application/json"))));

        Assert.True(expected == actual, $"{row}: expected {expected}, got {actual}");
        Assert.Equal(expected.DeleteClient == 204, await worker.Stores.Clients.GetAsync(business, "client-000", CancellationToken.None) is null);
    }

    /// <summary>The row's claims, with <c>$biz</c> standing for the seeded business; a JSON array becomes a repeated claim.</summary>
    private static Dictionary<string, object> ClaimsOf(string claims, string business) => JsonNode.Parse(claims.Replace("$biz", business, StringComparison.Ordinal))!.AsObject().ToDictionary(
        p => p.Key,
        p => p.Value is JsonArray values ? values.Select(v => (string)v!).ToArray() : (object)(string)p.Value!);

    /// <summary>The status, after checking that a refusal is problem details.</summary>
    private static async Task<int> StatusAsync(Task<HttpResponseMessage> send)
    {
        using var response = await send;
        if ((int)response.StatusCode >= 400)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        return (int)response.StatusCode;
    }
}
