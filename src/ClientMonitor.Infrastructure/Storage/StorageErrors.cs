using System.Text.Json;
using System.Xml.Linq;
using Azure;
using Azure.Core;
using ClientMonitor.Infrastructure.Tables;

namespace ClientMonitor.Infrastructure.Storage;

/// <summary>
/// Reads the error code and message of a failed storage response: the Table service's OData JSON
/// (<c>{"odata.error":{"code","message":{"value"}}}</c>), the Queue service's XML (<c>&lt;Error&gt;&lt;Code&gt;</c>),
/// or the <c>x-ms-error-code</c> header. The request id is added so that a failure can be found in service logs.
/// </summary>
internal sealed class StorageErrorParser : RequestFailedDetailsParser
{
    public static readonly StorageErrorParser Instance = new();

    public override bool TryParse(Response response, out ResponseError? error, out IDictionary<string, string>? data)
    {
        var (code, message) = Read(response);
        response.Headers.TryGetValue("x-ms-error-code", out var headerCode);
        error = new ResponseError(code ?? headerCode, message ?? response.ReasonPhrase);
        data = response.Headers.RequestId is { } requestId
            ? new Dictionary<string, string> { ["RequestId"] = requestId }
            : null;
        return true;
    }

    private static (string? Code, string? Message) Read(Response response)
    {
        var body = response.Content?.ToString();
        if (string.IsNullOrWhiteSpace(body))
        {
            return (null, null);
        }

        try
        {
            if (body.TrimStart().StartsWith('{'))
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.TryGetProperty("odata.error", out var odata))
                {
                    var code = odata.TryGetProperty("code", out var c) ? c.GetString() : null;
                    var message = odata.TryGetProperty("message", out var m)
                        ? m.ValueKind == JsonValueKind.Object && m.TryGetProperty("value", out var v) ? v.GetString() : m.ToString()
                        : null;
                    return (code, message);
                }
            }
            else if (body.TrimStart().StartsWith('<'))
            {
                var root = XDocument.Parse(body).Root;
                return (root?.Element("Code")?.Value, root?.Element("Message")?.Value?.Split('\n')[0]);
            }
        }
        catch (Exception ex) when (ex is JsonException or System.Xml.XmlException)
        {
            // A malformed error body still yields the status and header code.
        }

        return (null, null);
    }
}

internal static class StorageResponse
{
    /// <summary>Throws the failure of <paramref name="response"/> unless its status is in <paramref name="accepted"/>.</summary>
    public static void EnsureSuccess(Response response, params ReadOnlySpan<int> accepted)
    {
        if (accepted.Contains(response.Status) || (!response.IsError && accepted.IsEmpty))
        {
            return;
        }

        throw Failure(response);
    }

    public static RequestFailedException Failure(Response response)
        => response.Status == 412
            ? new TableConcurrencyException(response)
            : new RequestFailedException(response, null, StorageErrorParser.Instance);
}
