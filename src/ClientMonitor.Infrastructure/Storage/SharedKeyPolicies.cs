using System.Globalization;
using System.Text;
using System.Web;
using Azure.Core;
using Azure.Core.Pipeline;

namespace ClientMonitor.Infrastructure.Storage;

/// <summary>Stamps <c>x-ms-date</c> on every try (a retried request must carry a fresh date).</summary>
internal sealed class StorageDatePolicy(TimeProvider timeProvider) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
        => message.Request.Headers.SetValue("x-ms-date", timeProvider.GetUtcNow().ToString("R", CultureInfo.InvariantCulture));
}

/// <summary>
/// Table service Shared Key Lite: <c>StringToSign = x-ms-date + "\n" + "/" + account + path [+ "?comp=" + value]</c>.
/// </summary>
internal sealed class TableSharedKeyLitePolicy(StorageSharedKeyCredential credential) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        request.Headers.TryGetValue("x-ms-date", out var date);
        var uri = request.Uri.ToUri();
        var resource = new StringBuilder("/").Append(credential.AccountName).Append(uri.AbsolutePath);
        var comp = HttpUtility.ParseQueryString(uri.Query)["comp"];
        if (comp is not null)
        {
            resource.Append("?comp=").Append(comp);
        }

        var signature = credential.ComputeSignature($"{date}\n{resource}");
        request.Headers.SetValue("Authorization", $"SharedKeyLite {credential.AccountName}:{signature}");
    }
}

/// <summary>Blob/Queue service Shared Key, with canonicalized x-ms headers and query parameters.</summary>
internal sealed class QueueSharedKeyPolicy(StorageSharedKeyCredential credential) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        string Header(string name) => request.Headers.TryGetValue(name, out var value) ? value : string.Empty;

        var contentLength = request.Content is not null && request.Content.TryComputeLength(out var length) && length > 0
            ? length.ToString(CultureInfo.InvariantCulture)
            : string.Empty;

        var builder = new StringBuilder()
            .Append(request.Method.Method).Append('\n')
            .Append(Header("Content-Encoding")).Append('\n')
            .Append(Header("Content-Language")).Append('\n')
            .Append(contentLength).Append('\n')
            .Append(Header("Content-MD5")).Append('\n')
            .Append(Header("Content-Type")).Append('\n')
            .Append('\n') // Date: x-ms-date is used instead.
            .Append(Header("If-Modified-Since")).Append('\n')
            .Append(Header("If-Match")).Append('\n')
            .Append(Header("If-None-Match")).Append('\n')
            .Append(Header("If-Unmodified-Since")).Append('\n')
            .Append(Header("Range")).Append('\n');

        foreach (var header in request.Headers
                     .Where(h => h.Name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
                     .Select(h => (Name: h.Name.ToLowerInvariant(), h.Value))
                     .OrderBy(h => h.Name, StringComparer.Ordinal))
        {
            builder.Append(header.Name).Append(':').Append(header.Value.Trim()).Append('\n');
        }

        var uri = request.Uri.ToUri();
        builder.Append('/').Append(credential.AccountName).Append(uri.AbsolutePath);
        var query = HttpUtility.ParseQueryString(uri.Query);
        foreach (var name in query.AllKeys.Where(k => k is not null).Select(k => k!).OrderBy(k => k.ToLowerInvariant(), StringComparer.Ordinal))
        {
            var values = query.GetValues(name) ?? [];
            builder.Append('\n').Append(name.ToLowerInvariant()).Append(':')
                .Append(string.Join(',', values.OrderBy(v => v, StringComparer.Ordinal)));
        }

        var signature = credential.ComputeSignature(builder.ToString());
        request.Headers.SetValue("Authorization", $"SharedKey {credential.AccountName}:{signature}");
    }
}
