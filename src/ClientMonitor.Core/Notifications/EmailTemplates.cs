using System.Globalization;
using System.Net;
using System.Text;
using ClientMonitor.Core.Pipeline;

namespace ClientMonitor.Core.Notifications;

/// <summary>A rendered email: subject, HTML and plain-text bodies.</summary>
public sealed record RenderedEmail(string Subject, string Html, string Text);

/// <summary>An event as an email shows it, with the client's name and the (tracked) links to use.</summary>
public sealed record EventView(MonitoringEvent Event, string ClientName, string EventLink, string? ArticleLink);

/// <summary>
/// The HTML and plain-text emails. Every value that comes from data (titles, names, summaries, insights, alert
/// text) goes through <see cref="WebUtility.HtmlEncode(string)"/> in the HTML body, links included; only the markup
/// written here is raw. Links are already signed tracking URLs when they reach these methods.
/// </summary>
public static class EmailTemplates
{
    private const string Font = "font-family:Segoe UI,Helvetica,Arial,sans-serif";

    public static RenderedEmail EventNotification(EventView view, string recipientName, string? pixelUrl)
    {
        ArgumentNullException.ThrowIfNull(view);
        var e = view.Event;
        var subject = Truncate($"[{view.ClientName}] {Label(e.Category)}: {e.Title}", 150);
        var html = new StringBuilder();
        Open(html, subject);
        html.Append(CultureInfo.InvariantCulture, $"<p>Hello {H(recipientName)},</p><p>There is news about <strong>{H(view.ClientName)}</strong>:</p>");
        EventHtml(html, view, withInsight: true);
        Close(html, pixelUrl, "You get this email because instant email notifications are on in your ClientMonitor preferences.");

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Hello {recipientName},\n\nThere is news about {view.ClientName}:\n\n");
        EventText(text, view, withInsight: true);
        text.Append("\nYou get this email because instant email notifications are on in your ClientMonitor preferences.\n");
        return new RenderedEmail(subject, html.ToString(), text.ToString());
    }

    /// <summary>A daily or weekly digest: events grouped by client, most relevant first; <paramref name="more"/> events did not fit.</summary>
    public static RenderedEmail Digest(string period, DateTimeOffset from, DateTimeOffset to, IReadOnlyList<EventView> events, int more, string recipientName, string? pixelUrl)
    {
        ArgumentNullException.ThrowIfNull(events);
        var total = events.Count + more;
        var subject = string.Create(CultureInfo.InvariantCulture, $"Your {period} ClientMonitor digest: {total} event{(total == 1 ? "" : "s")} about {events.Select(v => v.ClientName).Distinct().Count()} client(s)");
        var range = string.Create(CultureInfo.InvariantCulture, $"{from:yyyy-MM-dd HH:mm} to {to:yyyy-MM-dd HH:mm} UTC");
        var groups = events.GroupBy(v => v.ClientName, StringComparer.Ordinal).OrderByDescending(g => g.Max(v => v.Event.Relevance)).ToList();

        var html = new StringBuilder();
        Open(html, subject);
        html.Append(CultureInfo.InvariantCulture, $"<p>Hello {H(recipientName)},</p><p>Here is what happened to your clients from {H(range)}.</p>");
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Hello {recipientName},\n\nHere is what happened to your clients from {range}.\n");
        foreach (var group in groups)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h2 style=\"font-size:18px;margin:24px 0 8px\">{H(group.Key)}</h2>");
            text.Append(CultureInfo.InvariantCulture, $"\n== {group.Key} ==\n");
            foreach (var view in group.OrderByDescending(v => v.Event.Relevance))
            {
                EventHtml(html, view, withInsight: view.Event.Insight is not null);
                EventText(text, view, withInsight: view.Event.Insight is not null);
                text.Append('\n');
            }
        }

        if (more > 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p>And {more} more event(s): see them in ClientMonitor.</p>");
            text.Append(CultureInfo.InvariantCulture, $"And {more} more event(s): see them in ClientMonitor.\n");
        }

        Close(html, pixelUrl, $"You get this digest because {period} email notifications are on in your ClientMonitor preferences.");
        text.Append(CultureInfo.InvariantCulture, $"\nYou get this digest because {period} email notifications are on in your ClientMonitor preferences.\n");
        return new RenderedEmail(subject, html.ToString(), text.ToString());
    }

    public static RenderedEmail Alert(AlertDelivery alert, string? pixelUrl)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var subject = Truncate(AlertText.Subject(alert), 150);
        var html = new StringBuilder();
        Open(html, subject);
        html.Append(CultureInfo.InvariantCulture, $"<p style=\"border-left:4px solid {AlertText.Colour(alert)};padding-left:12px\"><strong>{H(AlertText.Headline(alert))}</strong></p>");
        html.Append(CultureInfo.InvariantCulture, $"<p>{H(alert.Message)}</p><table style=\"border-collapse:collapse\">");
        foreach (var (name, value) in AlertText.Facts(alert))
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td style=\"padding:2px 12px 2px 0;color:#555\">{H(name)}</td><td>{H(value)}</td></tr>");
        }

        html.Append("</table>");
        Close(html, pixelUrl, "You get this email because your address is on the ClientMonitor alert recipients list.");
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{AlertText.Headline(alert)}\n\n{alert.Message}\n\n");
        foreach (var (name, value) in AlertText.Facts(alert))
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}: {value}\n");
        }

        return new RenderedEmail(subject, html.ToString(), text.ToString());
    }

    public static string Label(EventCategory category) => category switch
    {
        EventCategory.LeadershipChange => "Leadership change",
        EventCategory.FinancialResults => "Financial results",
        EventCategory.ProductLaunch => "Product launch",
        _ => category.ToString(),
    };

    public static string SentimentLabel(double sentiment) => sentiment switch
    {
        <= -0.25 => "negative",
        >= 0.25 => "positive",
        _ => "neutral",
    };

    private static void EventHtml(StringBuilder html, EventView view, bool withInsight)
    {
        var e = view.Event;
        html.Append("<div style=\"border:1px solid #ddd;border-radius:6px;padding:12px 16px;margin:12px 0\">");
        html.Append(CultureInfo.InvariantCulture, $"<p style=\"margin:0 0 6px;font-size:16px\"><a href=\"{H(view.EventLink)}\">{H(e.Title)}</a></p>");
        html.Append(CultureInfo.InvariantCulture, $"<p style=\"margin:0 0 6px;color:#555\">{H(Label(e.Category))} · relevance {e.Relevance:0.00} · sentiment {H(SentimentLabel(e.Sentiment))} ({e.Sentiment:+0.00;-0.00;0.00}) · risk {H(e.Risk.ToString().ToLowerInvariant())} · {H(e.Source)}</p>");
        if (!string.IsNullOrWhiteSpace(e.Summary))
        {
            html.Append(CultureInfo.InvariantCulture, $"<p style=\"margin:0 0 6px\">{H(e.Summary)}</p>");
        }

        if (withInsight && e.Insight is { } insight)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p style=\"margin:8px 0 4px\"><strong>Insight</strong> ({H(insight.Urgency.ToString().ToLowerInvariant())} urgency): {H(insight.Text)}</p>");
            if (insight.RecommendedActions.Count > 0)
            {
                html.Append("<p style=\"margin:4px 0\"><strong>Recommended actions</strong></p><ul style=\"margin:0 0 6px\">");
                foreach (var action in insight.RecommendedActions)
                {
                    html.Append(CultureInfo.InvariantCulture, $"<li>{H(action)}</li>");
                }

                html.Append("</ul>");
            }
        }

        if (view.ArticleLink is not null)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p style=\"margin:6px 0 0\"><a href=\"{H(view.ArticleLink)}\">Read the article</a></p>");
        }

        html.Append("</div>");
    }

    private static void EventText(StringBuilder text, EventView view, bool withInsight)
    {
        var e = view.Event;
        text.Append(CultureInfo.InvariantCulture, $"* {e.Title}\n  {Label(e.Category)} | relevance {e.Relevance:0.00} | sentiment {SentimentLabel(e.Sentiment)} ({e.Sentiment:+0.00;-0.00;0.00}) | risk {e.Risk.ToString().ToLowerInvariant()} | {e.Source}\n");
        if (!string.IsNullOrWhiteSpace(e.Summary))
        {
            text.Append(CultureInfo.InvariantCulture, $"  {e.Summary}\n");
        }

        if (withInsight && e.Insight is { } insight)
        {
            text.Append(CultureInfo.InvariantCulture, $"  Insight ({insight.Urgency.ToString().ToLowerInvariant()} urgency): {insight.Text}\n");
            foreach (var action in insight.RecommendedActions)
            {
                text.Append(CultureInfo.InvariantCulture, $"  - {action}\n");
            }
        }

        text.Append(CultureInfo.InvariantCulture, $"  Event: {view.EventLink}\n");
        if (view.ArticleLink is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"  Article: {view.ArticleLink}\n");
        }
    }

    private static void Open(StringBuilder html, string title)
        => html.Append(CultureInfo.InvariantCulture, $"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{H(title)}</title></head><body style=\"{Font};color:#222;max-width:680px;margin:0 auto;padding:16px\">");

    private static void Close(StringBuilder html, string? pixelUrl, string footer)
    {
        html.Append(CultureInfo.InvariantCulture, $"<p style=\"color:#888;font-size:12px;margin-top:24px\">{H(footer)}</p>");
        if (pixelUrl is not null)
        {
            html.Append(CultureInfo.InvariantCulture, $"<img src=\"{H(pixelUrl)}\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block\">");
        }

        html.Append("</body></html>");
    }

    private static string H(string value) => WebUtility.HtmlEncode(value);

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..(max - 3)] + "...";
}
