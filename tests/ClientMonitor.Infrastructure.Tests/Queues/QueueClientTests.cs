using Azure;
using ClientMonitor.Infrastructure.Queues;
using ClientMonitor.Testing;

namespace ClientMonitor.Infrastructure.Tests.Queues;

public sealed class QueueClientTests : IAsyncLifetime
{
    private QueueClient _queue = null!;

    public async Task InitializeAsync()
    {
        var azurite = await Azurite.SharedAsync();
        _queue = azurite.CreateQueueService().GetQueueClient("q-" + Azurite.UniqueName("x"));
        Assert.True(await _queue.CreateIfNotExistsAsync());
    }

    public Task DisposeAsync() => _queue.DeleteIfExistsAsync();

    [Fact]
    public async Task CreateIfNotExists_SecondCall_ReportsExisting()
    {
        Assert.False(await _queue.CreateIfNotExistsAsync());
    }

    [Fact]
    public async Task SendReceiveDelete_RoundTripsTextWithMarkupAndUnicode()
    {
        const string text = "{\"clientId\":\"<a & b>\",\"name\":\"Zürich ✓\"}";
        await _queue.SendMessageAsync(text);

        var received = Assert.Single(await _queue.ReceiveMessagesAsync(5, TimeSpan.FromSeconds(30)));
        Assert.Equal(text, received.Text);
        Assert.Equal(1, received.DequeueCount);

        await _queue.DeleteMessageAsync(received.MessageId, received.PopReceipt);
        Assert.Empty(await _queue.PeekMessagesAsync());
    }

    [Fact]
    public async Task Receive_HidesMessageUntilVisibilityIsReset()
    {
        await _queue.SendMessageAsync("m");
        var first = Assert.Single(await _queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(5)));

        Assert.Empty(await _queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(5)));

        await _queue.UpdateVisibilityAsync(first.MessageId, first.PopReceipt, TimeSpan.Zero);
        var second = Assert.Single(await _queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(5)));
        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal(2, second.DequeueCount);
    }

    [Fact]
    public async Task Send_WithVisibilityDelay_StaysHidden()
    {
        await _queue.SendMessageAsync("later", visibilityDelay: TimeSpan.FromMinutes(10));

        Assert.Empty(await _queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal(1, await _queue.GetApproximateMessageCountAsync());
    }

    [Fact]
    public async Task Peek_DoesNotCountADequeue()
    {
        await _queue.SendMessageAsync("a");
        await _queue.SendMessageAsync("b");

        Assert.Equal(2, (await _queue.PeekMessagesAsync()).Count);
        var received = await _queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30));
        Assert.All(received, m => Assert.Equal(1, m.DequeueCount));
    }

    [Fact]
    public async Task Delete_WithStalePopReceipt_FailsClearly()
    {
        await _queue.SendMessageAsync("m");
        var first = Assert.Single(await _queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30)));
        await _queue.UpdateVisibilityAsync(first.MessageId, first.PopReceipt, TimeSpan.FromSeconds(30));

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => _queue.DeleteMessageAsync(first.MessageId, first.PopReceipt));

        Assert.Equal(400, ex.Status);
        Assert.False(string.IsNullOrEmpty(ex.ErrorCode));
    }

    [Fact]
    public async Task Operations_OnMissingQueue_SurfaceStatusAndErrorCode()
    {
        var azurite = await Azurite.SharedAsync();
        var missing = azurite.CreateQueueService().GetQueueClient("missing-" + Azurite.UniqueName("q"));

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => missing.SendMessageAsync("x"));

        Assert.Equal(404, ex.Status);
        Assert.Equal("QueueNotFound", ex.ErrorCode);
    }

    [Fact]
    public void InvalidQueueName_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => new QueueServiceClient(new Uri("http://127.0.0.1:1/a"), new Infrastructure.Storage.StorageSharedKeyCredential("a", "AAAA")).GetQueueClient("Bad_Name"));
    }
}
