using System.Globalization;
using System.Security;
using System.Text;
using System.Xml.Linq;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using ClientMonitor.Infrastructure.Storage;

namespace ClientMonitor.Infrastructure.Queues;

/// <summary>
/// One queue over the Queue service REST API. Message text is sent base64-encoded (UTF-8), the encoding the
/// Functions queue trigger expects by default (<c>extensions.queues.messageEncoding: base64</c>).
/// </summary>
public sealed class QueueClient
{
    /// <summary>The service's limit on one message, after base64 encoding.</summary>
    public const int MaxMessageBytes = 64 * 1024;

    private readonly HttpPipeline _pipeline;
    private readonly string _queueUri;

    internal QueueClient(QueueServiceClient service, string queueName)
    {
        ValidateQueueName(queueName);
        _pipeline = service.Pipeline;
        _queueUri = service.Endpoint + "/" + queueName;
        Name = queueName;
    }

    public string Name { get; }

    /// <summary>Creates the queue; returns true if it was created, false if it already existed.</summary>
    public async Task<bool> CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Put, string.Empty);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        StorageResponse.EnsureSuccess(response, 201, 204, 409);
        return response.Status == 201;
    }

    public async Task DeleteIfExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Delete, string.Empty);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        StorageResponse.EnsureSuccess(response, 204, 404);
    }

    /// <summary>
    /// Adds a message. <paramref name="visibilityDelay"/> hides it until then (at most 7 days);
    /// <paramref name="timeToLive"/> defaults to never expiring, so nothing ages out unseen.
    /// </summary>
    public async Task<Response<SendReceipt>> SendMessageAsync(string text, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
        if (encoded.Length > MaxMessageBytes)
        {
            throw new ArgumentException($"The message is {encoded.Length} bytes after encoding; a queue message holds at most {MaxMessageBytes}.", nameof(text));
        }

        var query = string.Create(CultureInfo.InvariantCulture,
            $"?visibilitytimeout={Seconds(visibilityDelay ?? TimeSpan.Zero)}&messagettl={(timeToLive is { } ttl ? Seconds(ttl) : -1)}");
        var body = $"<QueueMessage><MessageText>{SecurityElement.Escape(encoded)}</MessageText></QueueMessage>";
        using var message = CreateMessage(RequestMethod.Post, "/messages" + query, Encoding.UTF8.GetBytes(body));
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        StorageResponse.EnsureSuccess(response, 201);
        var item = ParseList(response).Single();
        return Response.FromValue(
            new SendReceipt(
                item.Element("MessageId")!.Value,
                item.Element("PopReceipt")!.Value,
                Time(item.Element("InsertionTime"))!.Value,
                Time(item.Element("TimeNextVisible"))),
            response);
    }

    /// <summary>Takes up to <paramref name="maxMessages"/> (1-32) messages, hiding them for <paramref name="visibilityTimeout"/>.</summary>
    public async Task<IReadOnlyList<QueueMessage>> ReceiveMessagesAsync(int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessages, 32);
        var query = string.Create(CultureInfo.InvariantCulture, $"?numofmessages={maxMessages}&visibilitytimeout={Math.Max(1, Seconds(visibilityTimeout))}");
        using var message = CreateMessage(RequestMethod.Get, "/messages" + query);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        StorageResponse.EnsureSuccess(response, 200);
        return ParseList(response).Select(ToMessage).ToList();
    }

    /// <summary>Reads up to 32 messages without hiding them or counting a dequeue.</summary>
    public async Task<IReadOnlyList<QueueMessage>> PeekMessagesAsync(int maxMessages = 32, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessages, 32);
        using var message = CreateMessage(RequestMethod.Get, string.Create(CultureInfo.InvariantCulture, $"/messages?peekonly=true&numofmessages={maxMessages}"));
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        StorageResponse.EnsureSuccess(response, 200);
        return ParseList(response).Select(ToMessage).ToList();
    }

    /// <summary>Deletes a received message. A message already gone (deleted, or received again by someone else) is not an error.</summary>
    public async Task DeleteMessageAsync(string messageId, string popReceipt, CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Delete, MessagePath(messageId, popReceipt));
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        StorageResponse.EnsureSuccess(response, 204, 404);
    }

    /// <summary>Hides a received message for <paramref name="visibilityTimeout"/> from now (zero: visible at once); returns the new pop receipt.</summary>
    public async Task<string> UpdateVisibilityAsync(string messageId, string popReceipt, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        var path = MessagePath(messageId, popReceipt) + string.Create(CultureInfo.InvariantCulture, $"&visibilitytimeout={Seconds(visibilityTimeout)}");
        using var message = CreateMessage(RequestMethod.Put, path);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        StorageResponse.EnsureSuccess(response, 204);
        return response.Headers.TryGetValue("x-ms-popreceipt", out var receipt) ? receipt! : popReceipt;
    }

    /// <summary>The service's approximate message count (includes hidden messages).</summary>
    public async Task<int> GetApproximateMessageCountAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Get, "?comp=metadata");
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        StorageResponse.EnsureSuccess(response, 200);
        return response.Headers.TryGetValue("x-ms-approximate-messages-count", out var count)
            ? int.Parse(count!, CultureInfo.InvariantCulture)
            : 0;
    }

    private static string MessagePath(string messageId, string popReceipt)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(popReceipt);
        return $"/messages/{Uri.EscapeDataString(messageId)}?popreceipt={Uri.EscapeDataString(popReceipt)}";
    }

    private static long Seconds(TimeSpan value) => (long)Math.Ceiling(Math.Max(0, value.TotalSeconds));

    private static IEnumerable<XElement> ParseList(Response response)
        => XDocument.Parse(response.Content.ToString()).Root?.Elements("QueueMessage") ?? [];

    private static QueueMessage ToMessage(XElement item)
    {
        var raw = item.Element("MessageText")?.Value ?? string.Empty;
        string? text;
        try
        {
            text = Encoding.UTF8.GetString(Convert.FromBase64String(raw));
        }
        catch (FormatException)
        {
            text = null;
        }

        return new QueueMessage(
            item.Element("MessageId")!.Value,
            item.Element("PopReceipt")?.Value ?? string.Empty,
            text,
            raw,
            long.Parse(item.Element("DequeueCount")?.Value ?? "0", CultureInfo.InvariantCulture),
            Time(item.Element("InsertionTime"))!.Value,
            Time(item.Element("ExpirationTime"))!.Value,
            Time(item.Element("TimeNextVisible")));
    }

    private static DateTimeOffset? Time(XElement? element)
        => element is null ? null : DateTimeOffset.Parse(element.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private HttpMessage CreateMessage(RequestMethod method, string suffix, byte[]? body = null)
    {
        var message = _pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(new Uri(_queueUri + suffix));
        if (body is not null)
        {
            message.Request.Headers.SetValue("Content-Type", "application/xml");
            message.Request.Content = RequestContent.Create(body);
        }

        return message;
    }

    private async Task<Response> SendAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return message.Response;
    }

    private static void ValidateQueueName(string queueName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        var valid = queueName.Length is >= 3 and <= 63
            && char.IsAsciiLetterLower(queueName[0]) | char.IsAsciiDigit(queueName[0])
            && queueName.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            && !queueName.EndsWith('-')
            && !queueName.Contains("--", StringComparison.Ordinal);
        if (!valid)
        {
            throw new ArgumentException($"'{queueName}' is not a valid queue name (3-63 lower-case letters, digits and single hyphens).", nameof(queueName));
        }
    }
}
