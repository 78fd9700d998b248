using System.Globalization;
using System.Text;

namespace ClientMonitor.Core.Pipeline;

/// <summary>
/// Removes repeats across sources: two items are the same when their normalized URLs match, their normalized
/// titles match, or their content hashes match. The first item seen wins, so list sources in order of preference.
/// </summary>
public static class Deduplication
{
    private static readonly string[] TrackingParameters = ["utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ref", "cmpid", "ocid"];

    public static IReadOnlyList<SearchItem> Distinct(IEnumerable<SearchItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var urls = new HashSet<string>(StringComparer.Ordinal);
        var titles = new HashSet<string>(StringComparer.Ordinal);
        var hashes = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<SearchItem>();
        foreach (var item in items)
        {
            var url = NormalizeUrl(item.Url);
            var title = NormalizeTitle(item.Title);
            var hash = ContentHash(item);
            if (urls.Contains(url) || (title.Length > 0 && titles.Contains(title)) || hashes.Contains(hash))
            {
                continue;
            }

            urls.Add(url);
            titles.Add(title);
            hashes.Add(hash);
            result.Add(item);
        }

        return result;
    }

    /// <summary>
    /// Lowercase scheme and host, no <c>www.</c>, no fragment, no tracking parameters, sorted query, no trailing
    /// slash; http and https are the same page.
    /// </summary>
    public static string NormalizeUrl(string url)
    {
        if (!Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri))
        {
            return (url ?? string.Empty).Trim();
        }

        var host = uri.Host.StartsWith("www.", StringComparison.OrdinalIgnoreCase) ? uri.Host[4..] : uri.Host;
        var query = uri.Query.TrimStart('?')
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !TrackingParameters.Any(t => p.StartsWith(t, StringComparison.OrdinalIgnoreCase)))
            .Order(StringComparer.Ordinal)
            .ToList();
        var path = uri.AbsolutePath.Length > 1 ? uri.AbsolutePath.TrimEnd('/') : string.Empty;
        var port = uri.IsDefaultPort ? string.Empty : ":" + uri.Port.ToString(CultureInfo.InvariantCulture);
        return host + port + path + (query.Count > 0 ? "?" + string.Join('&', query) : string.Empty);
    }

    /// <summary>Letters and digits only, lowercased, single spaces; drops a trailing " - Publisher" suffix.</summary>
    public static string NormalizeTitle(string title)
    {
        ArgumentNullException.ThrowIfNull(title);
        var cut = title.LastIndexOf(" - ", StringComparison.Ordinal);
        if (cut > 20)
        {
            title = title[..cut];
        }

        var builder = new StringBuilder(title.Length);
        var space = false;
        foreach (var c in title)
        {
            if (char.IsLetterOrDigit(c))
            {
                builder.Append(char.ToLowerInvariant(c));
                space = false;
            }
            else if (!space && builder.Length > 0)
            {
                builder.Append(' ');
                space = true;
            }
        }

        return builder.ToString().TrimEnd();
    }

    /// <summary>
    /// SHA-256 of the normalized title and snippet: the same story syndicated under another URL has the same hash.
    /// </summary>
    public static string ContentHash(SearchItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return StableId.Hash(NormalizeTitle(item.Title) + "\n" + NormalizeTitle(item.Snippet ?? string.Empty));
    }
}
