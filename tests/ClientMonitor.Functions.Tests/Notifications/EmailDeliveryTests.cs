using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Application.Triggers;
using ClientMonitor.Functions.Tests.Pipeline;
using ClientMonitor.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace ClientMonitor.Functions.Tests.Notifications;

/// <summary>
/// DeliverNotification end to end on Azurite: a monitoring run's instant emails rendered and sent once however often
/// their messages arrive, tracked through signed links, listed by the email-logs API; retries with backoff through
/// the queue; and a sending limit that defers rather than fails.
/// </summary>
public sealed partial class EmailDeliveryTests : IAsyncLifetime
{
    private readonly string _mail = NotificationKit.NewMailDirectory();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        if (Directory.Exists(_mail))
        {
            Directory.Delete(_mail, recursive: true);
        }

        return Task.CompletedTask;
    }

    private static async Task<(string Business, List<EmailRequest> Emails)> RunJobAsync(PipelineWorker worker, int clients = 3)
    {
        var business = await worker.SeedAsync(clients);
        var run = await worker.RunJobAsync(business);
        return (business, worker.Dispatcher.Emails.Where(e => e.BusinessId == business).ToList());
    }

    private static async Task<EmailLog> LogAsync(PipelineWorker worker, string business, string emailId)
        => (await worker.Services.GetRequiredService<IEmailLogStore>().GetVersionedAsync(business, emailId, CancellationToken.None))!.Value;

    [GeneratedRegex("(?:src|href)=\"(http://cm\\.test/api/track/(?:open|click)/[^\"]+)\"")]
    private static partial Regex TrackingUrl();

    [Fact]
    public async Task ARunsInstantEmails_AreSentOnceEach_EvenWhenEveryMessageArrivesTwice()
    {
        await using var worker = await PipelineWorker.StartAsync(NotificationKit.Settings(_mail));
        var (business, emails) = await RunJobAsync(worker);
        Assert.NotEmpty(emails);

        foreach (var email in emails)
        {
            await worker.HandleAsync(email);
            await worker.HandleAsync(email, dequeueCount: 2);
        }

        var files = Directory.GetFiles(_mail, "*.eml");
        Assert.Equal(emails.Select(e => e.EmailId).Distinct().Count(), files.Length);
        foreach (var email in emails)
        {
            var log = await LogAsync(worker, business, email.EmailId);
            Assert.Equal(EmailStatus.Sent, log.Status);
            Assert.Equal("file", log.Provider);
            Assert.Equal($"{email.EmailId}@clientmonitor", log.ProviderMessageId);
            Assert.Equal(0, log.RetryCount);
            Assert.Null(log.SendingUntil);
            Assert.Equal("amy@test.example", log.RecipientEmail);
        }

        using var message = await MimeMessage.LoadAsync(files[0]);
        var monitoringEvent = await worker.Stores.Events.GetAsync(business, emails.Single(e => files[0].Contains(e.EmailId, StringComparison.Ordinal)).EventId!, CancellationToken.None);
        Assert.Contains(monitoringEvent!.Title.Replace("&", "&amp;", StringComparison.Ordinal), message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("relevance", message.TextBody, StringComparison.Ordinal);
        Assert.StartsWith("[", message.Subject, StringComparison.Ordinal);
        Assert.Equal("amy@test.example", message.To.Mailboxes.Single().Address);
    }

    [Fact]
    public async Task TrackingLinks_RecordFirstOpenAndClick_AndRefuseTamperedTokens()
    {
        await using var worker = await PipelineWorker.StartAsync(NotificationKit.Settings(_mail));
        var (business, emails) = await RunJobAsync(worker, clients: 1);
        var email = emails[0];
        await worker.HandleAsync(email);
        var html = await File.ReadAllTextAsync(Path.Combine(_mail, email.EmailId + ".html"));
        var urls = TrackingUrl().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();
        var pixel = new Uri(urls.Single(u => u.Contains("/open/", StringComparison.Ordinal)));
        var click = new Uri(urls.First(u => u.Contains("/click/", StringComparison.Ordinal)));
        using var anonymous = worker.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        using var opened = await anonymous.GetAsync(pixel.PathAndQuery);
        using var clicked = await anonymous.GetAsync(click.PathAndQuery);
        var afterClick = await LogAsync(worker, business, email.EmailId);
        using var clickedAgain = await anonymous.GetAsync(click.PathAndQuery);
        var token = click.AbsolutePath.Split('/')[^1];
        var tampered = token[..^2] + (token[^2] == 'A' ? "B" : "A") + token[^1];
        using var forged = await anonymous.GetAsync("/api/track/click/" + tampered);
        using var junk = await anonymous.GetAsync("/api/track/click/not-a-token");

        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        Assert.Equal("image/gif", opened.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Redirect, clicked.StatusCode);
        Assert.Equal($"http://cm.test/api/dashboard/#/events/{email.EventId}", clicked.Headers.Location?.ToString());
        Assert.NotNull(afterClick.OpenedAt);
        Assert.NotNull(afterClick.ClickedAt);
        Assert.Equal(afterClick.ClickedAt, (await LogAsync(worker, business, email.EmailId)).ClickedAt);
        Assert.Equal(HttpStatusCode.Redirect, clickedAgain.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Null(forged.Headers.Location);
        Assert.Equal(HttpStatusCode.BadRequest, junk.StatusCode);
    }

    [Fact]
    public async Task EmailLogsApi_FiltersPagesAndSummarises_AndMembersSeeOnlyTheirOwn()
    {
        await using var worker = await PipelineWorker.StartAsync(NotificationKit.Settings(_mail));
        var (business, emails) = await RunJobAsync(worker);
        foreach (var email in emails)
        {
            await worker.HandleAsync(email);
        }

        using var admin = worker.CreateClient().As("amy", business, "admin");
        using var member = worker.CreateClient().As("bob", business, "member");
        var all = await JsonAsync(await admin.GetAsync("/api/v1/email-logs/?email_type=event_notification&status=sent&limit=2"));
        var one = await JsonAsync(await admin.GetAsync($"/api/v1/email-logs/{emails[0].EmailId}"));
        var byEvent = await JsonAsync(await admin.GetAsync($"/api/v1/email-logs/event/{emails[0].EventId}"));
        var byUser = await JsonAsync(await admin.GetAsync("/api/v1/email-logs/user/amy"));
        var stats = await JsonAsync(await admin.GetAsync("/api/v1/email-logs/stats/summary"));
        var mine = await JsonAsync(await member.GetAsync("/api/v1/email-logs/"));
        using var othersLog = await member.GetAsync($"/api/v1/email-logs/{emails[0].EmailId}");
        using var othersUser = await member.GetAsync("/api/v1/email-logs/user/amy");
        using var badStatus = await admin.GetAsync("/api/v1/email-logs/?status=delivered");
        using var badType = await admin.GetAsync("/api/v1/email-logs/?email_type=newsletter");

        var distinct = emails.Select(e => e.EmailId).Distinct().Count();
        Assert.True(distinct > 2, "the test needs more emails than one page holds");
        Assert.Null(all["total"]); // unknown until a page reaches the end
        Assert.Equal(2, all["email_logs"]!.AsArray().Count);
        var walked = new List<string>();
        for (JsonObject? page = all; page is not null; page = (string?)page["next"] is { } next ? await JsonAsync(await admin.GetAsync(next)) : null)
        {
            walked.AddRange(page["email_logs"]!.AsArray().Select(l => (string)l!["id"]!));
        }

        Assert.Equal(emails.Select(e => e.EmailId).Distinct().Order(StringComparer.Ordinal), walked.Order(StringComparer.Ordinal));
        Assert.Equal("sent", (string)one["status"]!);
        Assert.Equal("file", (string)one["provider"]!);
        Assert.Equal(1, (int)byEvent["total"]!);
        Assert.Equal(distinct, (int)byUser["total"]!);
        Assert.Equal(distinct, (int)stats["total_emails"]!);
        Assert.Equal(distinct, (int)stats["sent"]!);
        Assert.Equal(100.0, (double)stats["delivery_rate"]!);
        Assert.Equal(distinct, (int)stats["by_type"]!["event_notification"]!);
        Assert.Equal(0, (int)mine["total"]!);
        Assert.Equal(HttpStatusCode.NotFound, othersLog.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, othersUser.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badStatus.StatusCode);
        Assert.Contains("status", await badStatus.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badType.StatusCode);
    }

    /// <summary>
    /// A local ACS that refuses the first <c>failures</c> sends with <c>status</c> (and a Retry-After when given), then
    /// accepts, and reports every operation as succeeded.
    /// </summary>
    private sealed class FlakyAcs : IAsyncDisposable
    {
        private int _sends;

        private FlakyAcs(FakeProviderServer server) => Server = server;

        public FakeProviderServer Server { get; }

        public int Sends => _sends;

        public static async Task<FlakyAcs> StartAsync(int failures, int status, string code, int? retryAfterSeconds = null)
        {
            FlakyAcs? acs = null;
            var server = await FakeProviderServer.StartAsync(async (context, request) =>
            {
                if (request.Method == "GET")
                {
                    await FakeProviderServer.Respond(context, 200, """{"id":"op-9","status":"Succeeded"}""");
                    return;
                }

                if (Interlocked.Increment(ref acs!._sends) <= failures)
                {
                    if (retryAfterSeconds is { } after)
                    {
                        context.Response.Headers["Retry-After"] = after.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    }

                    await FakeProviderServer.Respond(context, status, $$$"""{"error":{"code":"{{{code}}}","message":"Try again later"}}""");
                    return;
                }

                await FakeProviderServer.Respond(context, 202, """{"id":"op-9","status":"Running"}""");
            });
            acs = new FlakyAcs(server);
            return acs;
        }

        /// <summary>A worker sending through this ACS, on <paramref name="clock"/>.</summary>
        public async Task<PipelineWorker> WorkerAsync(string mail, ManualTimeProvider clock)
        {
            var worker = await PipelineWorker.StartAsync(
                NotificationKit.Settings(mail, new()
                {
                    ["Email:Provider"] = "acs",
                    ["Email:Acs:ConnectionString"] = $"endpoint={Server.BaseUrl};accesskey={Convert.ToBase64String(new byte[32])}",
                    ["Email:Acs:MaxPolls"] = "1",
                    ["Email:PerMinuteLimit"] = "1000",
                    ["Email:PerHourLimit"] = "100000",
                }),
                services => services.AddSingleton<TimeProvider>(clock));
            worker.Dispatcher.Clock = clock;
            return worker;
        }

        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }

    [Fact]
    public async Task TransientFailures_AreRetriedThroughTheQueueWithBackoff_ThenSentOnce_AndStaleCopiesDoNothing()
    {
        await using var acs = await FlakyAcs.StartAsync(failures: 2, 503, "ServiceUnavailable");
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        await using var worker = await acs.WorkerAsync(_mail, clock);
        var (business, emails) = await RunJobAsync(worker, clients: 1);
        var email = emails[0];
        worker.Dispatcher.Notifications.Clear();

        await worker.HandleAsync(email);
        var first = await LogAsync(worker, business, email.EmailId);
        var retry1 = Assert.Single(worker.Dispatcher.Notifications);
        Assert.Equal(0, await worker.PumpAsync());
        clock.Advance(TimeSpan.FromSeconds(30));
        await worker.PumpAsync();
        var second = await LogAsync(worker, business, email.EmailId);
        clock.Advance(TimeSpan.FromSeconds(60));
        await worker.PumpAsync();
        var sent = await LogAsync(worker, business, email.EmailId);
        await worker.HandleAsync(email);
        await worker.HandleAsync(((EmailRequest)retry1.Message));

        Assert.Equal(EmailStatus.Pending, first.Status);
        Assert.Equal(1, first.RetryCount);
        Assert.Contains("503", first.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(1, ((EmailRequest)retry1.Message).Attempt);
        Assert.Equal(clock.GetUtcNow().AddSeconds(-60), retry1.VisibleAt);
        Assert.Equal(2, second.RetryCount);
        Assert.Equal(EmailStatus.Sent, sent.Status);
        Assert.Equal(2, sent.RetryCount);
        Assert.Equal("op-9", sent.ProviderMessageId);
        Assert.Equal("acs", sent.Provider);
        Assert.Equal(3, acs.Sends);
    }

    [Fact]
    public async Task AProviders429_WaitsForItsRetryAfter_WithoutUsingUpRetries()
    {
        await using var acs = await FlakyAcs.StartAsync(failures: 7, 429, "TooManyRequests", retryAfterSeconds: 120);
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        await using var worker = await acs.WorkerAsync(_mail, clock);
        var (business, emails) = await RunJobAsync(worker, clients: 1);
        worker.Dispatcher.Notifications.Clear();

        await worker.HandleAsync(emails[0]);
        var waiting = await LogAsync(worker, business, emails[0].EmailId);
        var requeued = Assert.Single(worker.Dispatcher.Notifications);
        for (var i = 0; i < 7; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(120));
            await worker.PumpAsync();
        }

        var sent = await LogAsync(worker, business, emails[0].EmailId);
        Assert.Equal(EmailStatus.Pending, waiting.Status);
        Assert.Equal(0, waiting.RetryCount);
        Assert.Contains("429", waiting.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(clock.GetUtcNow().AddSeconds(-7 * 120 + 120), requeued.VisibleAt);
        Assert.Equal(EmailStatus.Sent, sent.Status);
        Assert.Equal(0, sent.RetryCount);
        Assert.Equal(8, acs.Sends);
    }

    [Fact]
    public async Task ASendingLimit_PutsTheEmailBackOnTheQueueUntilTheWindowEnds_WithoutCountingARetry()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 20, TimeSpan.Zero));
        await using var worker = await PipelineWorker.StartAsync(
            NotificationKit.Settings(_mail, new() { ["Email:PerMinuteLimit"] = "1", ["Email:Provider"] = "file" }),
            services => services.AddSingleton<TimeProvider>(clock));
        worker.Dispatcher.Clock = clock;
        var (business, emails) = await RunJobAsync(worker, clients: 2);
        // The limiter's counters are shared by every worker of the storage account: use a sender window nobody else uses.
        clock.SetUtcNow(new DateTimeOffset(2031, 1, 1, 0, 0, 20, TimeSpan.Zero));
        var distinct = emails.DistinctBy(e => e.EmailId).Take(2).ToList();
        Assert.Equal(2, distinct.Count);
        worker.Dispatcher.Notifications.Clear();

        await worker.HandleAsync(distinct[0]);
        await worker.HandleAsync(distinct[1]);
        var deferred = await LogAsync(worker, business, distinct[1].EmailId);
        var requeued = Assert.Single(worker.Dispatcher.Notifications);
        clock.Advance(TimeSpan.FromSeconds(40));
        await worker.PumpAsync();

        Assert.Equal(EmailStatus.Sent, (await LogAsync(worker, business, distinct[0].EmailId)).Status);
        Assert.Equal(EmailStatus.Pending, deferred.Status);
        Assert.Equal(0, deferred.RetryCount);
        Assert.Equal(new DateTimeOffset(2031, 1, 1, 0, 1, 0, TimeSpan.Zero), requeued.VisibleAt);
        Assert.Equal(EmailStatus.Sent, (await LogAsync(worker, business, distinct[1].EmailId)).Status);
    }

    [Fact]
    public async Task MessagesThatCanNeverBeProcessed_GoToPoisonWithTheReason()
    {
        await using var worker = await PipelineWorker.StartAsync(NotificationKit.Settings(_mail));

        var unknownKind = await Assert.ThrowsAsync<InvalidMessageException>(() => worker.Deliver().RunAsync(new QueueInvocation("DeliverNotification", """{"message":"fax"}""", "m1", 1, null), CancellationToken.None));
        var notJson = await Assert.ThrowsAsync<InvalidMessageException>(() => worker.Deliver().RunAsync(new QueueInvocation("DeliverNotification", "not json", "m2", 1, null), CancellationToken.None));
        var noLog = await Assert.ThrowsAsync<InvalidMessageException>(() => worker.HandleAsync(new EmailRequest("feedfeedfeedfeedfeedfeedfeedfeed", EmailTypes.EventNotification, "nobody", "amy", "e", null)));

        Assert.Contains("must be an email", unknownKind.Message, StringComparison.Ordinal);
        Assert.Contains("Not a notifications message", notJson.Message, StringComparison.Ordinal);
        Assert.Contains("has no log row", noLog.Message, StringComparison.Ordinal);
    }

    private static async Task<JsonObject> JsonAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
            return (JsonObject)JsonNode.Parse(text)!;
        }
    }
}
