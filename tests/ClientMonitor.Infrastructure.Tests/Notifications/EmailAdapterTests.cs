using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Infrastructure.Notifications;
using ClientMonitor.Testing;
using Microsoft.AspNetCore.Http;
using MimeKit;

namespace ClientMonitor.Infrastructure.Tests.Notifications;

/// <summary>
/// The email providers against real peers: a local server that checks ACS's HMAC signature the way the service
/// does and answers in its formats, a real SMTP server process (STARTTLS, AUTH, 5xx and 4xx replies), and the
/// development file sink.
/// </summary>
public sealed class EmailAdapterTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly byte[] AccessKey = RandomNumberGenerator.GetBytes(32);
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly ManualTimeProvider _clock = new(Now);

    private static OutgoingEmail Email(string to = "ana@demo.example") => new(
        "0123456789abcdef0123456789abcdef", to, "Ana <Admin>", "[Contoso] Funding: Contoso raises $50M",
        "<p>Hello Ana &amp; team</p>", "Hello Ana & team");

    public void Dispose() => _http.Dispose();

    /// <summary>What ACS does with an HMAC request: recompute the string to sign from what arrived and compare.</summary>
    private static string? AcsSignatureProblem(RecordedRequest request, byte[] key)
    {
        if (!request.Headers.TryGetValue("Authorization", out var auth) || !auth.StartsWith("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=", StringComparison.Ordinal))
        {
            return "no HMAC authorization";
        }

        var bodyHash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(request.Body)));
        if (request.Headers["x-ms-content-sha256"] != bodyHash)
        {
            return "content hash does not match the body";
        }

        var date = DateTimeOffset.ParseExact(request.Headers["x-ms-date"], "r", CultureInfo.InvariantCulture);
        if ((date - Now).Duration() > TimeSpan.FromMinutes(15))
        {
            return "date too far from now";
        }

        var toSign = $"{request.Method}\n{request.PathAndQuery}\n{request.Headers["x-ms-date"]};{request.Headers["Host"]};{bodyHash}";
        var expected = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(toSign)));
        return auth.EndsWith("&Signature=" + expected, StringComparison.Ordinal) ? null : "signature mismatch";
    }

    private AcsEmailSender Acs(Uri endpoint, byte[]? key = null, int timeoutSeconds = 30) => new(
        _http,
        new EmailOptions { FromAddress = "DoNotReply@contoso.azurecomm.net", Acs = new AcsSettings { ConnectionString = $"endpoint={endpoint};accesskey={Convert.ToBase64String(key ?? AccessKey)}", TimeoutSeconds = timeoutSeconds } },
        null,
        _clock,
        (_, _) => Task.CompletedTask);

    [Fact]
    public async Task Acs_SignedSend_ThenPollsTheOperationUntilSucceeded()
    {
        var polls = 0;
        await using var server = await FakeProviderServer.StartAsync(async (context, request) =>
        {
            if (AcsSignatureProblem(request, AccessKey) is { } problem)
            {
                await FakeProviderServer.Respond(context, 401, $$$"""{"error":{"code":"Denied","message":"{{{problem}}}"}}""");
                return;
            }

            var operationId = "01234567-89ab-cdef-0123-456789abcdef";
            if (request.Method == "POST")
            {
                context.Response.Headers["Operation-Location"] = $"{FakeOrigin(context)}/emails/operations/{operationId}?api-version=2025-09-01";
                context.Response.Headers["retry-after"] = "1";
                await FakeProviderServer.Respond(context, 202, $$"""{"id":"{{operationId}}","status":"Running"}""");
                return;
            }

            polls++;
            await FakeProviderServer.Respond(context, 200, polls < 2 ? $$"""{"id":"{{operationId}}","status":"Running"}""" : $$"""{"id":"{{operationId}}","status":"Succeeded"}""");
        });

        var result = await Acs(server.BaseUrl).SendAsync(Email(), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        Assert.Equal("01234567-89ab-cdef-0123-456789abcdef", result.ProviderMessageId);
        var send = server.Requests[0];
        Assert.Equal("/emails:send?api-version=2025-09-01", send.PathAndQuery);
        Assert.Equal("01234567-89ab-cdef-0123-456789abcdef", send.Headers["Operation-Id"]);
        using var body = JsonDocument.Parse(send.Body);
        Assert.Equal("DoNotReply@contoso.azurecomm.net", body.RootElement.GetProperty("senderAddress").GetString());
        Assert.Equal("ana@demo.example", body.RootElement.GetProperty("recipients").GetProperty("to")[0].GetProperty("address").GetString());
        Assert.Equal("<p>Hello Ana &amp; team</p>", body.RootElement.GetProperty("content").GetProperty("html").GetString());
        Assert.Equal(3, server.Requests.Count);
        Assert.All(server.Requests, r => Assert.Null(AcsSignatureProblem(r, AccessKey)));
    }

    [Fact]
    public async Task Acs_WrongKey_IsRefusedByTheSignatureCheck_AndNotRetried()
    {
        await using var server = await FakeProviderServer.StartAsync(async (context, request) =>
            await FakeProviderServer.Respond(context, 401, $$$"""{"error":{"code":"Denied","message":"{{{AcsSignatureProblem(request, AccessKey)}}}"}}"""));

        var result = await Acs(server.BaseUrl, RandomNumberGenerator.GetBytes(32)).SendAsync(Email(), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Rejected, result.Outcome);
        Assert.Contains("401", result.Error, StringComparison.Ordinal);
        Assert.Contains("signature mismatch", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Acs_429WithRetryAfter_IsRetriedLaterAfterThatDelay()
    {
        await using var server = await FakeProviderServer.StartAsync(async (context, _) =>
        {
            context.Response.Headers["Retry-After"] = "42";
            await FakeProviderServer.Respond(context, 429, """{"error":{"code":"TooManyRequests","message":"Rate limit exceeded: 30 emails per minute."}}""");
        });

        var result = await Acs(server.BaseUrl).SendAsync(Email(), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.RetryLater, result.Outcome);
        Assert.True(result.Throttled);
        Assert.Equal(TimeSpan.FromSeconds(42), result.RetryAfter);
        Assert.Contains("TooManyRequests", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Acs_500_IsRetriedLater_AndABadRecipient400IsNot()
    {
        await using var failing = await FakeProviderServer.StartAsync(500, """{"error":{"code":"InternalServerError","message":"Something went wrong"}}""");
        await using var refusing = await FakeProviderServer.StartAsync(400, """{"error":{"code":"InvalidEmailAddress","message":"The recipient address is not valid."}}""");

        var failed = await Acs(failing.BaseUrl).SendAsync(Email(), CancellationToken.None);
        Assert.Equal(DeliveryOutcome.RetryLater, failed.Outcome);
        Assert.False(failed.Throttled);
        var refused = await Acs(refusing.BaseUrl).SendAsync(Email(), CancellationToken.None);
        Assert.Equal(DeliveryOutcome.Rejected, refused.Outcome);
        Assert.Contains("InvalidEmailAddress", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Acs_FailedOperation_IsABounce()
    {
        await using var server = await FakeProviderServer.StartAsync(async (context, request) =>
        {
            if (request.Method == "POST")
            {
                await FakeProviderServer.Respond(context, 202, """{"id":"op-1","status":"Running"}""");
                return;
            }

            await FakeProviderServer.Respond(context, 200, """{"id":"op-1","status":"Failed","error":{"code":"EmailDroppedAllRecipientsSuppressed","message":"Message dropped because all recipients were suppressed"}}""");
        });

        var result = await Acs(server.BaseUrl).SendAsync(Email(), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Rejected, result.Outcome);
        Assert.True(result.Bounced);
        Assert.Contains("suppressed", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Acs_NoAnswer_TimesOut()
    {
        await using var server = await FakeProviderServer.StartAsync(async (context, _) => await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted));

        await Assert.ThrowsAsync<TimeoutException>(() => Acs(server.BaseUrl, timeoutSeconds: 1).SendAsync(Email(), CancellationToken.None));
    }

    private static SmtpEmailSender Smtp(SmtpTestServer server, string security = "starttls", string? password = SmtpTestServer.Password) => new(
        new EmailOptions
        {
            FromAddress = "alerts@clientmonitor.test",
            FromName = "ClientMonitor",
            Smtp = new SmtpSettings { Host = "127.0.0.1", Port = server.Port, Security = security, Username = SmtpTestServer.User, Password = password, TimeoutSeconds = 10 },
        },
        new ManualTimeProvider(Now),
        // The test server's certificate is self-signed by the test; it is pinned here. Production validates normally.
        server.ValidateCertificate);

    [Fact]
    public async Task Smtp_SendsOverStartTlsWithAuthentication_AMultipartMessage()
    {
        await using var server = await SmtpTestServer.StartAsync();

        var result = await Smtp(server).SendAsync(Email(), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        Assert.StartsWith("0123456789abcdef0123456789abcdef@clientmonitor", result.ProviderMessageId, StringComparison.Ordinal);
        var envelope = Assert.Single(server.Envelopes);
        Assert.True(envelope.GetProperty("secure").GetBoolean());
        Assert.Equal(SmtpTestServer.User, envelope.GetProperty("user").GetString());
        Assert.Equal("ana@demo.example", envelope.GetProperty("to")[0].GetString());
        using var message = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(Assert.Single(server.Messages))));
        Assert.Equal("[Contoso] Funding: Contoso raises $50M", message.Subject);
        Assert.Equal("<p>Hello Ana &amp; team</p>", message.HtmlBody?.Trim());
        Assert.Equal("Hello Ana & team", message.TextBody?.Trim());
        Assert.Equal("0123456789abcdef0123456789abcdef@clientmonitor", message.MessageId);
    }

    [Fact]
    public async Task Smtp_RefusedMailbox_IsABounce_AGreylist451IsRetried_AndBadCredentialsAreRefused()
    {
        await using var server = await SmtpTestServer.StartAsync();

        var bounced = await Smtp(server).SendAsync(Email("bounce@demo.example"), CancellationToken.None);
        var busy = await Smtp(server).SendAsync(Email("busy@demo.example"), CancellationToken.None);
        var badLogin = await Smtp(server, password: "wrong").SendAsync(Email(), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Rejected, bounced.Outcome);
        Assert.True(bounced.Bounced);
        Assert.Contains("550", bounced.Error, StringComparison.Ordinal);
        Assert.Equal(DeliveryOutcome.RetryLater, busy.Outcome);
        Assert.Contains("451", busy.Error, StringComparison.Ordinal);
        Assert.Equal(DeliveryOutcome.Rejected, badLogin.Outcome);
        Assert.False(badLogin.Bounced);
        Assert.Contains("authentication", badLogin.Error, StringComparison.Ordinal);
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task Smtp_NobodyListening_IsRetriedLater()
    {
        await using var server = await SmtpTestServer.StartAsync();
        var sender = Smtp(server);
        await server.DisposeAsync();

        var result = await sender.SendAsync(Email(), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.RetryLater, result.Outcome);
    }

    [Fact]
    public async Task FileSink_WritesEmlAndHtml_AndTheSameIdReplacesThem()
    {
        var directory = Path.Combine(Path.GetTempPath(), "cm-mail-" + Guid.NewGuid().ToString("N"));
        try
        {
            var sink = new FileEmailSender(new EmailOptions { FileDirectory = directory }, new ManualTimeProvider(Now));

            await sink.SendAsync(Email(), CancellationToken.None);
            var result = await sink.SendAsync(Email() with { Subject = "Second" }, CancellationToken.None);

            Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
            Assert.Equal(["0123456789abcdef0123456789abcdef.eml", "0123456789abcdef0123456789abcdef.html"], Directory.GetFiles(directory).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray());
            using var message = await MimeMessage.LoadAsync(Path.Combine(directory, "0123456789abcdef0123456789abcdef.eml"));
            Assert.Equal("Second", message.Subject);
            Assert.Equal("ana@demo.example", message.To.Mailboxes.Single().Address);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static string FakeOrigin(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}";
}
