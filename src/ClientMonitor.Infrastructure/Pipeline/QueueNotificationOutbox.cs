using System.Text.Json;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Operations;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Infrastructure.Storage;
using Azure.Storage.Queues;

namespace ClientMonitor.Infrastructure.Pipeline;

/// <summary>Puts emails and alerts on the <c>notifications</c> queue as snake_case JSON.</summary>
public sealed class QueueNotificationOutbox(QueueServiceClient queues) : INotificationOutbox
{
    private readonly QueueClient _notifications = queues.GetQueueClient(QueueNames.Notifications);

    /// <summary>The queue hides a message for at most 7 days; longer delays are cut to that (the handler re-checks the time).</summary>
    public async Task EnqueueAsync(NotificationMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var visibility = delay <= TimeSpan.Zero ? (TimeSpan?)null : delay > MaxDelay ? MaxDelay : TimeSpan.FromSeconds(Math.Ceiling(delay.TotalSeconds));
        await _notifications.SendAsync(JsonSerializer.Serialize(message, message.GetType(), WireJson.Options), visibility, cancellationToken).ConfigureAwait(false);
    }

    private static readonly TimeSpan MaxDelay = TimeSpan.FromDays(6);
}
