using System.Net;
using ClientMonitor.Functions.Tests.Pipeline;

namespace ClientMonitor.Functions.Tests.Api;

/// <summary>A signed token is not enough: its user must be a user of its business with at least the role it claims.</summary>
public sealed class MembershipTests
{
    [Fact]
    public async Task TokensOfStrangers_OrClaimingMoreThanTheirRole_Get403_UsersAndOperatorsPass()
    {
        await using var worker = await PipelineWorker.StartAsync(new Dictionary<string, string?> { ["Providers:UseMocks"] = "true" });
        var business = await worker.SeedAsync(clients: 1);
        using var amy = worker.CreateClient().As("amy", business, "admin");
        using var bob = worker.CreateClient().As("bob", business, "member");
        using var stranger = worker.CreateClient().As("mallory", business, "admin");
        using var promoted = worker.CreateClient().As("bob", business, "admin");
        using var elsewhere = worker.CreateClient().As("amy", "another-business", "admin");
        using var operatorClient = worker.CreateClient().As("olga", null, "operator");

        using var ok = await amy.GetAsync("/api/v1/clients");
        using var member = await bob.GetAsync("/api/v1/clients");
        using var unknown = await stranger.GetAsync("/api/v1/clients");
        using var escalated = await promoted.DeleteAsync("/api/v1/clients/client-000");
        using var otherBusiness = await elsewhere.GetAsync("/api/v1/clients");
        using var operatorMetrics = await operatorClient.GetAsync("/api/v1/metrics");

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.OK, member.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Forbidden, escalated.StatusCode);
        Assert.NotNull(await worker.Stores.Clients.GetAsync(business, "client-000", CancellationToken.None));
        Assert.Equal(HttpStatusCode.Forbidden, otherBusiness.StatusCode);
        Assert.Equal(HttpStatusCode.OK, operatorMetrics.StatusCode);
    }
}
