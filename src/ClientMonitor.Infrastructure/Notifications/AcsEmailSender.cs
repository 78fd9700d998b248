using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Core;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Infrastructure.Providers;

namespace ClientMonitor.Infrastructure.Notifications;

/// <summary>
/// Azure Communication Services Email over its REST API: <c>POST {endpoint}/emails:send</c>, then the operation is
/// polled (honouring <c>retry-after</c>) for its final status. Requests are signed with the access key (HMAC-SHA256
/// over verb, path and query, date, host and body hash) or carry an Entra token. The email id goes out as the
/// <c>Operation-Id</c>, so a repeated send names the same operation. 429 and 5xx are retried later; 401/403 and 400
/// are refusals that retrying cannot fix.
/// </summary>
public sealed class AcsEmailSender : IEmailSender
{
    public const string Scope = "https://communication.azure.com//.default";

    private readonly HttpClient _http;
    private readonly EmailOptions _options;
    private readonly Uri _endpoint;
    private readonly byte[]? _accessKey;
    private readonly TokenCredential? _credential;
    private readonly TimeProvider _time;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;

    public AcsEmailSender(HttpClient http, EmailOptions options, TokenCredential? credential, TimeProvider time, Func<TimeSpan, CancellationToken, Task>? delay = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _options = options;
        _time = time;
        // Polling waits are short pauses between status reads, not product timing: they run on the real clock.
        _delay = delay ?? ((d, ct) => Task.Delay(d, ct));
        if (!string.IsNullOrWhiteSpace(options.Acs.ConnectionString))
        {
            var (endpoint, key) = ParseConnectionString(options.Acs.ConnectionString);
            _endpoint = WithSlash(endpoint);
            _accessKey = key;
        }
        else
        {
            _endpoint = WithSlash(new Uri(options.Acs.Endpoint ?? throw new InvalidOperationException("Email:Acs needs a ConnectionString or an Endpoint.")));
            _credential = credential ?? throw new InvalidOperationException("Email:Acs:Endpoint without a connection string needs a token credential.");
        }
    }

    public string Name => "acs";

    /// <summary>Reads <c>endpoint=https://x.communication.azure.com/;accesskey=BASE64</c>.</summary>
    public static (Uri Endpoint, byte[] Key) ParseConnectionString(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("endpoint", out var endpoint) || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || !parts.TryGetValue("accesskey", out var key))
        {
            throw new FormatException("An ACS connection string has the form endpoint=https://...;accesskey=...");
        }

        return (uri, Convert.FromBase64String(key));
    }

    public async Task<DeliveryResult> SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(email);
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            senderAddress = _options.FromAddress,
            content = new { subject = email.Subject, plainText = email.Text, html = email.Html },
            recipients = new { to = new[] { new { address = email.To, displayName = email.ToName ?? email.To } } },
            headers = new Dictionary<string, string> { ["X-ClientMonitor-Email-Id"] = email.Id },
            // Opens and clicks are tracked by our own signed links; ACS's tracking would rewrite them.
            userEngagementTrackingDisabled = true,
        });
        // "./" keeps "emails:" from reading as a URI scheme.
        var sendUri = new Uri(_endpoint, $"./emails:send?api-version={_options.Acs.ApiVersion}");
        using var response = await SendSignedAsync(HttpMethod.Post, sendUri, body, request => request.Headers.Add("Operation-Id", OperationId(email.Id)), cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            return Failure(response, text);
        }

        var operationId = ReadString(text, "id") ?? OperationId(email.Id);
        var location = response.Headers.TryGetValues("Operation-Location", out var values) ? values.FirstOrDefault() : null;
        var pollUri = location is not null ? new Uri(location) : new Uri(_endpoint, $"./emails/operations/{operationId}?api-version={_options.Acs.ApiVersion}");
        var wait = ProviderHttp.RetryAfter(response, _time) ?? TimeSpan.FromSeconds(1);
        for (var poll = 0; poll < _options.Acs.MaxPolls; poll++)
        {
            await _delay(Min(wait, TimeSpan.FromSeconds(5)), cancellationToken).ConfigureAwait(false);
            using var status = await SendSignedAsync(HttpMethod.Get, pollUri, [], null, cancellationToken).ConfigureAwait(false);
            var statusText = await status.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (status.StatusCode != HttpStatusCode.OK)
            {
                // The send was accepted; a failing status check does not make it unsent.
                return DeliveryResult.Delivered(operationId);
            }

            switch (ReadString(statusText, "status"))
            {
                case "Succeeded":
                    return DeliveryResult.Delivered(operationId);
                case "Failed":
                case "Canceled":
                    return DeliveryResult.Reject($"acs: operation {operationId} {ReadString(statusText, "status")!.ToLowerInvariant()}: {ErrorMessage(statusText)}", bounced: true);
            }

            wait = ProviderHttp.RetryAfter(status, _time) ?? wait;
        }

        return DeliveryResult.Delivered(operationId);
    }

    /// <summary>The email id as a GUID (email ids are 32 hex digits; anything else is hashed into one).</summary>
    public static string OperationId(string emailId)
    {
        ArgumentNullException.ThrowIfNull(emailId);
        return Guid.TryParseExact(emailId, "N", out var guid)
            ? guid.ToString("D")
            : new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(emailId))[..16]).ToString("D");
    }

    /// <summary>
    /// The HMAC headers ACS checks: <c>x-ms-date</c>, <c>x-ms-content-sha256</c> and an <c>Authorization</c> whose
    /// signature covers <c>VERB\npath?query\ndate;host;content-hash</c>.
    /// </summary>
    public static void SignRequest(HttpRequestMessage request, byte[] body, byte[] accessKey, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri!;
        var date = now.UtcDateTime.ToString("r", CultureInfo.InvariantCulture);
        var contentHash = Convert.ToBase64String(SHA256.HashData(body));
        var host = uri.IsDefaultPort ? uri.Host : uri.Authority;
        var stringToSign = $"{request.Method.Method}\n{uri.PathAndQuery}\n{date};{host};{contentHash}";
        var signature = Convert.ToBase64String(HMACSHA256.HashData(accessKey, Encoding.ASCII.GetBytes(stringToSign)));
        request.Headers.Add("x-ms-date", date);
        request.Headers.Add("x-ms-content-sha256", contentHash);
        request.Headers.Authorization = new AuthenticationHeaderValue("HMAC-SHA256", $"SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}");
    }

    private async Task<HttpResponseMessage> SendSignedAsync(HttpMethod method, Uri uri, byte[] body, Action<HttpRequestMessage>? configure, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri);
        if (method != HttpMethod.Get)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        configure?.Invoke(request);
        if (_accessKey is not null)
        {
            SignRequest(request, body, _accessKey, _time.GetUtcNow());
        }
        else
        {
            var token = await _credential!.GetTokenAsync(new TokenRequestContext([Scope]), cancellationToken).ConfigureAwait(false);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        }

        return await ChannelHttp.SendAsync(_http, request, "acs", _options.Acs.TimeoutSeconds, cancellationToken).ConfigureAwait(false);
    }

    private DeliveryResult Failure(HttpResponseMessage response, string body)
        => ChannelHttp.Classify($"acs: {(int)response.StatusCode} {ErrorMessage(body)}", response, _time);

    private static string ErrorMessage(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                var code = error.TryGetProperty("code", out var c) ? c.GetString() : null;
                var message = error.TryGetProperty("message", out var m) ? m.GetString() : null;
                return $"{code}: {message}";
            }
        }
        catch (JsonException)
        {
        }

        return ProviderHttp.Detail(body);
    }

    private static string? ReadString(string json, string name)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Uri WithSlash(Uri uri) => uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri + "/");

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
