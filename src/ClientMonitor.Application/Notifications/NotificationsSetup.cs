using System.Text.Json;
using Azure.Data.Tables;
using Azure.Identity;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Operations;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Application.Triggers;
using ClientMonitor.Application.Storage;
using ClientMonitor.Infrastructure.Notifications;
using ClientMonitor.Infrastructure.Pipeline;
using ClientMonitor.Infrastructure.Storage;
using Microsoft.Extensions.Options;

namespace ClientMonitor.Application.Notifications;

/// <summary>Email delivery, digests and operational alerts: stores, providers, channels and the two functions.</summary>
public static class NotificationsSetup
{
    public static IServiceCollection AddNotifications(this IServiceCollection services)
    {
        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.Section).ValidateOnStart();
        services.AddOptions<EmailDeliveryOptions>().BindConfiguration(EmailOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EmailDeliveryOptions>, NotificationOptionsValidator>();
        services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.Section).ValidateOnStart();
        services.AddOptions<AlertChannelOptions>().BindConfiguration(AlertOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EmailOptions>, NotificationOptionsValidator>();
        services.AddSingleton<IValidateOptions<AlertOptions>, NotificationOptionsValidator>();
        services.AddSingleton<IValidateOptions<AlertChannelOptions>, NotificationOptionsValidator>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<EmailOptions>>().Value);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<EmailDeliveryOptions>>().Value);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<AlertOptions>>().Value);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<AlertChannelOptions>>().Value);

        services.AddSingleton<NotificationTables>();
        services.AddSingleton<IEmailLogStore>(sp => sp.GetRequiredService<NotificationTables>());
        services.AddSingleton<IAlertStore>(sp => sp.GetRequiredService<NotificationTables>());
        services.AddSingleton<IDigestStateStore>(sp => sp.GetRequiredService<NotificationTables>());
        services.AddSingleton<INotificationOutbox>(sp => sp.GetRequiredService<QueueNotificationOutbox>());
        services.AddSingleton(sp => new TableSendRateLimiter(
            sp.GetRequiredService<TableServiceClient>(), sp.GetRequiredService<EmailOptions>().LimitsFor, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<EmailDeliveryOptions>().MaxInstantPerUserPerHour));
        services.AddSingleton<ISendRateLimiter>(sp => sp.GetRequiredService<TableSendRateLimiter>());
        services.AddSingleton<IInstantEmailBudget>(sp => sp.GetRequiredService<TableSendRateLimiter>());
        services.AddSingleton<InstantEmailGate>();

        services.AddSingleton<NotificationHttpClient>();
        services.AddSingleton<IEmailSender>(sp =>
        {
            var options = sp.GetRequiredService<EmailOptions>();
            var time = sp.GetRequiredService<TimeProvider>();
            return options.Provider switch
            {
                "smtp" => new SmtpEmailSender(options, time),
                "acs" => new AcsEmailSender(
                    sp.GetRequiredService<NotificationHttpClient>().Client, options,
                    string.IsNullOrWhiteSpace(options.Acs.ConnectionString)
                        ? new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = sp.GetRequiredService<IOptions<StorageOptions>>().Value.ClientId })
                        : null,
                    time),
                _ => new FileEmailSender(options, time),
            };
        });
        services.AddSingleton<IEnumerable<IAlertChannel>>(sp =>
        {
            var options = sp.GetRequiredService<AlertChannelOptions>();
            var http = sp.GetRequiredService<NotificationHttpClient>().Client;
            var time = sp.GetRequiredService<TimeProvider>();
            var channels = new List<IAlertChannel>();
            if (options.SlackConfigured)
            {
                channels.Add(new SlackAlertChannel(http, options, time));
            }

            if (options.WebhookConfigured)
            {
                channels.Add(new WebhookAlertChannel(http, options, time));
            }

            return channels;
        });
        services.AddSingleton(sp => PublicAddresses.For(sp, sp.GetRequiredService<EmailDeliveryOptions>().PublicBaseUrl));
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<EmailOptions>();
            return new TrackingSettings(string.IsNullOrWhiteSpace(options.TrackingKey)
                ? null
                : new TrackingLinks(Convert.FromBase64String(options.TrackingKey), sp.GetRequiredService<PublicAddress>(), TimeSpan.FromDays(options.TrackingDays), sp.GetRequiredService<TimeProvider>()));
        });

        services.AddSingleton(sp => new EmailDeliveryService(
            sp.GetRequiredService<IEmailLogStore>(), sp.GetRequiredService<IEmailSender>(), sp.GetRequiredService<ISendRateLimiter>(), sp.GetRequiredService<INotificationOutbox>(),
            sp.GetRequiredService<ITenantStore>(), sp.GetRequiredService<IClientStore>(), sp.GetRequiredService<IEventStore>(), sp.GetRequiredService<IAlertStore>(),
            sp.GetRequiredService<TrackingSettings>().Links, sp.GetRequiredService<PublicAddress>(), sp.GetRequiredService<EmailDeliveryOptions>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IMonitoringTelemetry>()));
        services.AddSingleton<AlertService>();
        services.AddSingleton<IAlertSink>(sp => sp.GetRequiredService<AlertService>());
        services.AddSingleton<IJobRunFinishedListener, PipelineAlerts>();
        services.AddSingleton<DigestService>();
        services.AddSingleton<IDigestRunner>(sp => sp.GetRequiredService<DigestService>());

        services.AddSingleton<DeliverNotificationHandler>();
        services.AddSingleton<DigestTickHandler>();
        return services;
    }
}

/// <summary>Open and click tracking, or null when no tracking key is configured (emails then carry plain links).</summary>
public sealed record TrackingSettings(TrackingLinks? Links);

/// <summary>One HTTP client for ACS, Slack and webhooks; each call sets its own timeout.</summary>
public sealed class NotificationHttpClient : IDisposable
{
    public HttpClient Client { get; } = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };

    public void Dispose() => Client.Dispose();
}

/// <summary>
/// <c>DeliverNotification</c> (queue <c>notifications</c>): an email to send, an alert to dispatch, or an alert to
/// deliver to one channel. A message that is not one of these, or names rows that do not exist, goes to poison with
/// the reason; anything else that throws is retried by the queue.
/// </summary>
public sealed partial class DeliverNotificationHandler(EmailDeliveryService emails, AlertService alerts, ILogger<DeliverNotificationHandler> logger)
{
    public string Name => "DeliverNotification";

    public async Task RunAsync(QueueInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        NotificationMessage? message;
        try
        {
            message = NotificationMessage.Parse(invocation.MessageText);
        }
        catch (JsonException ex)
        {
            throw new InvalidMessageException("Not a notifications message: " + ex.Message);
        }

        try
        {
            switch (message)
            {
                case EmailRequest { EmailId.Length: > 0, BusinessId.Length: > 0 } email:
                    using (logger.BeginScope(new Dictionary<string, object> { ["BusinessId"] = email.BusinessId, ["EmailId"] = email.EmailId, ["JobRunId"] = email.JobRunId ?? string.Empty, ["EventId"] = email.EventId ?? string.Empty }))
                    {
                        var outcome = await emails.DeliverAsync(email, cancellationToken);
                        var status = outcome.Status.ToString();
                        Log.Email(logger, email.EmailId, email.EmailType, status, outcome.Detail);
                    }

                    break;
                case AlertDispatchRequest { AlertKey.Length: > 0, BusinessId.Length: > 0 } dispatch:
                    var dispatched = await alerts.DispatchAsync(dispatch, cancellationToken);
                    Log.Alert(logger, dispatch.AlertKey, "dispatch", dispatched);
                    break;
                case AlertChannelRequest { DeliveryId.Length: > 0, BusinessId.Length: > 0 } channel:
                    var delivered = await alerts.DeliverAsync(channel, cancellationToken);
                    Log.Alert(logger, channel.DeliveryId, channel.Channel, delivered);
                    break;
                default:
                    throw new InvalidMessageException("A notifications message must be an email (email_id, business_id), an alert_dispatch or an alert_channel message.");
            }
        }
        catch (UnprocessableMessageException ex)
        {
            throw new InvalidMessageException(ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5001, EventName = "EmailHandled", Level = LogLevel.Information, Message = "Email {EmailId} ({EmailType}): {Status}, {Detail}")]
        public static partial void Email(ILogger logger, string emailId, string emailType, string status, string detail);

        [LoggerMessage(EventId = 5002, EventName = "AlertHandled", Level = LogLevel.Information, Message = "Alert {Id} {Step}: {Outcome}")]
        public static partial void Alert(ILogger logger, string id, string step, string outcome);
    }
}

/// <summary><c>DigestTick</c> (hourly): sends the daily and weekly digests that have come due, then records its activity.</summary>
public sealed partial class DigestTickHandler(DigestService digests, IFunctionActivityLog activity, TimeProvider time, ILogger<DigestTickHandler> logger)
{
    public string Name => "DigestTick";

    public async Task RunAsync(TimerInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var started = time.GetUtcNow();
        var result = await digests.RunDueAsync(cancellationToken);
        Log.Ran(logger, result.Users, result.Due, result.Queued, result.Empty);
        await activity.RecordAsync(new FunctionActivity(Name, TriggerKind.Timer, invocation.OccurrenceId, started, 0, null), cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5101, EventName = "DigestTicked", Level = LogLevel.Information,
            Message = "Digest tick: {Users} digest users, {Due} due, {Queued} digests queued, {Empty} with nothing to report")]
        public static partial void Ran(ILogger logger, int users, int due, int queued, int empty);
    }
}
