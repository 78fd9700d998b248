using System.Net;
using System.Text.Json;
using ClientMonitor.Core.Providers;

namespace ClientMonitor.Infrastructure.Providers;

/// <summary>One HTTP exchange with a provider: success gives the JSON body; anything else a typed exception.</summary>
internal static class ProviderHttp
{
    private const int MaxErrorDetail = 300;

    /// <summary>One gateway-protected JSON call: the request is built anew for every attempt, the answer mapped at once.</summary>
    public static Task<T> CallJsonAsync<T>(this ProviderGateway gateway, HttpClient http, string provider, Func<HttpRequestMessage> request, Func<JsonElement, T> map, TimeProvider time, CancellationToken cancellationToken)
        => gateway.ExecuteAsync(provider, async ct =>
        {
            using var json = await SendForJsonAsync(http, provider, request, time, ct).ConfigureAwait(false);
            return map(json.RootElement);
        }, cancellationToken);

    public static async Task<JsonDocument> SendForJsonAsync(HttpClient http, string provider, Func<HttpRequestMessage> request, TimeProvider time, CancellationToken cancellationToken)
    {
        using var message = request();
        using var response = await http.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new ProviderHttpException(provider, response.StatusCode, Detail(body), RetryAfter(response, time));
        }

        try
        {
            return JsonDocument.Parse(body.Length == 0 ? "{}" : body);
        }
        catch (JsonException ex)
        {
            // GDELT, for one, answers 200 with a plain-text explanation when it dislikes a query.
            throw new ProviderException(provider, ProviderFailureKind.InvalidResponse, "not JSON: " + Detail(body), ex);
        }
    }

    /// <summary>Retry-After as seconds or as an HTTP date, relative to the injected clock.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        return header?.Date is { } date ? date - time.GetUtcNow() : null;
    }

    /// <summary>The start of an error body, on one line, for logs and client runs (bodies never echo our keys).</summary>
    public static string Detail(string body)
    {
        var text = body.ReplaceLineEndings(" ").Trim();
        return text.Length <= MaxErrorDetail ? text : text[..MaxErrorDetail] + "...";
    }

    public static string? String(this JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static IEnumerable<JsonElement> Array(this JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [];
}
