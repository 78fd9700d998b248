using ClientMonitor.Core.Operations;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Infrastructure.Queues;

namespace ClientMonitor.Infrastructure.Pipeline;

/// <summary>Puts pipeline work on the <c>monitor-client</c> and <c>notifications</c> queues as snake_case JSON.</summary>
public sealed class QueueWorkDispatcher(QueueServiceClient queues) : IWorkDispatcher
{
    private readonly QueueClient _monitor = queues.GetQueueClient(QueueNames.MonitorClient);
    private readonly QueueClient _notifications = queues.GetQueueClient(QueueNames.Notifications);

    public async Task EnqueueMonitorClientAsync(MonitorClientMessage message, CancellationToken cancellationToken)
        => await _monitor.SendMessageAsync(WireJson.Serialize(message), cancellationToken: cancellationToken).ConfigureAwait(false);

    public async Task EnqueueEmailAsync(EmailRequest request, CancellationToken cancellationToken)
        => await _notifications.SendMessageAsync(WireJson.Serialize(request), cancellationToken: cancellationToken).ConfigureAwait(false);
}
