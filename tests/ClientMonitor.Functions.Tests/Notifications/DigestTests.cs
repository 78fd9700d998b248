using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Preferences;
using ClientMonitor.Core.Tenancy;
using ClientMonitor.Functions.Tests.Pipeline;
using ClientMonitor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MimeKit;

namespace ClientMonitor.Functions.Tests.Notifications;

/// <summary>
/// Digests on a private Azurite (a digest pass visits every business) with a manual clock, over the week in which
/// New York leaves daylight saving time (Sunday 1 November 2026).
/// </summary>
public sealed class DigestTests : IAsyncLifetime
{
    private static readonly DateTimeOffset WeekStart = new(2026, 10, 26, 0, 0, 0, TimeSpan.Zero);

    private readonly ManualTimeProvider _clock = new(WeekStart);
    private readonly string _mail = NotificationKit.NewMailDirectory();
    private Azurite _azurite = null!;
    private PipelineWorker _worker = null!;

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartPrivateAsync();
        _worker = await PipelineWorker.StartAsync(NotificationKit.Settings(_mail, new() { ["Email:MaxInstantPerUserPerHour"] = "2" }), services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_clock)), _azurite);
        _worker.Dispatcher.Clock = _clock;
    }

    public async Task DisposeAsync()
    {
        await _worker.DisposeAsync();
        await _azurite.DisposeAsync();
        if (Directory.Exists(_mail))
        {
            Directory.Delete(_mail, recursive: true);
        }
    }

    private DigestService Digests => _worker.Services.GetRequiredService<DigestService>();

    /// <summary>Nora (New York, daily at 09:00), Bert (Berlin, weekly on Monday at 08:00), Ivy (instant: no digests).</summary>
    private async Task<string> SeedAsync()
    {
        var business = Azurite.UniqueName("digest");
        var stores = _worker.Stores;
        var ct = CancellationToken.None;
        await stores.Tenants.UpsertBusinessAsync(new Business(business, "Digest business", WeekStart), ct);
        await stores.Tenants.UpsertUserAsync(new User("nora", business, "nora@test.example", "Nora", UserRole.Member, "America/New_York"), ct);
        await stores.Tenants.UpsertUserAsync(new User("bert", business, "bert@test.example", "Bert", UserRole.Member, "Europe/Berlin"), ct);
        await stores.Tenants.UpsertUserAsync(new User("ivy", business, "ivy@test.example", "Ivy", UserRole.Admin, "UTC"), ct);
        await stores.Preferences.UpsertAsync(UserPreferences.Default(business, "nora", WeekStart) with { NotificationFrequency = NotificationFrequency.Daily, DigestTime = new TimeOnly(9, 0), RelevanceThreshold = 0.5 }, ct);
        await stores.Preferences.UpsertAsync(UserPreferences.Default(business, "bert", WeekStart) with { NotificationFrequency = NotificationFrequency.Weekly, DigestTime = new TimeOnly(8, 0), DigestDayOfWeek = 0, RelevanceThreshold = 0.5 }, ct);
        await stores.Preferences.UpsertAsync(UserPreferences.Default(business, "ivy", WeekStart) with { RelevanceThreshold = 0.0 }, ct);
        await stores.Clients.UpsertAsync(new Client("contoso", business, "Contoso <Ltd>", null, "software", [], [], null, null, true), ct);
        return business;
    }

    private Task AddEventAsync(string business, DateTimeOffset at, double relevance = 0.9)
    {
        var id = StableId.From("digest-event", business, at.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return _worker.Stores.Events.UpsertAsync(
            new MonitoringEvent(
                id, business, "contoso", "run", $"Contoso news of {at:yyyy-MM-dd HH:mm}", "Summary & details", "https://news.test/" + id, "mock_news", at,
                EventCategory.Expansion, relevance, 0.4, RiskLevel.Low, "rule_based", null, null, null, at),
            CancellationToken.None);
    }

    private List<EmailRequest> DigestsFor(string business, string user)
        => _worker.Dispatcher.Emails.Where(e => e.BusinessId == business && e.UserId == user && e.EmailType == EmailTypes.Digest).ToList();

    [Fact]
    public async Task AWeekOfHourlyTicks_InTwoZones_OneCrossingDst_SendsExactlyTheExpectedDigests()
    {
        var business = await SeedAsync();
        for (var day = 0; day < 8; day++)
        {
            await AddEventAsync(business, WeekStart.AddDays(day).AddHours(10));
            await AddEventAsync(business, WeekStart.AddDays(day).AddHours(11), relevance: 0.2); // below both thresholds
        }

        for (var tick = WeekStart; tick < WeekStart.AddDays(8); tick = tick.AddHours(1))
        {
            _clock.SetUtcNow(tick.AddSeconds(3));
            await Digests.RunDueAsync(CancellationToken.None);
            if (tick.Hour % 6 == 0)
            {
                await Digests.RunDueAsync(CancellationToken.None); // an overlapping tick changes nothing
            }
        }

        var nora = DigestsFor(business, "nora");
        var bert = DigestsFor(business, "bert");
        Assert.Empty(DigestsFor(business, "ivy"));

        // 09:00 in New York is 13:00 UTC until Sunday 1 November, then 14:00 UTC.
        var expectedNora = Enumerable.Range(0, 8).Select(d => WeekStart.AddDays(d).AddHours(d < 6 ? 13 : 14)).ToList();
        Assert.Equal(expectedNora, nora.Select(e => e.Digest!.To).ToList());
        Assert.All(nora, e => Assert.Single(e.EventIds!));
        Assert.Equal(8, nora.Select(e => e.EmailId).Distinct().Count());

        // Monday 08:00 in Berlin (CET since 25 October) is 07:00 UTC: one digest on 2 November with the seven events before it.
        var weekly = Assert.Single(bert);
        Assert.Equal(new DateTimeOffset(2026, 11, 2, 7, 0, 0, TimeSpan.Zero), weekly.Digest!.To);
        Assert.Equal(7, weekly.EventIds!.Count);
        Assert.Equal("weekly", weekly.Digest.Period);

        await _worker.PumpAsync();
        var logs = await _worker.Services.GetRequiredService<IEmailLogStore>().QueryAsync(business, new EmailLogQuery(EmailType: EmailTypes.Digest, Limit: 100), CancellationToken.None);
        Assert.Equal(9, logs.Total);
        Assert.All(logs.Items, l => Assert.Equal(EmailStatus.Sent, l.Status));
        using var message = await MimeMessage.LoadAsync(Path.Combine(_mail, weekly.EmailId + ".eml"));
        Assert.Equal("Your weekly ClientMonitor digest: 7 events about 1 client(s)", message.Subject);
        Assert.Contains("Contoso &lt;Ltd&gt;", message.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("Contoso <Ltd>", message.HtmlBody, StringComparison.Ordinal);
        Assert.Equal(7, CountOf(message.HtmlBody!, "Contoso news of"));
    }

    [Fact]
    public async Task ALateTickAfterDowntime_SendsTheMissedDigestOnce_AndOnDemandRunsAreJobRuns()
    {
        var business = await SeedAsync();
        _clock.SetUtcNow(new DateTimeOffset(2026, 10, 27, 0, 0, 0, TimeSpan.Zero));
        await Digests.RunDueAsync(CancellationToken.None);
        await AddEventAsync(business, new DateTimeOffset(2026, 10, 27, 10, 0, 0, TimeSpan.Zero));

        // Down from 12:00 to 20:00 UTC: the 13:00 UTC digest goes out with the first tick after, once.
        _clock.SetUtcNow(new DateTimeOffset(2026, 10, 27, 20, 0, 5, TimeSpan.Zero));
        await Digests.RunDueAsync(CancellationToken.None);
        await Digests.RunDueAsync(CancellationToken.None);
        var late = Assert.Single(DigestsFor(business, "nora"));
        Assert.Equal(new DateTimeOffset(2026, 10, 27, 13, 0, 0, TimeSpan.Zero), late.Digest!.To);

        await AddEventAsync(business, new DateTimeOffset(2026, 10, 27, 21, 0, 0, TimeSpan.Zero));
        _clock.SetUtcNow(new DateTimeOffset(2026, 10, 27, 22, 0, 0, TimeSpan.Zero));
        using var admin = _worker.CreateClient().As("ivy", business, "admin");
        using var response = await admin.PostAsJsonAsync("/api/v1/monitoring-jobs/execute", new { job_type = "notification_digest" });
        var run = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("notification_digest", (string)run["job_type"]!);
        Assert.Equal("completed", (string)run["status"]!);
        // Nora: the 21:00 event since her last digest; Bert: both events since his (empty) Monday digest.
        Assert.Equal(2, (int)run["counts"]!["emails_queued"]!);
        var onDemand = DigestsFor(business, "nora").Last();
        Assert.Equal("on-demand", onDemand.Digest!.Period);
        Assert.Single(onDemand.EventIds!);
        Assert.Equal(2, DigestsFor(business, "bert").Single().EventIds!.Count);
    }

    [Fact]
    public async Task AnInstantUserPastTheHourlyBudget_GetsTheRestInOneCatchUpDigest_NotAFlood()
    {
        _clock.SetUtcNow(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        var business = await _worker.SeedAsync(clients: 3);
        var run = await _worker.RunJobAsync(business);
        var (events, total, _) = await _worker.Stores.Events.QueryAsync(business, new EventQuery(null, null, null, null, null, 0, 100), CancellationToken.None);
        var instant = _worker.Dispatcher.Emails.Where(e => e.BusinessId == business && e.UserId == "amy" && e.EmailType == EmailTypes.EventNotification).Select(e => e.EventId).Distinct().ToList();

        _clock.SetUtcNow(new DateTimeOffset(2026, 11, 23, 10, 0, 3, TimeSpan.Zero));
        await Digests.RunDueAsync(CancellationToken.None);
        await Digests.RunDueAsync(CancellationToken.None);
        _clock.SetUtcNow(new DateTimeOffset(2026, 11, 23, 11, 0, 3, TimeSpan.Zero));
        await Digests.RunDueAsync(CancellationToken.None);

        Assert.True(total > 2, $"the run made {total} events; the test needs more than the budget of 2");
        Assert.Equal(2, instant.Count);
        var catchUp = Assert.Single(DigestsFor(business, "amy"));
        Assert.Equal("catch-up", catchUp.Digest!.Period);
        Assert.Equal(events.Select(e => e.Id).Except(instant).Order(StringComparer.Ordinal), catchUp.EventIds!.Order(StringComparer.Ordinal));
        Assert.Equal(2, (await _worker.Stores.JobRuns.GetAsync(business, run.Id, CancellationToken.None))!.Counts.EmailsQueued);
    }

    [Fact]
    public async Task PastTheBudget_AnEmailAnEarlierAttemptCreated_IsStillAllowed_ButANewOneIsHeldForTheCatchUp()
    {
        var now = new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);
        _clock.SetUtcNow(now);
        var business = await SeedAsync();
        var gate = _worker.Services.GetRequiredService<InstantEmailGate>();
        var ct = CancellationToken.None;
        await _worker.Stores.EmailLogs.AddPendingIfAbsentAsync(
            new EmailLog("mail-earlier", business, "ivy", "evt-earlier", "run", EmailTypes.EventNotification, "ivy@test.example", "Earlier", null, EmailStatus.Pending, now), ct);

        Assert.True(await gate.AllowAsync(business, "ivy", "mail-1", false, now, ct));
        Assert.True(await gate.AllowAsync(business, "ivy", "mail-2", false, now, ct));
        Assert.False(await gate.AllowAsync(business, "ivy", "mail-3", false, now, ct));
        Assert.True(await gate.AllowAsync(business, "ivy", "mail-earlier", true, now, ct));
        Assert.False(await gate.AllowAsync(business, "ivy", "mail-unknown", true, now, ct));

        var state = await _worker.Services.GetRequiredService<IDigestStateStore>().GetVersionedAsync(business, "ivy", ct);
        Assert.Equal(now, state!.Value.OverflowSince);
    }

    [Fact]
    public async Task ACatchUpWithNothingInItsWindow_KeepsTheMark_WhileUnsentEventsWaitAfterIt()
    {
        var now = new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
        _clock.SetUtcNow(now);
        var business = await SeedAsync();
        var states = _worker.Services.GetRequiredService<IDigestStateStore>();
        var ct = CancellationToken.None;
        await states.CreateAsync(new DigestState(business, "ivy", null, now.AddHours(-2), now.AddHours(-2)), ct); // its hour has ended
        await AddEventAsync(business, now.AddMinutes(-2)); // past the budget, after the window: the mark was already set

        await Digests.RunDueAsync(ct);
        var kept = (await states.GetVersionedAsync(business, "ivy", ct))!.Value.OverflowSince;
        _clock.SetUtcNow(now.AddMinutes(10));
        await Digests.RunDueAsync(ct);

        Assert.Equal(now - DigestService.CatchUpSettle, kept);
        var catchUp = Assert.Single(DigestsFor(business, "ivy"));
        Assert.Equal("catch-up", catchUp.Digest!.Period);
        Assert.Single(catchUp.EventIds!);
    }

    [Fact]
    public async Task AnOverflowMark_StaysUntilItsHourHasEnded_SoTheGateNeedNotReadItAgainWithinTheHour()
    {
        var now = new DateTimeOffset(2026, 11, 25, 9, 10, 0, TimeSpan.Zero);
        _clock.SetUtcNow(now);
        var business = await SeedAsync();
        var gate = _worker.Services.GetRequiredService<InstantEmailGate>();
        var states = _worker.Services.GetRequiredService<IDigestStateStore>();
        var ct = CancellationToken.None;
        for (var i = 0; i < 3; i++)
        {
            await gate.AllowAsync(business, "ivy", $"mail-{i}", false, now, ct); // a budget of 2: the third is held and marked
        }

        _clock.SetUtcNow(now.AddMinutes(30));
        await Digests.RunDueAsync(ct); // nothing to catch up, but the mark's hour goes on
        var kept = (await states.GetVersionedAsync(business, "ivy", ct))!.Value;

        // Within the hour, the gate knows the user marked and reads nothing: a mark removed behind its back stays removed.
        _clock.SetUtcNow(now.AddMinutes(40));
        await states.DeleteAsync(business, "ivy", null, ct);
        var allowedWithinTheHour = await gate.AllowAsync(business, "ivy", "mail-3", false, now.AddMinutes(40), ct);
        var stateWithinTheHour = await states.GetVersionedAsync(business, "ivy", ct);

        await states.CreateAsync(kept, ct);
        _clock.SetUtcNow(new DateTimeOffset(2026, 11, 25, 10, 6, 0, TimeSpan.Zero));
        await Digests.RunDueAsync(ct); // nothing to catch up and the hour has ended
        var afterTheHour = (await states.GetVersionedAsync(business, "ivy", ct))!.Value.OverflowSince;

        Assert.Equal(now.AddMinutes(25), kept.OverflowSince);
        Assert.Null(afterTheHour);
        Assert.False(allowedWithinTheHour);
        Assert.Null(stateWithinTheHour);
        Assert.Empty(DigestsFor(business, "ivy"));
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
