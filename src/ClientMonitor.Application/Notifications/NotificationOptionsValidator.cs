using System.Net.Mail;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Infrastructure.Notifications;
using Microsoft.Extensions.Options;

namespace ClientMonitor.Application.Notifications;

/// <summary>Stops start-up on email and alert settings that would otherwise fail at the first send, naming each.</summary>
internal sealed class NotificationOptionsValidator
    : IValidateOptions<EmailOptions>, IValidateOptions<EmailDeliveryOptions>, IValidateOptions<AlertOptions>, IValidateOptions<AlertChannelOptions>
{
    public ValidateOptionsResult Validate(string? name, EmailDeliveryOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.PublicBaseUrl)
            && (!Uri.TryCreate(options.PublicBaseUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)))
        {
            failures.Add($"Email:PublicBaseUrl is '{options.PublicBaseUrl}'; use the absolute http(s) address mail readers reach the app at.");
        }

        if (options.MaxRetries is < 0 or > 20 || options.LeaseSeconds is < 10 or > 3600)
        {
            failures.Add("Email:MaxRetries must be 0..20 and Email:LeaseSeconds 10..3600.");
        }

        if (options.MaxInstantPerUserPerHour < 0 || options.MaxThrottledAge <= TimeSpan.Zero)
        {
            failures.Add("Email:MaxInstantPerUserPerHour must be 0 (no cap) or more, and Email:MaxThrottledAge positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public ValidateOptionsResult Validate(string? name, EmailOptions options)
    {
        var failures = new List<string>();
        if (options.Provider is not ("file" or "smtp" or "acs"))
        {
            failures.Add($"Email:Provider is '{options.Provider}'; use file, smtp or acs.");
        }

        if (!MailAddress.TryCreate(options.FromAddress, out _))
        {
            failures.Add("Email:FromAddress is not an email address.");
        }

        if (options.Provider == "smtp" && string.IsNullOrWhiteSpace(options.Smtp.Host))
        {
            failures.Add("Email:Smtp:Host is required when Email:Provider is smtp.");
        }

        if (options.Provider == "smtp" && options.Smtp.Security is not ("starttls" or "tls" or "none"))
        {
            failures.Add($"Email:Smtp:Security is '{options.Smtp.Security}'; use starttls, tls or none.");
        }

        if (options.Provider == "acs")
        {
            if (!string.IsNullOrWhiteSpace(options.Acs.ConnectionString))
            {
                try
                {
                    AcsEmailSender.ParseConnectionString(options.Acs.ConnectionString);
                }
                catch (FormatException)
                {
                    failures.Add("Email:Acs:ConnectionString is not endpoint=https://...;accesskey=<base64>.");
                }
            }
            else if (!Uri.TryCreate(options.Acs.Endpoint, UriKind.Absolute, out _))
            {
                failures.Add("Email:Acs needs a ConnectionString, or an Endpoint (https://<resource>.communication.azure.com) for managed identity.");
            }
        }

        if (options.PerMinuteLimit is < 1 || options.PerHourLimit is < 1)
        {
            failures.Add("Email:PerMinuteLimit and Email:PerHourLimit must be at least 1 when set.");
        }

        if (!string.IsNullOrWhiteSpace(options.TrackingKey) && !IsKey(options.TrackingKey))
        {
            failures.Add("Email:TrackingKey must be base64 of at least 32 bytes.");
        }

        if (options.TrackingDays is < 1 or > 365)
        {
            failures.Add("Email:TrackingDays must be 1..365.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public ValidateOptionsResult Validate(string? name, AlertOptions options)
    {
        var failures = new List<string>();
        foreach (var recipient in options.RecipientList.Where(r => !MailAddress.TryCreate(r, out _)))
        {
            failures.Add($"Alerts:Recipients has '{recipient}', which is not an email address.");
        }

        if (options.ThrottleMinutes is < 0 or > 1440)
        {
            failures.Add("Alerts:ThrottleMinutes must be 0..1440.");
        }

        if (options.GroupWaitSeconds is < 0 or > 3600)
        {
            failures.Add("Alerts:GroupWaitSeconds must be 0..3600.");
        }

        if (options.MaxErrorRate is < 0 or > 1 || double.IsNaN(options.MaxErrorRate))
        {
            failures.Add("Alerts:MaxErrorRate must be between 0 and 1.");
        }

        if (options.MinQualifiedEvents < 0 || options.MaxDeliveryAttempts < 1)
        {
            failures.Add("Alerts:MinQualifiedEvents must be 0 or more and Alerts:MaxDeliveryAttempts 1 or more.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public ValidateOptionsResult Validate(string? name, AlertChannelOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.SlackWebhookUrl) && !Uri.TryCreate(options.SlackWebhookUrl, UriKind.Absolute, out _))
        {
            failures.Add("Alerts:SlackWebhookUrl is not an absolute URL.");
        }

        if (string.IsNullOrWhiteSpace(options.SlackWebhookUrl) && string.IsNullOrWhiteSpace(options.SlackToken) != string.IsNullOrWhiteSpace(options.SlackChannel))
        {
            failures.Add("Alerts:SlackToken and Alerts:SlackChannel go together: set both, or neither.");
        }

        if (options.WebhookConfigured && !Uri.TryCreate(options.WebhookUrl, UriKind.Absolute, out _))
        {
            failures.Add("Alerts:WebhookUrl is not an absolute URL.");
        }

        if (options.WebhookConfigured && string.IsNullOrWhiteSpace(options.WebhookSecret))
        {
            failures.Add("Alerts:WebhookSecret is required with Alerts:WebhookUrl: webhooks are always signed.");
        }

        if (!string.IsNullOrWhiteSpace(options.WebhookSecret) && options.WebhookSecret.StartsWith("whsec_", StringComparison.Ordinal) && !IsBase64(options.WebhookSecret["whsec_".Length..]))
        {
            failures.Add("Alerts:WebhookSecret starts with whsec_ but the rest is not base64.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsKey(string text) => IsBase64(text) && Convert.FromBase64String(text).Length >= 32;

    private static bool IsBase64(string text)
    {
        Span<byte> buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out _);
    }
}
