using ClientMonitor.Application.Triggers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ClientMonitor.Functions.Hosting;

namespace ClientMonitor.Functions.Invocations;

/// <summary>The body the Functions host POSTs to <c>/{FunctionName}</c>.</summary>
public sealed class HostInvocationRequest
{
    public Dictionary<string, JsonElement>? Data { get; init; }

    public Dictionary<string, JsonElement>? Metadata { get; init; }
}

/// <summary>The body the host expects back: always JSON, even when empty, or the invocation never completes.</summary>
public sealed class HostInvocationResponse
{
    [JsonPropertyName("Outputs")]
    public Dictionary<string, object?> Outputs { get; init; } = [];

    [JsonPropertyName("Logs")]
    public List<string> Logs { get; init; } = [];

    [JsonPropertyName("ReturnValue")]
    public object? ReturnValue { get; init; }
}

/// <summary>
/// Maps the host's payload to our invocation records. The host double-encodes string data and metadata
/// (<c>"\"text\""</c>) and sends numbers as strings; with <c>dataType: binary</c> the message arrives base64-encoded.
/// Both forms, and the plain ones, are accepted.
/// </summary>
internal static class HostInvocationPayload
{
    /// <summary>The message id and try count from the metadata; readable even when the data is not.</summary>
    public static (string MessageId, long DequeueCount, DateTimeOffset? InsertionTime) ReadQueueMetadata(HostInvocationRequest request, TimeProvider timeProvider)
    {
        var metadata = request.Metadata ?? [];
        var id = MetadataString(metadata, "Id") ?? "unknown-" + timeProvider.GetUtcNow().UtcTicks.ToString(CultureInfo.InvariantCulture);
        var dequeueCount = long.TryParse(MetadataString(metadata, "DequeueCount"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) ? count : 1;
        var inserted = DateTimeOffset.TryParse(MetadataString(metadata, "InsertionTime"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : (DateTimeOffset?)null;
        return (id, dequeueCount, inserted);
    }

    public static QueueInvocation ToQueueInvocation(FunctionDefinition function, HostInvocationRequest request, TimeProvider timeProvider)
    {
        if (request.Data is null || !request.Data.TryGetValue(function.BindingName, out var data))
        {
            throw new InvalidMessageException($"The invocation has no data for binding '{function.BindingName}'.");
        }

        var text = data.ValueKind switch
        {
            JsonValueKind.String when function.DataType == "binary" => DecodeBase64(data.GetString()!),
            JsonValueKind.String => UnwrapJsonString(data.GetString()!),
            JsonValueKind.Object or JsonValueKind.Array => data.GetRawText(),
            _ => throw new InvalidMessageException($"The data of binding '{function.BindingName}' is a JSON {data.ValueKind}, not a message."),
        };
        var (id, dequeueCount, inserted) = ReadQueueMetadata(request, timeProvider);
        return new QueueInvocation(function.Name, text, id, dequeueCount, inserted);
    }

    public static TimerInvocation ToTimerInvocation(FunctionDefinition function, HostInvocationRequest request, TimeProvider timeProvider)
    {
        var now = timeProvider.GetUtcNow();
        var pastDue = false;
        if (request.Data is not null && request.Data.TryGetValue(function.BindingName, out var timer) && timer.ValueKind == JsonValueKind.Object)
        {
            pastDue = timer.TryGetProperty("IsPastDue", out var due) && due.ValueKind == JsonValueKind.True;
        }

        // The host does not say which occurrence fired; the current minute identifies it for every schedule we use.
        var scheduledFor = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero);
        return new TimerInvocation(function.Name, scheduledFor, pastDue);
    }

    private static string? MetadataString(Dictionary<string, JsonElement> metadata, string key)
    {
        var match = metadata.FirstOrDefault(m => string.Equals(m.Key, key, StringComparison.OrdinalIgnoreCase));
        return match.Key is null ? null : match.Value.ValueKind switch
        {
            JsonValueKind.String => UnwrapJsonString(match.Value.GetString()!),
            JsonValueKind.Number => match.Value.GetRawText(),
            _ => null,
        };
    }

    /// <summary>Undoes the host's second JSON encoding of a string, when it is there.</summary>
    internal static string UnwrapJsonString(string value)
    {
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            try
            {
                return JsonSerializer.Deserialize<string>(value) ?? string.Empty;
            }
            catch (JsonException)
            {
                // Not an encoded string after all: a message that merely starts and ends with quotes.
            }
        }

        return value;
    }

    private static string DecodeBase64(string value)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Convert.FromBase64String(UnwrapJsonString(value)));
        }
        catch (Exception ex) when (ex is FormatException or DecoderFallbackException)
        {
            throw new InvalidMessageException("The message data is not base64-encoded UTF-8 text.");
        }
    }
}
