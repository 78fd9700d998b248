using Azure.Storage.Queues.Models;
using ClientMonitor.Application.Notifications;
using ClientMonitor.Application.Triggers;
using ClientMonitor.Core.Operations;
using Microsoft.Azure.Functions.Worker;

namespace ClientMonitor.Functions.Functions;

/// <summary><c>DeliverNotification</c>: emails and alerts from the <c>notifications</c> queue, with the poison rules of <see cref="QueueMessageRunner"/>.</summary>
public sealed class NotificationFunctions(QueueMessageRunner runner, DeliverNotificationHandler handler)
{
    [Function(nameof(DeliverNotification))]
    public Task DeliverNotification([QueueTrigger(QueueNames.Notifications)] QueueMessage message, CancellationToken cancellationToken)
        => runner.RunAsync(nameof(DeliverNotification), QueueNames.Notifications, message, handler.RunAsync, cancellationToken);
}
