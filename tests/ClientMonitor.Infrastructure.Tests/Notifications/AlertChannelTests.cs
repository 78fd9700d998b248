using System.Text.Json;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Infrastructure.Notifications;
using ClientMonitor.Testing;

namespace ClientMonitor.Infrastructure.Tests.Notifications;

/// <summary>Slack and signed webhooks against local servers answering as Slack does and verifying as a receiver would.</summary>
public sealed class AlertChannelTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly ManualTimeProvider _clock = new(Now);

    public void Dispose() => _http.Dispose();

    private static AlertDelivery Delivery(string kind = "alert") => new(
        "d1b2c3", "biz-1", "key-1", 3, "slack", kind, AlertTypes.PipelineFailure, AlertSeverity.Error, "Monitoring run failed",
        "The run failed: 3 of 3 client run(s) failed <script>", 100, Now.AddMinutes(-2), Now.AddMinutes(-1), "sched-1", "run-1", "sched-1",
        AlertDeliveryStatus.Pending, 0, null, null, Now, null);

    [Fact]
    public async Task Slack_PostMessage_WithBotToken_BlocksAndSeverityColour()
    {
        await using var slack = await FakeProviderServer.StartAsync(async (context, request) =>
        {
            var authorized = request.Headers.TryGetValue("Authorization", out var auth) && auth == "Bearer xoxb-test-token";
            await FakeProviderServer.Respond(context, 200, authorized
                ? """{"ok":true,"channel":"C0123","ts":"1763888400.000100","message":{"text":"alert"}}"""
                : """{"ok":false,"error":"invalid_auth"}""");
        });
        var channel = new SlackAlertChannel(_http, new AlertChannelOptions { SlackToken = "xoxb-test-token", SlackChannel = "#client-monitor", SlackApiBaseUrl = slack.BaseUrl.ToString() }, _clock);

        var result = await channel.SendAsync(Delivery(), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        Assert.Equal("1763888400.000100", result.ProviderMessageId);
        var request = Assert.Single(slack.Requests);
        Assert.Equal("/chat.postMessage", request.PathAndQuery);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("#client-monitor", body.RootElement.GetProperty("channel").GetString());
        var attachment = body.RootElement.GetProperty("attachments")[0];
        Assert.Equal("#d92d20", attachment.GetProperty("color").GetString());
        var headline = attachment.GetProperty("blocks")[0].GetProperty("text").GetProperty("text").GetString();
        Assert.Contains("Monitoring run failed (100 times", headline, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", headline, StringComparison.Ordinal);
        Assert.Equal("[ClientMonitor] ERROR: Monitoring run failed (x100)", body.RootElement.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Slack_InvalidAuth_IsRefused_RateLimitedIsRetriedAfterRetryAfter()
    {
        await using var refusing = await FakeProviderServer.StartAsync(200, """{"ok":false,"error":"invalid_auth"}""");
        await using var limited = await FakeProviderServer.StartAsync(async (context, _) =>
        {
            context.Response.Headers["Retry-After"] = "30";
            await FakeProviderServer.Respond(context, 429, """{"ok":false,"error":"ratelimited"}""");
        });

        var refused = await new SlackAlertChannel(_http, new AlertChannelOptions { SlackToken = "xoxb-bad", SlackChannel = "#c", SlackApiBaseUrl = refusing.BaseUrl.ToString() }, _clock).SendAsync(Delivery(), CancellationToken.None);
        var later = await new SlackAlertChannel(_http, new AlertChannelOptions { SlackToken = "xoxb-ok", SlackChannel = "#c", SlackApiBaseUrl = limited.BaseUrl.ToString() }, _clock).SendAsync(Delivery(), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Rejected, refused.Outcome);
        Assert.Equal("slack: invalid_auth", refused.Error);
        Assert.Equal(DeliveryOutcome.RetryLater, later.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(30), later.RetryAfter);
    }

    [Fact]
    public async Task Slack_IncomingWebhook_AnswersOk_OrNoService()
    {
        await using var hook = await FakeProviderServer.StartAsync(async (context, request) =>
            await FakeProviderServer.Respond(context, request.PathAndQuery.Contains("revoked", StringComparison.Ordinal) ? 404 : 200, request.PathAndQuery.Contains("revoked", StringComparison.Ordinal) ? "no_service" : "ok", "text/plain"));

        var ok = await new SlackAlertChannel(_http, new AlertChannelOptions { SlackWebhookUrl = new Uri(hook.BaseUrl, "services/T1/B1/abc").ToString() }, _clock).SendAsync(Delivery("recovery"), CancellationToken.None);
        var gone = await new SlackAlertChannel(_http, new AlertChannelOptions { SlackWebhookUrl = new Uri(hook.BaseUrl, "services/T1/B1/revoked").ToString() }, _clock).SendAsync(Delivery(), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Delivered, ok.Outcome);
        using var body = JsonDocument.Parse(hook.Requests[0].Body);
        Assert.False(body.RootElement.TryGetProperty("channel", out _));
        Assert.Equal("#2eb886", body.RootElement.GetProperty("attachments")[0].GetProperty("color").GetString());
        Assert.Equal(DeliveryOutcome.Rejected, gone.Outcome);
        Assert.Contains("no_service", gone.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_IsSignedTheStandardWebhooksWay_AndTheReceiverRefusesAReplayAfterFiveMinutes()
    {
        var receiverClock = new ManualTimeProvider(Now);
        await using var receiver = await FakeProviderServer.StartAsync(async (context, request) =>
        {
            var problem = StandardWebhooks.Verify(
                Secret, request.Headers.GetValueOrDefault("webhook-id"), request.Headers.GetValueOrDefault("webhook-timestamp"), request.Headers.GetValueOrDefault("webhook-signature"),
                request.Body, receiverClock.GetUtcNow());
            await FakeProviderServer.Respond(context, problem is null ? 204 : 401, problem ?? string.Empty, "text/plain");
        });
        var channel = new WebhookAlertChannel(_http, new AlertChannelOptions { WebhookUrl = receiver.BaseUrl.ToString(), WebhookSecret = Secret }, _clock);

        var result = await channel.SendAsync(Delivery(), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        var sent = Assert.Single(receiver.Requests);
        Assert.Equal("d1b2c3", sent.Headers["webhook-id"]);
        Assert.StartsWith("v1,", sent.Headers["webhook-signature"], StringComparison.Ordinal);
        using var body = JsonDocument.Parse(sent.Body);
        Assert.Equal("alert.alert", body.RootElement.GetProperty("type").GetString());
        Assert.Equal(100, body.RootElement.GetProperty("data").GetProperty("count").GetInt32());

        // The same request, replayed six minutes later, and the same request with its body changed.
        receiverClock.Advance(TimeSpan.FromMinutes(6));
        Assert.Contains("five minutes", StandardWebhooks.Verify(Secret, sent.Headers["webhook-id"], sent.Headers["webhook-timestamp"], sent.Headers["webhook-signature"], sent.Body, receiverClock.GetUtcNow()), StringComparison.Ordinal);
        Assert.Equal("no webhook-signature matches", StandardWebhooks.Verify(Secret, sent.Headers["webhook-id"], sent.Headers["webhook-timestamp"], sent.Headers["webhook-signature"], sent.Body.Replace("100", "1", StringComparison.Ordinal), Now));
        Assert.Equal("no webhook-signature matches", StandardWebhooks.Verify("whsec_" + Convert.ToBase64String(new byte[24]), sent.Headers["webhook-id"], sent.Headers["webhook-timestamp"], sent.Headers["webhook-signature"], sent.Body, Now));

        // A sender whose clock is off by more than five minutes is refused by the receiver, and that refusal is final.
        var stale = new WebhookAlertChannel(_http, new AlertChannelOptions { WebhookUrl = receiver.BaseUrl.ToString(), WebhookSecret = Secret }, new ManualTimeProvider(Now));
        var refused = await stale.SendAsync(Delivery(), CancellationToken.None);
        Assert.Equal(DeliveryOutcome.Rejected, refused.Outcome);
        Assert.Contains("401", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_ServerErrorsAndTimeouts_AreRetried_ClientErrorsAreNot()
    {
        await using var failing = await FakeProviderServer.StartAsync(503, "upstream unavailable", "text/plain");
        await using var refusing = await FakeProviderServer.StartAsync(410, "gone", "text/plain");
        await using var silent = await FakeProviderServer.StartAsync(async (context, _) => await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted));

        WebhookAlertChannel Channel(FakeProviderServer server) => new(_http, new AlertChannelOptions { WebhookUrl = server.BaseUrl.ToString(), WebhookSecret = Secret, TimeoutSeconds = 1 }, _clock);

        Assert.Equal(DeliveryOutcome.RetryLater, (await Channel(failing).SendAsync(Delivery(), CancellationToken.None)).Outcome);
        Assert.Equal(DeliveryOutcome.Rejected, (await Channel(refusing).SendAsync(Delivery(), CancellationToken.None)).Outcome);
        await Assert.ThrowsAsync<TimeoutException>(() => Channel(silent).SendAsync(Delivery(), CancellationToken.None));
    }
}
