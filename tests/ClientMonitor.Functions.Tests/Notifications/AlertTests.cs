using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Tenancy;
using ClientMonitor.Functions.Tests.Pipeline;
using ClientMonitor.Infrastructure.Notifications;
using ClientMonitor.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MimeKit;

namespace ClientMonitor.Functions.Tests.Notifications;

/// <summary>
/// Operational alerts through the real worker: a storm folded into one message per channel (email, Slack, a signed
/// webhook), occurrences after it held to the end of the throttle window, one recovery, retries of a failing
/// channel, and the channel test endpoint.
/// </summary>
public sealed class AlertTests : IAsyncLifetime
{
    private const string Secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private readonly ManualTimeProvider _clock = new(Start);
    private readonly string _mail = NotificationKit.NewMailDirectory();
    private readonly List<JsonDocument> _slack = [];
    private readonly List<(JsonDocument Body, string? Problem)> _webhooks = [];
    private int _webhookFailuresLeft;
    private FakeProviderServer _slackServer = null!;
    private FakeProviderServer _receiver = null!;
    private PipelineWorker _worker = null!;

    public async Task InitializeAsync()
    {
        _slackServer = await FakeProviderServer.StartAsync(async (context, request) =>
        {
            lock (_slack)
            {
                _slack.Add(JsonDocument.Parse(request.Body));
            }

            await FakeProviderServer.Respond(context, 200, request.Headers.GetValueOrDefault("Authorization") == "Bearer xoxb-test"
                ? """{"ok":true,"channel":"C1","ts":"1763888400.000200"}"""
                : """{"ok":false,"error":"not_authed"}""");
        });
        _receiver = await FakeProviderServer.StartAsync(async (context, request) =>
        {
            if (Interlocked.Decrement(ref _webhookFailuresLeft) >= 0)
            {
                await FakeProviderServer.Respond(context, 503, "busy", "text/plain");
                return;
            }

            var problem = StandardWebhooks.Verify(
                Secret, request.Headers.GetValueOrDefault("webhook-id"), request.Headers.GetValueOrDefault("webhook-timestamp"), request.Headers.GetValueOrDefault("webhook-signature"),
                request.Body, _clock.GetUtcNow());
            lock (_webhooks)
            {
                _webhooks.Add((JsonDocument.Parse(request.Body), problem));
            }

            await FakeProviderServer.Respond(context, problem is null ? 200 : 401, problem ?? "{}");
        });
        _worker = await PipelineWorker.StartAsync(
            NotificationKit.Settings(_mail, new()
            {
                ["Alerts:Recipients"] = "ops@test.example",
                ["Alerts:SlackToken"] = "xoxb-test",
                ["Alerts:SlackChannel"] = "#client-monitor-ops",
                ["Alerts:SlackApiBaseUrl"] = _slackServer.BaseUrl.ToString(),
                ["Alerts:WebhookUrl"] = new Uri(_receiver.BaseUrl, "hooks/clientmonitor").ToString(),
                ["Alerts:WebhookSecret"] = Secret,
            }),
            services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_clock)));
        _worker.Dispatcher.Clock = _clock;
    }

    public async Task DisposeAsync()
    {
        await _worker.DisposeAsync();
        await _slackServer.DisposeAsync();
        await _receiver.DisposeAsync();
        _slack.ForEach(d => d.Dispose());
        _webhooks.ForEach(w => w.Body.Dispose());
        if (Directory.Exists(_mail))
        {
            Directory.Delete(_mail, recursive: true);
        }
    }

    private IAlertSink Alerts => _worker.Services.GetRequiredService<IAlertSink>();

    /// <summary>A business with an admin (amy) and a member (bob), whose tokens the API accepts.</summary>
    private async Task<string> BusinessAsync()
    {
        var business = Azurite.UniqueName("alerts");
        await _worker.Stores.Tenants.UpsertBusinessAsync(new Business(business, "Alerts test", _clock.GetUtcNow()), CancellationToken.None);
        await _worker.Stores.Tenants.UpsertUserAsync(new User("amy", business, "amy@test.example", "Amy", UserRole.Admin, "UTC"), CancellationToken.None);
        await _worker.Stores.Tenants.UpsertUserAsync(new User("bob", business, "bob@test.example", "Bob", UserRole.Member, "UTC"), CancellationToken.None);
        return business;
    }

    private Task<bool> RaiseAsync(string business, string occurrence) => Alerts.RaiseAsync(
        new OperationalAlert(occurrence, business, AlertTypes.PipelineFailure, AlertSeverity.Error, "Monitoring run failed", $"Run {occurrence} failed: 3 of 3 client run(s) failed.", "sched-1", occurrence, _clock.GetUtcNow()),
        CancellationToken.None);

    private List<MimeMessage> AlertEmails() => Directory.Exists(_mail)
        ? Directory.GetFiles(_mail, "*.eml").Select(f => MimeMessage.Load(f)).Where(m => m.To.Mailboxes.Single().Address == "ops@test.example").OrderBy(m => m.Date).ToList()
        : [];

    [Fact]
    public async Task AStormOf100Failures_IsOneMessagePerChannelWithACountOf100_ThenOneRecovery()
    {
        var business = await BusinessAsync();
        for (var i = 0; i < 100; i++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(500));
            await RaiseAsync(business, $"run-{i}");
        }

        await RaiseAsync(business, "run-99"); // the same occurrence again counts once
        Assert.Equal(0, await _worker.PumpAsync()); // still within the group wait
        _clock.SetUtcNow(Start.AddSeconds(61));
        await _worker.PumpAsync();

        Assert.Single(_slack);
        Assert.Equal("[ClientMonitor] ERROR: Monitoring run failed (x100)", _slack[0].RootElement.GetProperty("text").GetString());
        Assert.Equal("#client-monitor-ops", _slack[0].RootElement.GetProperty("channel").GetString());
        var hook = Assert.Single(_webhooks);
        Assert.Null(hook.Problem);
        Assert.Equal(100, hook.Body.RootElement.GetProperty("data").GetProperty("count").GetInt32());
        Assert.Equal("alert.alert", hook.Body.RootElement.GetProperty("type").GetString());
        var email = Assert.Single(AlertEmails());
        Assert.Equal("[ClientMonitor] ERROR: Monitoring run failed (x100)", email.Subject);

        // Five more within the throttle window: held, then one message at its end with their count.
        _clock.SetUtcNow(Start.AddMinutes(10));
        for (var i = 0; i < 5; i++)
        {
            await RaiseAsync(business, $"later-{i}");
        }

        _clock.SetUtcNow(Start.AddMinutes(30));
        await _worker.PumpAsync();
        Assert.Single(_slack);
        _clock.SetUtcNow(Start.AddMinutes(62));
        await _worker.PumpAsync();
        Assert.Equal(2, _slack.Count);
        Assert.Equal(5, _webhooks[1].Body.RootElement.GetProperty("data").GetProperty("count").GetInt32());

        // The condition clears: one recovery per channel.
        Assert.True(await Alerts.ResolveAsync(business, AlertTypes.PipelineFailure, "sched-1", "Schedule sched-1 completed again.", CancellationToken.None));
        Assert.False(await Alerts.ResolveAsync(business, AlertTypes.PipelineFailure, "sched-1", "again", CancellationToken.None));
        await _worker.PumpAsync();

        Assert.Equal(3, _slack.Count);
        Assert.StartsWith("[ClientMonitor] Resolved:", _slack[2].RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("#2eb886", _slack[2].RootElement.GetProperty("attachments")[0].GetProperty("color").GetString());
        Assert.Equal(3, _webhooks.Count);
        Assert.Equal("alert.recovery", _webhooks[2].Body.RootElement.GetProperty("type").GetString());
        var emails = AlertEmails();
        Assert.Equal(3, emails.Count);
        Assert.Single(emails, e => e.Subject?.StartsWith("[ClientMonitor] Resolved: Monitoring run failed", StringComparison.Ordinal) == true);
        Assert.Single(emails, e => e.Subject == "[ClientMonitor] ERROR: Monitoring run failed (x5)");

        using var admin = _worker.CreateClient().As("amy", business, "admin");
        var list = JsonNode.Parse(await admin.GetStringAsync("/api/v1/alerts/"))!;
        var alert = list["alerts"]!.AsArray().Single()!;
        Assert.Equal("resolved", (string)alert["status"]!);
        Assert.Equal(105, (int)alert["count"]!);
        Assert.Equal(["email", "slack", "webhook"], list["channels"]!.AsArray().Select(c => (string)c!).ToArray());
        var detail = JsonNode.Parse(await admin.GetStringAsync($"/api/v1/alerts/{(string)alert["key"]!}"))!;
        Assert.Equal(9, detail["deliveries"]!.AsArray().Count);
        Assert.All(detail["deliveries"]!.AsArray(), d => Assert.Equal("sent", (string)d!["status"]!));
        using var member = _worker.CreateClient().As("bob", business, "member");
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/api/v1/alerts/")).StatusCode);
    }

    [Fact]
    public async Task AFailingChannel_IsRetriedWithBackoff_WithoutHoldingUpTheOthers()
    {
        var business = await BusinessAsync();
        _webhookFailuresLeft = 2;
        await RaiseAsync(business, "run-1");
        _clock.SetUtcNow(Start.AddSeconds(61));
        await _worker.PumpAsync();

        Assert.Single(_slack);
        Assert.Empty(_webhooks);
        _clock.SetUtcNow(Start.AddSeconds(61 + 30));
        await _worker.PumpAsync();
        Assert.Empty(_webhooks);
        _clock.SetUtcNow(Start.AddSeconds(61 + 30 + 60));
        await _worker.PumpAsync();

        Assert.Null(Assert.Single(_webhooks).Problem);
        var deliveries = await _worker.Services.GetRequiredService<IAlertStore>().ListDeliveriesAsync(business, null, CancellationToken.None);
        var webhook = deliveries.Single(d => d.Channel == "webhook");
        Assert.Equal(AlertDeliveryStatus.Sent, webhook.Status);
        Assert.Equal(3, webhook.Attempts);
        Assert.Single(AlertEmails());

        // A redelivered copy of any channel message sends nothing again.
        foreach (var delivery in deliveries)
        {
            await _worker.HandleAsync(new AlertChannelRequest(business, delivery.Id, delivery.Channel));
        }

        Assert.Single(_slack);
        Assert.Single(_webhooks);
        Assert.Single(AlertEmails());
    }

    [Fact]
    public async Task TheTestEndpoint_SendsToEveryChannelAndReportsEach_ForAdminsAndOperators()
    {
        var business = await BusinessAsync();
        using var admin = _worker.CreateClient().As("amy", business, "admin");
        using var operatorClient = _worker.CreateClient().As("olga", null, "operator");
        using var member = _worker.CreateClient().As("bob", business, "member");

        using var response = await admin.PostAsync("/api/v1/alerts/test", null);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        _webhookFailuresLeft = 1;
        using var second = await operatorClient.PostAsync("/api/v1/alerts/test", null);
        var failed = JsonNode.Parse(await second.Content.ReadAsStringAsync())!;
        using var refused = await member.PostAsync("/api/v1/alerts/test", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((bool)body["all_ok"]!);
        Assert.Equal(["email", "slack", "webhook"], body["channels"]!.AsArray().Select(c => (string)c!["channel"]!).ToArray());
        Assert.Equal(2, AlertEmails().Count);
        Assert.False((bool)failed["all_ok"]!);
        var webhook = failed["channels"]!.AsArray().Single(c => (string)c!["channel"]! == "webhook")!;
        Assert.False((bool)webhook["ok"]!);
        Assert.Contains("503", (string)webhook["detail"]!, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }
}
