using System.Globalization;

namespace ClientMonitor.Infrastructure.Storage;

/// <summary>
/// A parsed Azure Storage connection string: the table and queue endpoints and, when present, the shared key.
/// </summary>
/// <remarks>
/// Accepts <c>UseDevelopmentStorage=true</c> (Azurite on its default ports), account name and key with
/// <c>DefaultEndpointsProtocol</c>/<c>EndpointSuffix</c>, and explicit <c>TableEndpoint</c>/<c>QueueEndpoint</c>
/// (which win over derived ones). The key is kept only inside the credential and never printed.
/// </remarks>
public sealed class StorageConnectionString
{
    /// <summary>The Azurite development account name.</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    // The well-known Azurite key: public, identical on every machine, and useless against a real account.
    private const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private StorageConnectionString(Uri tableEndpoint, Uri queueEndpoint, StorageSharedKeyCredential? credential)
    {
        TableEndpoint = tableEndpoint;
        QueueEndpoint = queueEndpoint;
        Credential = credential;
    }

    public Uri TableEndpoint { get; }

    public Uri QueueEndpoint { get; }

    /// <summary>The shared key, or null for a connection string that carries none (a SAS is not supported).</summary>
    public StorageSharedKeyCredential? Credential { get; }

    /// <summary>Parses a connection string; throws <see cref="FormatException"/> naming the missing part.</summary>
    public static StorageConnectionString Parse(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var segment in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = segment.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new FormatException("The storage connection string has a part without 'name=value'.");
            }

            parts[segment[..eq]] = segment[(eq + 1)..];
        }

        if (parts.TryGetValue("UseDevelopmentStorage", out var dev) && bool.TryParse(dev, out var isDev) && isDev)
        {
            var host = parts.TryGetValue("DevelopmentStorageProxyUri", out var proxy) ? proxy.TrimEnd('/') : "http://127.0.0.1";
            return new StorageConnectionString(
                new Uri($"{host}:10002/{DevelopmentAccountName}"),
                new Uri($"{host}:10001/{DevelopmentAccountName}"),
                new StorageSharedKeyCredential(DevelopmentAccountName, DevelopmentAccountKey));
        }

        parts.TryGetValue("AccountName", out var account);
        parts.TryGetValue("AccountKey", out var key);
        var credential = account is not null && key is not null ? new StorageSharedKeyCredential(account, key) : null;

        return new StorageConnectionString(
            Endpoint(parts, "TableEndpoint", "table", account),
            Endpoint(parts, "QueueEndpoint", "queue", account),
            credential);
    }

    private static Uri Endpoint(Dictionary<string, string> parts, string explicitName, string service, string? account)
    {
        if (parts.TryGetValue(explicitName, out var explicitEndpoint))
        {
            return new Uri(explicitEndpoint.TrimEnd('/'));
        }

        if (account is null)
        {
            throw new FormatException($"The storage connection string has neither '{explicitName}' nor 'AccountName'.");
        }

        var protocol = parts.TryGetValue("DefaultEndpointsProtocol", out var p) ? p : "https";
        var suffix = parts.TryGetValue("EndpointSuffix", out var s) ? s : "core.windows.net";
        return new Uri(string.Create(CultureInfo.InvariantCulture, $"{protocol}://{account}.{service}.{suffix}"));
    }
}
