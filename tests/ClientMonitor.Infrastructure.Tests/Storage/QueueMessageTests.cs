using System.Text;
using Azure;
using Azure.Storage.Queues;
using ClientMonitor.Infrastructure.Storage;
using ClientMonitor.Testing;

namespace ClientMonitor.Infrastructure.Tests.Storage;

/// <summary>The queue behaviour the app relies on, through Azure.Storage.Queues on a real Azurite.</summary>
public sealed class QueueMessageTests : IAsyncLifetime
{
    private QueueServiceClient _queues = null!;
    private QueueClient _queue = null!;

    public async Task InitializeAsync()
    {
        var azurite = await Azurite.SharedAsync();
        _queues = azurite.CreateQueueService();
        _queue = _queues.GetQueueClient(Azurite.UniqueName("q"));
        await _queue.CreateIfNotExistsAsync();
    }

    public async Task DisposeAsync() => await _queue.DeleteIfExistsAsync();

    [Fact]
    public async Task MessagesAreBase64OnTheWire_TheFormatOfTheFunctionsQueueTrigger()
    {
        const string text = "{\"clientId\":\"c-ü\"}";
        var plain = (await Azurite.SharedAsync()).CreateQueueService(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None }).GetQueueClient(_queue.Name);

        await _queue.SendAsync(text, visibilityDelay: null, CancellationToken.None);
        var asStored = Assert.Single((await plain.PeekMessagesAsync()).Value).MessageText;
        var asRead = Assert.Single((await _queue.PeekMessagesAsync()).Value).MessageText;

        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes(text)), asStored);
        Assert.Equal(text, asRead);
    }

    [Fact]
    public async Task AReleasedMessage_ComesBackWithANewPopReceiptAndItsDequeueCount()
    {
        await _queue.SendAsync("work", visibilityDelay: null, CancellationToken.None);

        var first = Assert.Single((await _queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(5))).Value);
        var hidden = (await _queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(5))).Value;
        var released = (await _queue.UpdateMessageAsync(first.MessageId, first.PopReceipt, visibilityTimeout: TimeSpan.Zero)).Value;
        var second = Assert.Single((await _queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(5))).Value);
        var withOldReceipt = await Assert.ThrowsAsync<RequestFailedException>(() => _queue.DeleteMessageAsync(first.MessageId, released.PopReceipt));
        await _queue.DeleteMessageAsync(second.MessageId, second.PopReceipt);

        Assert.Empty(hidden);
        Assert.Equal((first.MessageId, 1L, 2L), (second.MessageId, first.DequeueCount, second.DequeueCount));
        Assert.Equal((400, "PopReceiptMismatch"), (withOldReceipt.Status, withOldReceipt.ErrorCode)); // as the service documents it
        Assert.Equal(0, await _queue.CountAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ADelayedMessage_IsCountedButNotReceivedUntilItsTime()
    {
        await _queue.SendAsync("later", TimeSpan.FromMinutes(10), CancellationToken.None);

        Assert.Empty((await _queue.ReceiveMessagesAsync(1)).Value);
        Assert.Equal(1, await _queue.CountAsync(CancellationToken.None));
    }
}
