using ClientMonitor.Application.Health;
using System.Net;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using ClientMonitor.Core.Operations;
using ClientMonitor.Core.Scheduling;
using ClientMonitor.Application.Storage;
using ClientMonitor.Infrastructure.Storage;
using ClientMonitor.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ClientMonitor.Functions.Tests.Health;

public sealed class HealthEndpointTests
{
    /// <summary>A private Azurite: the shared one's queues hold other tests' poison messages.</summary>
    private static async Task<(Azurite Storage, WorkerFactory Worker)> StartPrivateAsync()
    {
        var azurite = await Azurite.StartPrivateAsync();
        var factory = new WorkerFactory(azurite.ConnectionString);
        _ = factory.Server;
        await factory.Services.GetRequiredService<StorageInitializer>().Ready.WaitAsync(TimeSpan.FromSeconds(30));
        return (azurite, factory);
    }

    [Fact]
    public async Task Health_WithReachableStorage_Is200AndNamesTheMode()
    {
        var (azurite, factory) = await StartPrivateAsync();
        await using var storage = azurite;
        await using var worker = factory;
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("local", body.RootElement.GetProperty("mode").GetString());
        Assert.Equal("Healthy", body.RootElement.GetProperty("checks").GetProperty("tableStorage").GetProperty("status").GetString());
        var queues = body.RootElement.GetProperty("checks").GetProperty("queueStorage");
        Assert.Equal("Healthy", queues.GetProperty("status").GetString());
        Assert.Equal(0, queues.GetProperty("data").GetProperty("notifications").GetProperty("poison").GetInt32());
        Assert.Equal("No scheduler tick recorded yet", body.RootElement.GetProperty("checks").GetProperty("scheduler").GetProperty("description").GetString());
    }

    [Fact]
    public async Task Health_IsDegraded_ByAPoisonMessage_AndByAStaleScheduler_ButStays200()
    {
        var (azurite, factory) = await StartPrivateAsync();
        await using var storage = azurite;
        await using var worker = factory;
        using var client = factory.CreateClient();
        await factory.Services.GetRequiredService<QueueServiceClient>().GetQueueClient(QueueNames.PoisonOf(QueueNames.Notifications)).SendMessageAsync("eyJtZXNzYWdlIjoiZmF4In0=");
        var now = TimeProvider.System.GetUtcNow();
        await factory.Services.GetRequiredService<ISchedulerHeartbeatStore>().SaveAsync(new SchedulerHeartbeat(now.AddMinutes(-5), now.AddMinutes(-5), TimeSpan.FromSeconds(2), 0, 0, 0, 0), CancellationToken.None);

        var response = await client.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Degraded", body.RootElement.GetProperty("status").GetString());
        var checks = body.RootElement.GetProperty("checks");
        Assert.Equal("Degraded", checks.GetProperty("queueStorage").GetProperty("status").GetString());
        Assert.Contains("notifications-poison (1)", checks.GetProperty("queueStorage").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("Degraded", checks.GetProperty("scheduler").GetProperty("status").GetString());
        Assert.True(checks.GetProperty("scheduler").GetProperty("data").GetProperty("secondsSinceLastTick").GetDouble() >= 300);
    }

    [Fact]
    public async Task Liveness_Is200_EvenWhenStorageIsDown()
    {
        const string deadStorage = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=AAAA;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;";
        await using var factory = new WorkerFactory(deadStorage);
        using var client = factory.CreateClient();

        var live = await client.GetAsync("/api/health/live");
        var ready = await client.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
    }

    [Fact]
    public async Task Health_WithUnreachableStorage_Is503()
    {
        // A port nothing listens on: connection refused, fast.
        const string deadStorage = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=AAAA;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;";
        await using var factory = new WorkerFactory(deadStorage);
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Unhealthy", body.RootElement.GetProperty("status").GetString());
    }
}
