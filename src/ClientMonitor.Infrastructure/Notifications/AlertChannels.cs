using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Infrastructure.Providers;

namespace ClientMonitor.Infrastructure.Notifications;

/// <summary>
/// Section <c>Alerts</c> channel settings. Slack: a bot token and channel (chat.postMessage) or an incoming-webhook
/// URL. Webhook: any URL, signed the Standard Webhooks way with <c>WebhookSecret</c>.
/// </summary>
public sealed class AlertChannelOptions
{
    public string? SlackToken { get; set; }

    public string? SlackChannel { get; set; }

    public string? SlackWebhookUrl { get; set; }

    /// <summary>The Slack Web API base; tests point it at a local server.</summary>
    public string SlackApiBaseUrl { get; set; } = "https://slack.com/api/";

    public string? WebhookUrl { get; set; }

    public string? WebhookSecret { get; set; }

    public int TimeoutSeconds { get; set; } = 15;

    public bool SlackConfigured => !string.IsNullOrWhiteSpace(SlackWebhookUrl) || (!string.IsNullOrWhiteSpace(SlackToken) && !string.IsNullOrWhiteSpace(SlackChannel));

    public bool WebhookConfigured => !string.IsNullOrWhiteSpace(WebhookUrl);
}

/// <summary>
/// Slack: <c>chat.postMessage</c> with a bot token, or an incoming webhook. The message is an attachment coloured by
/// severity holding Block Kit blocks (headline, facts, context). Slack answers 200 with <c>ok: false</c> for most
/// errors: <c>ratelimited</c> and server-side errors are retried, token and channel errors are not.
/// </summary>
public sealed class SlackAlertChannel(HttpClient http, AlertChannelOptions options, TimeProvider time) : IAlertChannel
{
    private static readonly HashSet<string> Permanent = new(StringComparer.Ordinal)
    {
        "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "no_permission", "missing_scope",
        "channel_not_found", "not_in_channel", "is_archived", "invalid_blocks", "invalid_arguments", "msg_too_long", "no_text",
    };

    public string Name => "slack";

    public async Task<DeliveryResult> SendAsync(AlertDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var webhook = !string.IsNullOrWhiteSpace(options.SlackWebhookUrl);
        var payload = Payload(delivery, webhook ? null : options.SlackChannel);
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook ? options.SlackWebhookUrl : options.SlackApiBaseUrl.TrimEnd('/') + "/chat.postMessage")
        {
            Content = new StringContent(payload, Encoding.UTF8, "application/json"),
        };
        if (!webhook)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.SlackToken);
        }

        using var response = await ChannelHttp.SendAsync(http, request, "slack", options.TimeoutSeconds, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return ChannelHttp.Failure("slack", response, body, time);
        }

        if (webhook)
        {
            return DeliveryResult.Delivered(null);
        }

        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (root.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True)
        {
            return DeliveryResult.Delivered(root.TryGetProperty("ts", out var ts) ? ts.GetString() : null);
        }

        var error = root.TryGetProperty("error", out var e) ? e.GetString() ?? "unknown_error" : "unknown_error";
        return error == "ratelimited" ? DeliveryResult.Throttle("slack: " + error, ProviderHttp.RetryAfter(response, time))
            : Permanent.Contains(error) ? DeliveryResult.Reject("slack: " + error)
            : DeliveryResult.Retry("slack: " + error, ProviderHttp.RetryAfter(response, time));
    }

    /// <summary>The chat.postMessage (or webhook) body. Slack's mrkdwn needs &amp;, &lt; and &gt; escaped in text from data.</summary>
    public static string Payload(AlertDelivery delivery, string? channel)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var headline = AlertText.Headline(delivery);
        var fields = AlertText.Facts(delivery).Select(f => new { type = "mrkdwn", text = $"*{Escape(f.Name)}*\n{Escape(f.Value)}" }).Take(10).ToArray();
        var blocks = new object[]
        {
            new { type = "section", text = new { type = "mrkdwn", text = $"*{Escape(headline)}*\n{Escape(delivery.Message)}" } },
            new { type = "section", fields },
            new { type = "context", elements = new[] { new { type = "mrkdwn", text = Escape($"ClientMonitor {delivery.Kind} · {delivery.AlertType} · {delivery.Id}") } } },
        };
        var message = new Dictionary<string, object?>
        {
            ["text"] = AlertText.Subject(delivery),
            ["attachments"] = new[] { new { color = AlertText.Colour(delivery), blocks } },
        };
        if (channel is not null)
        {
            message["channel"] = channel;
        }

        return JsonSerializer.Serialize(message);
    }

    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}

/// <summary>
/// A generic webhook: a JSON body with the whole alert, signed as Standard Webhooks specify (<c>webhook-id</c>, the
/// delivery id, the same on every retry; <c>webhook-timestamp</c>; <c>webhook-signature</c>). 2xx is delivered,
/// 408/429/5xx and timeouts are retried, other 4xx (the receiver refused it) are not.
/// </summary>
public sealed class WebhookAlertChannel(HttpClient http, AlertChannelOptions options, TimeProvider time) : IAlertChannel
{
    public string Name => "webhook";

    public async Task<DeliveryResult> SendAsync(AlertDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var body = JsonSerializer.Serialize(new
        {
            type = "alert." + delivery.Kind,
            timestamp = time.GetUtcNow(),
            data = new
            {
                id = delivery.Id,
                alert_key = delivery.AlertKey,
                alert_type = delivery.AlertType,
                severity = delivery.Severity,
                title = delivery.Title,
                message = delivery.Message,
                count = delivery.Count,
                first_raised_at = delivery.FirstRaisedAt,
                last_raised_at = delivery.LastRaisedAt,
                business_id = delivery.BusinessId,
                schedule_id = delivery.ScheduleId,
                job_run_id = delivery.JobRunId,
                subject = delivery.Subject,
            },
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, options.WebhookUrl) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (!string.IsNullOrEmpty(options.WebhookSecret))
        {
            foreach (var (name, value) in StandardWebhooks.Sign(options.WebhookSecret, delivery.Id, time.GetUtcNow(), body))
            {
                request.Headers.Add(name, value);
            }
        }

        using var response = await ChannelHttp.SendAsync(http, request, "webhook", options.TimeoutSeconds, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return DeliveryResult.Delivered(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
        }

        return ChannelHttp.Failure("webhook", response, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false), time);
    }
}

/// <summary>
/// Standard Webhooks signatures (standardwebhooks.com): <c>v1,</c> + base64 HMAC-SHA256 over
/// <c>{webhook-id}.{webhook-timestamp}.{body}</c>. A secret written <c>whsec_BASE64</c> is the base64-decoded key;
/// any other secret is used as its UTF-8 bytes. Receivers check the signature and refuse timestamps more than five
/// minutes away from their clock (replays).
/// </summary>
public static class StandardWebhooks
{
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public static IReadOnlyList<(string Name, string Value)> Sign(string secret, string id, DateTimeOffset now, string body)
    {
        var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return [("webhook-id", id), ("webhook-timestamp", timestamp), ("webhook-signature", "v1," + Signature(secret, id, timestamp, body))];
    }

    /// <summary>Null when the request is genuine and fresh; otherwise why it is refused.</summary>
    public static string? Verify(string secret, string? id, string? timestamp, string? signatures, string body, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signatures))
        {
            return "missing webhook-id, webhook-timestamp or webhook-signature";
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return "webhook-timestamp is not a unix time";
        }

        var sent = DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (sent < now - Tolerance || sent > now + Tolerance)
        {
            return "webhook-timestamp is more than five minutes from now (a replay, or a clock far off)";
        }

        var expected = Convert.FromBase64String(Signature(secret, id, timestamp, body));
        foreach (var candidate in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = candidate.Split(',', 2);
            if (parts.Length == 2 && parts[0] == "v1" && TryBase64(parts[1]) is { } given && CryptographicOperations.FixedTimeEquals(given, expected))
            {
                return null;
            }
        }

        return "no webhook-signature matches";
    }

    private static string Signature(string secret, string id, string timestamp, string body)
        => Convert.ToBase64String(HMACSHA256.HashData(Key(secret), Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));

    private static byte[] Key(string secret)
        => secret.StartsWith("whsec_", StringComparison.Ordinal) ? Convert.FromBase64String(secret["whsec_".Length..]) : Encoding.UTF8.GetBytes(secret);

    private static byte[]? TryBase64(string text)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

/// <summary>One HTTP attempt with its own timeout; transport failures become <see cref="TimeoutException"/> or <see cref="IOException"/>, which callers retry.</summary>
internal static class ChannelHttp
{
    public static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpRequestMessage request, string channel, int timeoutSeconds, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            return await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{channel}: no answer within {timeoutSeconds} s");
        }
        catch (HttpRequestException ex)
        {
            // Connection refused, DNS, TLS: the same "try again later" as a timeout, without HTTP types in the core.
            throw new IOException($"{channel}: {ex.Message}", ex);
        }
    }

    public static DeliveryResult Failure(string channel, HttpResponseMessage response, string body, TimeProvider time)
        => Classify($"{channel}: {(int)response.StatusCode} {ProviderHttp.Detail(body)}", response, time);

    /// <summary>429: throttled (wait as told, no retry used up); 408 and 5xx: retried with backoff; other codes: refused.</summary>
    public static DeliveryResult Classify(string detail, HttpResponseMessage response, TimeProvider time) => (int)response.StatusCode switch
    {
        429 => DeliveryResult.Throttle(detail, ProviderHttp.RetryAfter(response, time)),
        408 or >= 500 => DeliveryResult.Retry(detail, ProviderHttp.RetryAfter(response, time)),
        _ => DeliveryResult.Reject(detail),
    };
}
