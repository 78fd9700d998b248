using System.Globalization;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Scheduling;

namespace ClientMonitor.Application.Api;

/// <summary>
/// Query-string values parsed by hand so that a bad one gives a 422 naming the parameter (model binding would give
/// a bare 400 without saying which).
/// </summary>
public sealed class Query(HttpRequest request)
{
    private readonly List<FieldError> _errors = [];

    public IReadOnlyList<FieldError> Errors => _errors;

    /// <summary>The longest query value read: ids and keys are at most 512 characters, an email address 320.</summary>
    public const int MaxTextLength = 512;

    public string? Text(string name)
    {
        var text = request.Query.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v.ToString()) ? v.ToString() : null;
        if (text is { Length: > MaxTextLength })
        {
            _errors.Add(new(name, $"At most {MaxTextLength} characters."));
            return null;
        }

        return text;
    }

    public int? WholeNumber(string name)
    {
        var text = Text(name);
        if (text is null)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        _errors.Add(new(name, $"'{text}' is not a whole number."));
        return null;
    }

    public double? Number(string name)
    {
        var text = Text(name);
        if (text is null)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        _errors.Add(new(name, $"'{text}' is not a number."));
        return null;
    }

    public bool? Bool(string name)
    {
        var text = Text(name);
        if (text is null)
        {
            return null;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        _errors.Add(new(name, $"'{text}' is not true or false."));
        return null;
    }

    public DateTimeOffset? Date(string name)
    {
        var text = Text(name);
        if (text is null)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            return value;
        }

        _errors.Add(new(name, $"'{text}' is not an ISO 8601 date or time."));
        return null;
    }

    /// <summary>A snake_case enum value as on the wire (<c>client_monitoring</c>).</summary>
    public TEnum? Enum<TEnum>(string name)
        where TEnum : struct, System.Enum
    {
        var text = Text(name);
        if (text is null)
        {
            return null;
        }

        try
        {
            return WireJson.Deserialize<TEnum>("\"" + text.Replace("\"", string.Empty, StringComparison.Ordinal) + "\"");
        }
        catch (System.Text.Json.JsonException)
        {
            var allowed = System.Enum.GetValues<TEnum>().Select(WireJson.Name);
            _errors.Add(new(name, $"'{text}' is not one of: {string.Join(", ", allowed)}."));
            return null;
        }
    }

    /// <summary>
    /// The <c>cursor</c> of a list that pages by cursor: the <c>next</c> link of the page before carries it, so a
    /// caller follows links and never builds one.
    /// </summary>
    public string? Cursor() => Text("cursor");

    /// <summary>
    /// The link to the page after the one being answered: this request's path and query with <c>cursor</c> set and
    /// <c>skip</c> dropped (the cursor already stands where the skipped rows ended).
    /// </summary>
    public static string? NextLink(HttpRequest request, string? cursor)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (cursor is null)
        {
            return null;
        }

        var kept = request.Query.Where(p => p.Key is not ("cursor" or "skip")).SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string?>(p.Key, v)));
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(request.PathBase + request.Path, [.. kept, new("cursor", cursor)]);
    }

    /// <summary>Reads <c>skip</c> and <c>limit</c> with the shared bounds.</summary>
    public (int Skip, int Limit) Page()
    {
        var skip = WholeNumber("skip");
        var limit = WholeNumber("limit");
        _errors.AddRange(Paging.Validate(skip, limit));
        return (Math.Max(0, skip ?? 0), Math.Clamp(limit ?? Paging.DefaultLimit, 1, Paging.MaxLimit));
    }
}
