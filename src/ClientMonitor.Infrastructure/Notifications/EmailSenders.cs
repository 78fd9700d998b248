using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using ClientMonitor.Core.Notifications;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace ClientMonitor.Infrastructure.Notifications;

/// <summary>
/// Section <c>Email</c>: which provider sends (<c>file</c>, <c>smtp</c> or <c>acs</c>), the sender, sending limits,
/// and each provider's settings. Limits left empty take the provider's defaults (ACS: 30 a minute and 100 an hour,
/// the service's default quota for custom domains; none for SMTP and the file sink).
/// </summary>
public sealed class EmailOptions
{
    public const string Section = "Email";

    public string Provider { get; set; } = "file";

    public string FromAddress { get; set; } = "clientmonitor@localhost";

    public string FromName { get; set; } = "ClientMonitor";

    public int? PerMinuteLimit { get; set; }

    public int? PerHourLimit { get; set; }

    /// <summary>Base64 key (at least 32 bytes) that signs open and click tracking links; without it emails carry plain links.</summary>
    public string? TrackingKey { get; set; }

    public int TrackingDays { get; set; } = 30;

    /// <summary>The file sink's folder (relative to the working directory).</summary>
    public string FileDirectory { get; set; } = ".dev/mail";

    public SmtpSettings Smtp { get; set; } = new();

    public AcsSettings Acs { get; set; } = new();

    public (int? PerMinute, int? PerHour) LimitsFor(string provider) => provider switch
    {
        "acs" => (PerMinuteLimit ?? 30, PerHourLimit ?? 100),
        _ => (PerMinuteLimit, PerHourLimit),
    };
}

public sealed class SmtpSettings
{
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    /// <summary><c>starttls</c> (default: upgrade or fail), <c>tls</c> (implicit TLS, port 465) or <c>none</c> (local relays only).</summary>
    public string Security { get; set; } = "starttls";

    public string? Username { get; set; }

    public string? Password { get; set; }

    public int TimeoutSeconds { get; set; } = 30;
}

public sealed class AcsSettings
{
    /// <summary><c>endpoint=https://...;accesskey=...</c> (HMAC signing). Leave empty and set <c>Endpoint</c> to use a managed identity.</summary>
    public string? ConnectionString { get; set; }

    public string? Endpoint { get; set; }

    public string ApiVersion { get; set; } = "2025-09-01";

    /// <summary>How many times the send operation is polled for its final status before the email counts as accepted.</summary>
    public int MaxPolls { get; set; } = 5;

    public int TimeoutSeconds { get; set; } = 30;
}

/// <summary>The MIME form shared by the SMTP sender and the file sink: multipart/alternative, plain text then HTML.</summary>
internal static class MimeMessages
{
    public static MimeMessage Build(OutgoingEmail email, EmailOptions options, DateTimeOffset date)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(options.FromName, options.FromAddress));
        message.To.Add(new MailboxAddress(email.ToName ?? string.Empty, email.To));
        message.Subject = email.Subject;
        message.Date = date;
        message.MessageId = $"{email.Id}@clientmonitor";
        message.Headers.Add("X-ClientMonitor-Email-Id", email.Id);
        message.Body = new BodyBuilder { TextBody = email.Text, HtmlBody = email.Html }.ToMessageBody();
        return message;
    }
}

/// <summary>
/// The development sink: each email becomes <c>{id}.eml</c> (the whole MIME message) and <c>{id}.html</c> (the HTML
/// body, to open in a browser) in a local folder. Writing the same id again replaces the files, so it is idempotent.
/// </summary>
public sealed class FileEmailSender(EmailOptions options, TimeProvider time) : IEmailSender
{
    public string Name => "file";

    public string Directory => Path.GetFullPath(options.FileDirectory);

    public async Task<DeliveryResult> SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(email);
        System.IO.Directory.CreateDirectory(Directory);
        using var message = MimeMessages.Build(email, options, time.GetUtcNow());
        var eml = Path.Combine(Directory, email.Id + ".eml");
        var stream = File.Create(eml + ".tmp");
        await using (stream.ConfigureAwait(false))
        {
            await message.WriteToAsync(stream, cancellationToken).ConfigureAwait(false);
        }

        File.Move(eml + ".tmp", eml, overwrite: true);
        await File.WriteAllTextAsync(Path.Combine(Directory, email.Id + ".html"), email.Html, new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);
        return DeliveryResult.Delivered(message.MessageId);
    }
}

/// <summary>
/// SMTP through MailKit: a connection per email (sending limits keep the rate low), STARTTLS by default, and
/// authentication when a username is set. SMTP replies decide the outcome: 4xx and connection trouble are retried,
/// a refused recipient (5xx on RCPT) is a bounce, and failed authentication is a configuration error that is not.
/// </summary>
public sealed class SmtpEmailSender(EmailOptions options, TimeProvider time, RemoteCertificateValidationCallback? certificateValidation = null) : IEmailSender
{
    public string Name => "smtp";

    public async Task<DeliveryResult> SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(email);
        var smtp = options.Smtp;
        using var message = MimeMessages.Build(email, options, time.GetUtcNow());
        using var client = new SmtpClient { Timeout = smtp.TimeoutSeconds * 1000 };
        if (certificateValidation is not null)
        {
            client.ServerCertificateValidationCallback = certificateValidation;
        }

        var security = smtp.Security.ToLowerInvariant() switch
        {
            "none" => SecureSocketOptions.None,
            "tls" => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.StartTls,
        };
        try
        {
            await client.ConnectAsync(smtp.Host ?? throw new InvalidOperationException("Email:Smtp:Host is not set."), smtp.Port, security, cancellationToken).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(smtp.Username))
            {
                await client.AuthenticateAsync(smtp.Username, smtp.Password ?? string.Empty, cancellationToken).ConfigureAwait(false);
            }

            var reply = await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
            await client.DisconnectAsync(true, cancellationToken).ConfigureAwait(false);
            return DeliveryResult.Delivered(message.MessageId + (string.IsNullOrWhiteSpace(reply) ? string.Empty : " " + reply.Trim()));
        }
        catch (AuthenticationException ex)
        {
            return DeliveryResult.Reject($"smtp: authentication failed: {ex.Message}");
        }
        catch (SmtpCommandException ex) when ((int)ex.StatusCode >= 500)
        {
            var recipient = ex.ErrorCode == SmtpErrorCode.RecipientNotAccepted;
            return DeliveryResult.Reject($"smtp: {(int)ex.StatusCode} {ex.Message}", bounced: recipient);
        }
        catch (SmtpCommandException ex)
        {
            return DeliveryResult.Retry($"smtp: {(int)ex.StatusCode} {ex.Message}");
        }
        catch (Exception ex) when (ex is SmtpProtocolException or IOException or SocketException or TimeoutException or ServiceNotConnectedException or SslHandshakeException)
        {
            return DeliveryResult.Retry($"smtp: {ex.GetType().Name}: {ex.Message}");
        }
    }
}
