using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using ClientMonitor.Infrastructure.Storage;

namespace ClientMonitor.Application.Triggers;

/// <summary>
/// Runs a queue-triggered handler on one message, with the poison rules of every host: a message that can never be
/// processed (<see cref="InvalidMessageException"/>) goes to the poison queue at once with its reason; any other
/// failure is thrown, so that the host retries it, and on its last try (<see cref="HostSettings.MaxDequeueCount"/>)
/// the reason is recorded first, because the host moves the message to the poison queue without saying why.
/// </summary>
public sealed partial class QueueMessageRunner(PoisonMessageStore poison, QueueServiceClient queues, HostSettings host, ILogger<QueueMessageRunner> logger)
{
    public async Task RunAsync(string functionName, string queueName, QueueMessage message, Func<QueueInvocation, CancellationToken, Task> handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(handler);
        var invocation = new QueueInvocation(functionName, message.Body?.ToString() ?? string.Empty, message.MessageId, message.DequeueCount, message.InsertedOn);
        try
        {
            await handler(invocation, cancellationToken);
        }
        catch (InvalidMessageException ex)
        {
            Log.Unprocessable(logger, functionName, message.MessageId, ex.Message);
            await poison.MoveAsync(queues.GetQueueClient(queueName), message, ex.Message, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && message.DequeueCount >= host.MaxDequeueCount)
        {
            try
            {
                await poison.RecordAsync(queueName, message.MessageId, message.DequeueCount, ex.Message, invocation.MessageText, cancellationToken);
            }
            catch (Exception recordFailure) when (recordFailure is not OperationCanceledException)
            {
                // The host still poisons the message; only the reason is missing, and the log keeps it.
                Log.ReasonNotRecorded(logger, functionName, ex.Message, recordFailure);
            }

            throw;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1101, LogLevel.Error, "Could not record why {Function} failed for the last time ({Reason})")]
        public static partial void ReasonNotRecorded(ILogger logger, string function, string reason, Exception exception);

        [LoggerMessage(1102, LogLevel.Warning, "{Function} cannot process message {MessageId}; moved to poison: {Reason}")]
        public static partial void Unprocessable(ILogger logger, string function, string messageId, string reason);
    }
}
