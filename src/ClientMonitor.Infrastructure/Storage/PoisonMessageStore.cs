using System.Globalization;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using ClientMonitor.Core.Operations;

namespace ClientMonitor.Infrastructure.Storage;

/// <summary>A message that failed too often, with why.</summary>
public sealed record PoisonRecord(string QueueName, string MessageId, long DequeueCount, string Reason, string Text, DateTimeOffset FailedAt);

/// <summary>
/// Moves messages that cannot be processed to <c>&lt;queue&gt;-poison</c> (the name the Functions host uses) and
/// records the reason in table <c>poisonmessages</c> (PartitionKey = source queue, RowKey = message id).
/// </summary>
/// <remarks>
/// The copy is sent and the reason recorded before the original is deleted, so a crash in between can leave a
/// duplicate in the poison queue but never loses the message.
/// </remarks>
public sealed class PoisonMessageStore(QueueServiceClient queues, TableServiceClient tables, TimeProvider timeProvider)
{
    public const string TableName = "poisonmessages";
    public const string UndecodableReason = "The message text is not base64-encoded UTF-8.";
    private const int MaxReasonChars = 4_000;
    private const int MaxTextChars = 30_000;
    private readonly TableClient _table = tables.GetTableClient(TableName);

    /// <summary>
    /// Makes clients built with <paramref name="options"/> move a received message that is not base64 text to its
    /// poison queue, with the reason, so it never reaches a function and is not lost.
    /// </summary>
    public static QueueClientOptions MovingUndecodableMessages(QueueClientOptions options, Func<PoisonMessageStore> store)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        options.MessageDecodingFailed += args => args.ReceivedMessage is { } message
            ? store().MoveAsync(args.Queue, message, UndecodableReason, args.CancellationToken)
            : Task.CompletedTask;
        return options;
    }

    /// <summary>
    /// Copies <paramref name="message"/> to the poison queue, records <paramref name="reason"/>, deletes the original.
    /// The text is the message's body as received: decoded, or exactly as stored when it could not be decoded.
    /// </summary>
    public async Task MoveAsync(QueueClient source, QueueMessage message, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(message);
        var text = message.Body.ToString();
        var poison = queues.GetQueueClient(QueueNames.PoisonOf(source.Name));
        await poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await poison.SendAsync(text, visibilityDelay: null, cancellationToken).ConfigureAwait(false);
        await RecordAsync(source.Name, message.MessageId, message.DequeueCount, reason, text, cancellationToken).ConfigureAwait(false);
        await source.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Records why a message failed for the last time, when someone else (the Functions host) moves it.
    /// Recording the same message again overwrites the record.
    /// </summary>
    public async Task RecordAsync(string queueName, string messageId, long dequeueCount, string reason, string text, CancellationToken cancellationToken)
    {
        await _table.UpsertEntityAsync(
            new PoisonEntity
            {
                PartitionKey = queueName,
                RowKey = messageId,
                DequeueCount = dequeueCount,
                Reason = Truncate(reason, MaxReasonChars),
                Text = Truncate(text, MaxTextChars),
                FailedAt = timeProvider.GetUtcNow(),
            },
            TableUpdateMode.Replace,
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<PoisonRecord>> ListAsync(string queueName, CancellationToken cancellationToken)
    {
        var result = new List<PoisonRecord>();
        await foreach (var row in _table.QueryAsync<PoisonEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {queueName}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            result.Add(new PoisonRecord(row.PartitionKey, row.RowKey, row.DequeueCount, row.Reason, row.Text, row.FailedAt));
        }

        return result;
    }

    private static string Truncate(string value, int max)
        => value.Length <= max ? value : string.Create(CultureInfo.InvariantCulture, $"{value[..max]}… ({value.Length - max} more characters)");

    private sealed class PoisonEntity : TableRow
    {
        public long DequeueCount { get; set; }
        public string Reason { get; set; } = string.Empty;
        public string Text { get; set; } = string.Empty;
        public DateTimeOffset FailedAt { get; set; }
    }
}
