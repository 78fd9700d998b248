using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using ClientMonitor.Core.Operations;
using ClientMonitor.Application.Storage;
using ClientMonitor.Infrastructure.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ClientMonitor.Functions.Tests.Invocations;

/// <summary>Posts payloads shaped exactly as the Functions host sends them and checks what the worker answers.</summary>
public sealed class HostContractTests : IAsyncLifetime
{
    private WorkerFactory _factory = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _factory = await WorkerFactory.StartAsync();
        _client = _factory.CreateClient();
        await _factory.Services.GetRequiredService<StorageInitializer>().Ready.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task QueueInvocation_BinaryData_IsDecodedAndAnsweredWithJsonBody()
    {
        var messageId = Guid.NewGuid().ToString();
        // A well-formed notifications message (an alert dispatch for an alert that does not exist, which is a no-op):
        // it only parses, and the invocation only succeeds, if the base64 binary payload was decoded as UTF-8.
        var text = "{\"message\":\"alert_dispatch\",\"business_id\":\"biz-Zürich\",\"alert_key\":\"k & <b>\",\"sequence\":1}";
        var payload = $$"""
        {
          "Data": { "message": "{{Convert.ToBase64String(Encoding.UTF8.GetBytes(text))}}" },
          "Metadata": {
            "DequeueCount": "1",
            "ExpirationTime": "2026-11-29T10:00:00+00:00",
            "Id": "\"{{messageId}}\"",
            "InsertionTime": "2026-11-22T10:00:00+00:00",
            "NextVisibleTime": "2026-11-22T10:10:00+00:00",
            "PopReceipt": "\"AgAAAAMAAAAAAAAAAgtnj8x+1QE=\"",
            "sys": { "MethodName": "DeliverNotification", "UtcNow": "2026-11-22T10:00:00.2205399Z", "RandGuid": "24ad4c06-24ad-4e5b-8294-3da9714877e9" }
          }
        }
        """;

        var response = await PostAsync("/DeliverNotification", payload);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(JsonValueKind.Object, body.RootElement.GetProperty("Outputs").ValueKind);
        Assert.Equal(JsonValueKind.Array, body.RootElement.GetProperty("Logs").ValueKind);
        Assert.True(body.RootElement.TryGetProperty("ReturnValue", out _));
    }

    [Fact]
    public async Task TimerInvocation_RecordsHeartbeat()
    {
        const string payload = """
        {
          "Data": { "timer": { "Schedule": { "AdjustForDST": true },
            "ScheduleStatus": { "Last": "2026-11-22T10:00:00.0096+00:00", "Next": "2026-11-22T10:01:00+00:00", "LastUpdated": "2026-11-22T10:00:00.0096+00:00" },
            "IsPastDue": false } },
          "Metadata": { "sys": { "MethodName": "ReportTick", "UtcNow": "2026-11-22T10:00:00.01Z", "RandGuid": "24ad4c06-24ad-4e5b-8294-3da9714877e9" } }
        }
        """;

        var response = await PostAsync("/ReportTick", payload);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEmpty(await _factory.Services.GetRequiredService<IFunctionActivityLog>().RecentAsync("ReportTick", 1, default));
    }

    [Fact]
    public async Task QueueInvocation_UndecodableData_Fails_SoTheHostRetries_AndRecordsTheReason()
    {
        var messageId = Guid.NewGuid().ToString();
        var payload = $$"""
        { "Data": { "message": "not base64 at all!" },
          "Metadata": { "DequeueCount": "5", "Id": "\"{{messageId}}\"" } }
        """;

        var response = await PostAsync("/DeliverNotification", payload);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("base64", body.RootElement.GetProperty("Logs")[0].GetString(), StringComparison.Ordinal);
        var poison = await _factory.Services.GetRequiredService<PoisonMessageStore>().ListAsync(QueueNames.Notifications, default);
        Assert.Contains(poison, p => p.MessageId == messageId && p.Reason.Contains("base64", StringComparison.Ordinal));
    }

    [Fact]
    public async Task QueueInvocation_MissingBindingData_FailsWithJsonBody()
    {
        var response = await PostAsync("/MonitorClient", """{ "Data": {}, "Metadata": {} }""");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Invocation_MalformedJson_FailsWithJsonBody()
    {
        var response = await PostAsync("/ScheduleTick", "{ not json");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ForwardedHttpRequest_ReachesTheApiAtItsOriginalPath()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/health");
        request.Headers.Add("X-Azure-Functions-InvocationId", Guid.NewGuid().ToString());
        request.Headers.TryAddWithoutValidation("User-Agent", "curl/8.0 Azure-Functions-Host/4.1036.1");

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task HttpFunction_HasNoInvocationEndpoint()
    {
        var response = await PostAsync("/Api", "{}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task<HttpResponseMessage> PostAsync(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await _client.PostAsync(path, content);
    }
}
