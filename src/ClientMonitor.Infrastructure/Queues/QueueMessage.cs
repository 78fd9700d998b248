namespace ClientMonitor.Infrastructure.Queues;

/// <summary>
/// A message received from a queue, with what is needed to delete it or change its visibility. <c>Text</c> is the
/// decoded text, or null when the stored text was not valid base64; <c>RawText</c> is the text exactly as stored, so
/// that a message we cannot decode can still be moved aside intact.
/// </summary>
public sealed record QueueMessage(
    string MessageId,
    string PopReceipt,
    string? Text,
    string RawText,
    long DequeueCount,
    DateTimeOffset InsertionTime,
    DateTimeOffset ExpirationTime,
    DateTimeOffset? NextVisibleTime);

/// <summary>What the service returns for a sent message.</summary>
public sealed record SendReceipt(string MessageId, string PopReceipt, DateTimeOffset InsertionTime, DateTimeOffset? NextVisibleTime);
