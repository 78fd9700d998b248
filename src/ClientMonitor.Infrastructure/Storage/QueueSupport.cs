using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace ClientMonitor.Infrastructure.Storage;

/// <summary>The queue operations the app shares, on top of <see cref="QueueClient"/>.</summary>
public static class QueueSupport
{
    /// <summary>A time-to-live that never ends: the service's default of 7 days would let an unseen message age out.</summary>
    public static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1);

    /// <summary>Adds a message that never expires; <paramref name="visibilityDelay"/> hides it until then (at most 7 days).</summary>
    public static Task<Response<SendReceipt>> SendAsync(this QueueClient queue, string text, TimeSpan? visibilityDelay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return queue.SendMessageAsync(text, visibilityDelay, NeverExpires, cancellationToken);
    }

    /// <summary>The service's approximate message count (hidden messages included).</summary>
    public static async Task<int> CountAsync(this QueueClient queue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return (await queue.GetPropertiesAsync(cancellationToken).ConfigureAwait(false)).Value.ApproximateMessagesCount;
    }
}
