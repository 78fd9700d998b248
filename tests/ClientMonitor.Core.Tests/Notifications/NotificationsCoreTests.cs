using System.Security.Cryptography;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Pipeline;

namespace ClientMonitor.Core.Tests.Notifications;

/// <summary>The pure parts of notifications: tracking tokens, templates, statistics, backoff and the pipeline's alert rules.</summary>
public sealed class NotificationsCoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void TrackingTokens_RoundTrip_AndRefuseTamperingOtherKeysWrongKindAndAge()
    {
        var clock = new Clock(Now);
        var key = RandomNumberGenerator.GetBytes(32);
        var links = new TrackingLinks(key, new PublicAddress(new Uri("https://cm.example/")), TimeSpan.FromDays(30), clock);
        var click = new Uri(links.ClickUrl("biz", "email-1", "https://news.example/a?b=1&c=2")).AbsolutePath.Split('/')[^1];
        var open = new Uri(links.OpenPixelUrl("biz", "email-1")).AbsolutePath.Split('/')[^1];

        Assert.Equal(TrackingTokenError.None, links.TryRead(click, TrackingKind.Click, out var read));
        Assert.Equal(("biz", "email-1", "https://news.example/a?b=1&c=2"), (read!.BusinessId, read.EmailId, read.Target));
        Assert.Equal(TrackingTokenError.None, links.TryRead(open, TrackingKind.Open, out _));
        Assert.Equal(TrackingTokenError.Invalid, links.TryRead(open, TrackingKind.Click, out _));
        var dot = click.IndexOf('.', StringComparison.Ordinal);
        var otherTarget = new Uri(links.ClickUrl("biz", "email-1", "https://evil.example/")).AbsolutePath.Split('/')[^1];
        Assert.Equal(TrackingTokenError.Invalid, links.TryRead(otherTarget[..otherTarget.IndexOf('.', StringComparison.Ordinal)] + click[dot..], TrackingKind.Click, out _));
        Assert.Equal(TrackingTokenError.Invalid, new TrackingLinks(RandomNumberGenerator.GetBytes(32), new PublicAddress(new Uri("https://cm.example/")), TimeSpan.FromDays(30), clock).TryRead(click, TrackingKind.Click, out _));
        Assert.Equal(TrackingTokenError.Invalid, links.TryRead("a.b", TrackingKind.Click, out _));
        Assert.Throws<ArgumentException>(() => links.ClickUrl("biz", "email-1", "javascript:alert(1)"));
        clock.Now = Now.AddDays(31);
        Assert.Equal(TrackingTokenError.Expired, links.TryRead(click, TrackingKind.Click, out _));
    }

    private static MonitoringEvent Event(string title) => new(
        "e1", "biz", "c1", "run", title, "Summary with <b>markup</b> & ampersands", "https://news.example/1", "mock_news", Now, EventCategory.LeadershipChange,
        0.85, -0.4, RiskLevel.Medium, "rule_based", null, null, new Insight("New CEO <script>", ["Call the <new> CEO"], Urgency.High, "rule_based"), Now);

    [Fact]
    public void Templates_EscapeEveryValue_AndCarryCategoryRelevanceSentimentInsightAndLinks()
    {
        var view = new EventView(Event("Contoso \"names\" <img src=x onerror=alert(1)> CEO"), "Contoso & Co", "https://cm.example/e?a=1&b=2", "https://news.example/1");

        var email = EmailTemplates.EventNotification(view, "Ana <Admin>", "https://cm.example/pixel");

        Assert.DoesNotContain("<img src=x", email.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", email.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>markup", email.Html, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", email.Html, StringComparison.Ordinal);
        Assert.Contains("Hello Ana &lt;Admin&gt;", email.Html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://cm.example/e?a=1&amp;b=2\"", email.Html, StringComparison.Ordinal);
        Assert.Contains("Leadership change · relevance 0.85 · sentiment negative (-0.40) · risk medium", email.Html, StringComparison.Ordinal);
        Assert.Contains("Call the &lt;new&gt; CEO", email.Html, StringComparison.Ordinal);
        Assert.Contains("<img src=\"https://cm.example/pixel\" width=\"1\" height=\"1\"", email.Html, StringComparison.Ordinal);
        Assert.Equal("[Contoso & Co] Leadership change: Contoso \"names\" <img src=x onerror=alert(1)> CEO", email.Subject);
        Assert.Contains("  - Call the <new> CEO", email.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void EmailStats_FollowTheSeedsExample()
    {
        var logs = new List<EmailLog>();
        EmailLog Log(int i, EmailStatus status, string type, bool opened = false, bool clicked = false) => new(
            $"id{i}", "biz", "u", null, null, type, "a@b.c", "s", null, status, Now, OpenedAt: opened ? Now : null, ClickedAt: clicked ? Now : null);
        for (var i = 0; i < 95; i++)
        {
            logs.Add(Log(i, EmailStatus.Sent, i < 78 ? EmailTypes.EventNotification : i < 93 ? EmailTypes.Digest : EmailTypes.Alert, opened: i < 70, clicked: i < 25));
        }

        logs.AddRange([Log(95, EmailStatus.Failed, EmailTypes.EventNotification), Log(96, EmailStatus.Failed, EmailTypes.Alert), Log(97, EmailStatus.Failed, EmailTypes.Alert)]);
        logs.AddRange([Log(98, EmailStatus.Pending, EmailTypes.EventNotification), Log(99, EmailStatus.Pending, EmailTypes.EventNotification)]);

        var stats = EmailStats.From(logs);

        Assert.Equal((100, 95, 3, 2, 0, 70, 25), (stats.TotalEmails, stats.Sent, stats.Failed, stats.Pending, stats.Bounced, stats.Opened, stats.Clicked));
        Assert.Equal((73.68, 26.32, 95.0), (stats.OpenRate, stats.ClickRate, stats.DeliveryRate));
        Assert.Equal(81, stats.ByType[EmailTypes.EventNotification]);
        Assert.Equal(0, EmailStats.From([]).OpenRate);
    }

    [Theory]
    [InlineData(0, null, 30)]
    [InlineData(1, null, 60)]
    [InlineData(3, null, 240)]
    [InlineData(10, null, 1800)]
    [InlineData(0, 90, 90)]
    [InlineData(4, 90, 480)]
    public void Backoff_DoublesFrom30Seconds_HonoursALongerRetryAfter_AndCapsAt30Minutes(int attempt, int? retryAfterSeconds, int expectedSeconds)
        => Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), Backoff.ForAttempt(attempt, retryAfterSeconds is { } r ? TimeSpan.FromSeconds(r) : null));

    private sealed class RecordingSink : IAlertSink
    {
        public List<OperationalAlert> Raised { get; } = [];

        public List<(string Type, string? Subject)> Resolved { get; } = [];

        public Task<bool> RaiseAsync(OperationalAlert alert, CancellationToken cancellationToken)
        {
            Raised.Add(alert);
            return Task.FromResult(true);
        }

        public Task<bool> ResolveAsync(string businessId, string alertType, string? subject, string message, CancellationToken cancellationToken)
        {
            Resolved.Add((alertType, subject));
            return Task.FromResult(true);
        }
    }

    private static JobRun Run(JobRunStatus status, int total, int failed, int qualified, string? schedule = "s1") => new(
        "run-1", "biz", JobType.ClientMonitoring, status, "schedule", schedule, null, false, false, total, total, failed,
        RunCounts.Zero with { EventsCreated = qualified + 2, InsightsGenerated = qualified }, Now, Now.AddMinutes(1), status == JobRunStatus.Completed ? null : "boom");

    [Fact]
    public async Task PipelineAlerts_RaiseFailureErrorRateAndQuality_AndResolveThemWhenRunsRecover()
    {
        var sink = new RecordingSink();
        var alerts = new PipelineAlerts(sink, new AlertOptions { MaxErrorRate = 0.2, MinQualifiedEvents = 3, NotifyOnSuccess = true });

        await alerts.OnJobRunFinishedAsync(Run(JobRunStatus.Failed, 4, 4, 0), CancellationToken.None);
        Assert.Equal([AlertTypes.PipelineFailure, AlertTypes.HighErrorRate], sink.Raised.Select(a => a.AlertType).ToArray());
        Assert.All(sink.Raised, a => Assert.Equal("s1", a.ScheduleId));

        sink.Raised.Clear();
        await alerts.OnJobRunFinishedAsync(Run(JobRunStatus.PartiallyFailed, 10, 1, 1), CancellationToken.None);
        Assert.Equal([AlertTypes.LowQuality, AlertTypes.PipelineSuccess], sink.Raised.Select(a => a.AlertType).ToArray());
        Assert.Contains((AlertTypes.PipelineFailure, "s1"), sink.Resolved);
        Assert.Contains((AlertTypes.HighErrorRate, "s1"), sink.Resolved);

        sink.Raised.Clear();
        await alerts.OnJobRunFinishedAsync(Run(JobRunStatus.Completed, 10, 0, 5, schedule: null), CancellationToken.None);
        Assert.Equal([AlertTypes.PipelineSuccess], sink.Raised.Select(a => a.AlertType).ToArray());
        Assert.Contains((AlertTypes.LowQuality, "manual"), sink.Resolved);
    }

    [Fact]
    public async Task PipelineAlerts_ByDefault_StayQuietAboutQualityAndSuccess()
    {
        var sink = new RecordingSink();
        await new PipelineAlerts(sink, new AlertOptions()).OnJobRunFinishedAsync(Run(JobRunStatus.Completed, 5, 1, 0), CancellationToken.None);

        Assert.Empty(sink.Raised);
    }
}
