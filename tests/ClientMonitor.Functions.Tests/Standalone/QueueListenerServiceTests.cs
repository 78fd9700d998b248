using System.Collections.Concurrent;
using System.Diagnostics;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using ClientMonitor.Core.Operations;
using ClientMonitor.Functions.Hosting;
using ClientMonitor.Application.Triggers;
using ClientMonitor.Functions.Invocations;
using ClientMonitor.Functions.Standalone;
using ClientMonitor.Application.Storage;
using ClientMonitor.Infrastructure.Storage;
using ClientMonitor.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClientMonitor.Functions.Tests.Standalone;

public sealed class QueueListenerServiceTests : IAsyncLifetime
{
    private static readonly HostSettings FastRetries = new()
    {
        MaxDequeueCount = 3,
        VisibilityTimeout = TimeSpan.Zero,
        MaxPollingInterval = TimeSpan.FromMilliseconds(200),
        BatchSize = 4,
        FunctionTimeout = TimeSpan.FromMinutes(1),
    };

    private QueueServiceClient _queues = null!;
    private TableServiceClient _tables = null!;
    private QueueClient _queue = null!;

    public async Task InitializeAsync()
    {
        var azurite = await Azurite.SharedAsync();
        _queues = azurite.CreateQueueService();
        _tables = azurite.CreateTableService();
        _queue = _queues.GetQueueClient("work-" + Azurite.UniqueName("q"));
        await _queue.CreateIfNotExistsAsync();
        await PoisonQueue().CreateIfNotExistsAsync();
        await _tables.GetTableClient(PoisonMessageStore.TableName).CreateIfNotExistsAsync();
    }

    public async Task DisposeAsync()
    {
        await _queue.DeleteIfExistsAsync();
        await _queues.GetQueueClient(QueueNames.PoisonOf(_queue.Name)).DeleteIfExistsAsync();
    }

    [Fact]
    public async Task FailingMessage_IsRetried_ThenMovedToPoisonWithItsReason()
    {
        var handler = new ScriptedFunction(_ => throw new InvalidOperationException("CRM said no"));
        await _queue.SendMessageAsync("{\"clientId\":\"c-9\"}");

        await using (await StartListenerAsync(handler))
        {
            await WaitUntilAsync(async () => (await PoisonQueue().PeekMessagesAsync()).Value.Length == 1);
        }

        Assert.Equal(FastRetries.MaxDequeueCount, handler.Calls.Count);
        Assert.Equal([1L, 2L, 3L], handler.Calls.Select(c => c.DequeueCount).Order());
        Assert.Equal("{\"clientId\":\"c-9\"}", Assert.Single((await PoisonQueue().PeekMessagesAsync()).Value).MessageText);
        Assert.Empty((await _queue.PeekMessagesAsync()).Value);
        var record = Assert.Single(await new PoisonMessageStore(_queues, _tables, TimeProvider.System).ListAsync(_queue.Name, default));
        Assert.Contains("CRM said no", record.Reason, StringComparison.Ordinal);
        Assert.Equal(3, record.DequeueCount);
    }

    [Fact]
    public async Task InvalidMessage_GoesToPoisonAtOnce()
    {
        var handler = new ScriptedFunction(_ => throw new InvalidMessageException("unknown message version 9"));
        await _queue.SendMessageAsync("{\"v\":9}");

        await using (await StartListenerAsync(handler))
        {
            await WaitUntilAsync(async () => (await PoisonQueue().PeekMessagesAsync()).Value.Length == 1);
        }

        Assert.Single(handler.Calls);
    }

    [Fact]
    public async Task MessageThatIsNotBase64_GoesToPoisonWithTheReason_WithoutReachingTheFunction()
    {
        var handler = new ScriptedFunction(_ => Task.CompletedTask);
        var azurite = await Azurite.SharedAsync();
        PoisonMessageStore? store = null;
        _queues = azurite.CreateQueueService(PoisonMessageStore.MovingUndecodableMessages(StorageClients.QueueOptions(), () => store!));
        store = new PoisonMessageStore(_queues, _tables, TimeProvider.System);
        var raw = azurite.CreateQueueService(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None }).GetQueueClient(_queue.Name);
        await raw.SendMessageAsync("not base64 at all!");

        await using (await StartListenerAsync(handler))
        {
            await WaitUntilAsync(async () => (await PoisonQueue().PeekMessagesAsync()).Value.Length == 1);
        }

        Assert.Empty(handler.Calls);
        Assert.Equal(0, await _queue.CountAsync(default));
        var record = Assert.Single(await store.ListAsync(_queue.Name, default));
        Assert.Equal(PoisonMessageStore.UndecodableReason, record.Reason);
        Assert.Equal("not base64 at all!", record.Text);
    }

    [Fact]
    public async Task SucceedingMessage_IsDeleted()
    {
        var handler = new ScriptedFunction(_ => Task.CompletedTask);
        await _queue.SendMessageAsync("ok");

        await using (await StartListenerAsync(handler))
        {
            await WaitUntilAsync(() => Task.FromResult(!handler.Calls.IsEmpty));
            await WaitUntilAsync(async () => await _queue.CountAsync(default) == 0);
        }

        Assert.Equal("ok", Assert.Single(handler.Calls).MessageText);
        Assert.Empty((await PoisonQueue().PeekMessagesAsync()).Value);
    }

    [Fact]
    public async Task MessageTakenWhenShutdownStarts_IsReleasedNotLost()
    {
        var handler = new ScriptedFunction(_ => Task.CompletedTask);
        await _queue.SendMessageAsync("late");
        var received = Assert.Single((await _queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(5))).Value);
        var listener = CreateListener(handler);
        using var stopped = new CancellationTokenSource();
        await stopped.CancelAsync();

        await listener.ProcessAsync(received, stopped.Token);

        Assert.Empty(handler.Calls);
        var again = Assert.Single((await _queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30))).Value);
        Assert.Equal(received.MessageId, again.MessageId);
    }

    [Fact]
    public async Task MessageRunningWhenShutdownStarts_FinishesAndIsDeleted()
    {
        var release = new TaskCompletionSource();
        var started = new TaskCompletionSource();
        var handler = new ScriptedFunction(async _ =>
        {
            started.TrySetResult();
            await release.Task;
        });
        await _queue.SendMessageAsync("in-flight");
        var listener = CreateListener(handler);
        await listener.StartAsync(default);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(20));

        var stopping = listener.StopAsync(default);
        release.SetResult();
        await stopping;

        Assert.Single(handler.Calls);
        Assert.Equal(0, await _queue.CountAsync(default));
    }

    private QueueClient PoisonQueue() => _queues.GetQueueClient(QueueNames.PoisonOf(_queue.Name));

    private async Task<AsyncStopper> StartListenerAsync(ScriptedFunction handler)
    {
        var listener = CreateListener(handler);
        await listener.StartAsync(default);
        return new AsyncStopper(listener);
    }

    private QueueListenerService CreateListener(ScriptedFunction handler)
    {
        var definition = new FunctionDefinition(handler.Name, TriggerKind.Queue, "message", null, _queue.Name, "binary");
        var runner = new FunctionRunner([handler], [], FastRetries, NullLogger<FunctionRunner>.Instance);
        var initializer = new StorageInitializer(_tables, _queues, TimeProvider.System, NullLogger<StorageInitializer>.Instance);
        _ = initializer.StartAsync(default); // the shared tables and queues; the listener waits for them
        return new QueueListenerService(definition, _queues, runner, new PoisonMessageStore(_queues, _tables, TimeProvider.System), FastRetries, TimeProvider.System, initializer, NullLogger<QueueListenerService>.Instance);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "condition not met within 30 s");
            await Task.Delay(100);
        }
    }

    private sealed class AsyncStopper(QueueListenerService listener) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await listener.StopAsync(default);
    }

    private sealed class ScriptedFunction(Func<QueueInvocation, Task> behaviour) : IQueueFunction
    {
        public ConcurrentQueue<QueueInvocation> Calls { get; } = new();

        public string Name => "Scripted";

        public Task RunAsync(QueueInvocation invocation, CancellationToken cancellationToken)
        {
            Calls.Enqueue(invocation);
            return behaviour(invocation);
        }
    }
}
