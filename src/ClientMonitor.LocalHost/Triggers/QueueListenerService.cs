using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Azure;
using ClientMonitor.Application.Storage;
using ClientMonitor.Application.Triggers;
using ClientMonitor.Infrastructure.Storage;

namespace ClientMonitor.LocalHost.Triggers;

/// <summary>
/// Serves one queue-triggered function of <c>functions.metadata</c> with the Functions host's semantics:
/// a received message stays hidden while it runs (up to the function timeout); on failure it becomes visible again
/// after <c>visibilityTimeout</c>; after <c>maxDequeueCount</c> tries it moves to <c>&lt;queue&gt;-poison</c> with the
/// reason recorded. On shutdown no new messages are taken, running ones finish (within the host's shutdown
/// timeout), and any message not finished is made visible again: nothing is lost.
/// </summary>
public sealed partial class QueueListenerService : BackgroundService
{
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);
    private readonly FunctionInvoker _function;
    private readonly QueueClient _queue;
    private readonly IServiceScopeFactory _scopes;
    private readonly PoisonMessageStore _poison;
    private readonly HostSettings _settings;
    private readonly TimeProvider _time;
    private readonly StorageInitializer _storage;
    private readonly ILogger<QueueListenerService> _logger;

    public QueueListenerService(FunctionInvoker function, QueueServiceClient queues, IServiceScopeFactory scopes, PoisonMessageStore poison, HostSettings settings, TimeProvider time, StorageInitializer storage, ILogger<QueueListenerService> logger)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(queues);
        _function = function;
        _queue = queues.GetQueueClient(function.Function.Trigger.QueueName!);
        _scopes = scopes;
        _poison = poison;
        _settings = settings;
        _time = time;
        _storage = storage;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _storage.Ready.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var idle = MinPollingInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            QueueMessage[] batch;
            try
            {
                // Messages that cannot be decoded never come back from here: the client's decoding handler moves them
                // to the poison queue with the reason (StorageSetup).
                batch = (await _queue.ReceiveMessagesAsync(_settings.BatchSize, _settings.FunctionTimeout, stoppingToken)).Value;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.ReceiveFailed(_logger, _queue.Name, ex);
                batch = [];
            }

            if (batch.Length == 0)
            {
                if (!await DelayAsync(idle, stoppingToken))
                {
                    return;
                }

                idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, Math.Max(_settings.MaxPollingInterval.Ticks, MinPollingInterval.Ticks)));
                continue;
            }

            idle = MinPollingInterval;
            // Handlers run to completion even when shutdown starts: they get no stopping token, only the function
            // timeout. The host's shutdown timeout bounds the wait; an unfinished message is released below.
            await Task.WhenAll(batch.Select(message => ProcessAsync(message, stoppingToken)));
        }
    }

    /// <summary>Runs one message and settles it: deleted, released for a retry, or moved to poison.</summary>
    internal async Task ProcessAsync(QueueMessage message, CancellationToken stoppingToken)
    {
        if (stoppingToken.IsCancellationRequested)
        {
            await ReleaseAsync(message, TimeSpan.Zero);
            return;
        }

        if (message.DequeueCount > _settings.MaxDequeueCount)
        {
            // Taken more often than allowed, yet never failed: the process ended while it ran (it is not run again).
            await PoisonAsync(message, $"Dequeued {message.DequeueCount} times (maxDequeueCount {_settings.MaxDequeueCount}); the process ended while it ran.");
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(_settings.FunctionTimeout);
            await using var scope = _scopes.CreateAsyncScope();
            await _function.InvokeAsync(scope.ServiceProvider, message, timeout.Token);
        }
        catch (InvalidMessageException ex)
        {
            // Functions move such messages to poison themselves (QueueMessageRunner); a bare one is handled here.
            await PoisonAsync(message, ex.Message);
        }
        catch (Exception ex)
        {
            if (message.DequeueCount >= _settings.MaxDequeueCount)
            {
                await PoisonAsync(message, $"{ex.GetType().Name}: {ex.Message}");
            }
            else
            {
                await ReleaseAsync(message, _settings.VisibilityTimeout);
            }

            return;
        }

        // Outside the try: the run succeeded, so a failed delete must not count as a failed try (it comes back and is
        // run again, which the handlers take idempotently).
        await DeleteAsync(message);
    }

    private async Task PoisonAsync(QueueMessage message, string reason)
    {
        try
        {
            await _poison.MoveAsync(_queue, message, reason, CancellationToken.None);
            Log.MovedToPoison(_logger, message.MessageId, _queue.Name, message.DequeueCount, reason);
        }
        catch (Exception ex)
        {
            // The original stays on its queue and comes back when its lease ends; it is not lost.
            Log.PoisonFailed(_logger, message.MessageId, _queue.Name, ex);
        }
    }

    /// <summary>Deletes a processed message; one the function already moved to poison is gone, which is fine.</summary>
    private async Task DeleteAsync(QueueMessage message)
    {
        try
        {
            await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Already gone: the function moved it to poison itself.
        }
        catch (Exception ex)
        {
            Log.DeleteFailed(_logger, message.MessageId, _queue.Name, ex);
        }
    }

    private async Task ReleaseAsync(QueueMessage message, TimeSpan after)
    {
        try
        {
            await _queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: after, cancellationToken: CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The lease still ends at the function timeout, and the message returns then.
            Log.ReleaseFailed(_logger, message.MessageId, _queue.Name, ex);
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, _time, stoppingToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1301, LogLevel.Warning, "Receiving from queue {Queue} failed; retrying")]
        public static partial void ReceiveFailed(ILogger logger, string queue, Exception exception);

        [LoggerMessage(1302, LogLevel.Error, "Message {MessageId} of queue {Queue} moved to poison after {DequeueCount} tries: {Reason}")]
        public static partial void MovedToPoison(ILogger logger, string messageId, string queue, long dequeueCount, string reason);

        [LoggerMessage(1303, LogLevel.Error, "Message {MessageId} of queue {Queue} could not be moved to poison; it stays on the queue")]
        public static partial void PoisonFailed(ILogger logger, string messageId, string queue, Exception exception);

        [LoggerMessage(1305, LogLevel.Warning, "Message {MessageId} of queue {Queue} ran but could not be deleted; it comes back and runs again")]
        public static partial void DeleteFailed(ILogger logger, string messageId, string queue, Exception exception);

        [LoggerMessage(1304, LogLevel.Warning, "Message {MessageId} of queue {Queue} could not be released; it returns when its lease ends")]
        public static partial void ReleaseFailed(ILogger logger, string messageId, string queue, Exception exception);
    }
}
