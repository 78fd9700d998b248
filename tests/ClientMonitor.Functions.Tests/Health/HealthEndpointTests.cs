using System.Net;
using System.Text.Json;
using ClientMonitor.Functions.Hosting;

namespace ClientMonitor.Functions.Tests.Health;

public sealed class HealthEndpointTests
{
    [Fact]
    public async Task Health_WithReachableStorage_Is200AndNamesTheMode()
    {
        await using var factory = await WorkerFactory.StartAsync(HostingMode.Functions);
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("functions", body.RootElement.GetProperty("mode").GetString());
        Assert.Equal("Healthy", body.RootElement.GetProperty("checks").GetProperty("tableStorage").GetProperty("status").GetString());
        Assert.Equal("Healthy", body.RootElement.GetProperty("checks").GetProperty("queueStorage").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Health_WithUnreachableStorage_Is503()
    {
        // A port nothing listens on: connection refused, fast.
        const string deadStorage = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=AAAA;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;";
        await using var factory = new WorkerFactory(deadStorage, HostingMode.Functions);
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Unhealthy", body.RootElement.GetProperty("status").GetString());
    }
}
