using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Scheduling;

namespace ClientMonitor.Application.Api;

/// <summary>RFC 7807 problem details for every error the API returns, naming the field at fault where there is one.</summary>
public static class ApiProblems
{
    public static IResult Status(int status, string title, string detail) => TypedResults.Problem(detail, statusCode: status, title: title);

    public static IResult NotFound(string what) => Status(StatusCodes.Status404NotFound, "Not found", $"No {what} with that id in your business.");

    public static IResult Conflict(string detail) => Status(StatusCodes.Status409Conflict, "Conflict", detail);

    public static IResult Forbidden(string detail) => Status(StatusCodes.Status403Forbidden, "Forbidden", detail);

    public static IResult Stale() => Status(StatusCodes.Status412PreconditionFailed, "Precondition failed", "The resource changed since you read it (If-Match does not match its ETag); read it again and retry.");

    /// <summary>422 with <c>errors</c> keyed by field (snake_case, dotted for nested fields).</summary>
    public static IResult Invalid(IEnumerable<FieldError> errors)
    {
        var byField = errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray());
        return TypedResults.Problem(new HttpValidationProblemDetails(byField)
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Title = "Invalid request",
            Detail = "One or more fields are invalid: " + string.Join(", ", byField.Keys),
        });
    }

    public static IResult Invalid(string field, string message) => Invalid([new FieldError(field, message)]);

    /// <summary>Writes a problem straight to the response (for authentication events, outside endpoint results).</summary>
    public static async Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = status;
        var writer = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await writer.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = { Status = status, Title = title, Detail = detail } });
    }
}

/// <summary>A JSON body read strictly: the typed value, which fields the client sent, and which it sent as null (for partial updates).</summary>
public sealed record Body<T>(T Value, IReadOnlySet<string> Present, IReadOnlySet<string> Nulls)
{
    public bool Has(string field) => Present.Contains(field);

    /// <summary>An error for each of <paramref name="fields"/> sent as an explicit null (fields that can be left out, not cleared).</summary>
    public IEnumerable<FieldError> NullErrors(params string[] fields)
        => fields.Where(Nulls.Contains).Select(f => new FieldError(f, "Cannot be null; leave the field out to keep its value."));
}

/// <summary>
/// Reads request bodies the way the API promises: 413 when larger than <see cref="MaxBytes"/>, 400 when not JSON or
/// not an object, 422 naming the field for unknown fields and values of the wrong type.
/// </summary>
public static class ApiBody
{
    public const int MaxBytes = 64 * 1024;

    private static readonly JsonDocumentOptions StrictDocument = new() { AllowDuplicateProperties = false, MaxDepth = 32 };

    /// <summary>
    /// The first value no field of ours can take, wherever it is in the body: a string (or name) with a lone UTF-16
    /// surrogate, which storage cannot encode, or a null inside an array (no list of ours holds nulls).
    /// </summary>
    private static (string Field, string Reason)? FirstUnusable(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    var field = path == "body" ? name : path + "." + name;
                    if (HasLoneSurrogate(name))
                    {
                        return (path, "A property name is not valid Unicode (a lone surrogate).");
                    }

                    if (FirstUnusable(value, field) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is null)
                    {
                        return (path, $"Item {i} is null; a list holds values only.");
                    }

                    if (FirstUnusable(array[i], path) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                return IsUnicode(value) ? null : (path, "Not valid Unicode text (a lone surrogate such as \\ud800).");
            default:
                return null;
        }
    }

    /// <summary>The parser keeps an escaped lone surrogate (<c>"\\ud800"</c>) as it is, and reading it as text throws.</summary>
    private static bool IsUnicode(JsonValue value)
    {
        try
        {
            return !HasLoneSurrogate(value.GetValue<string>());
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }

    public static async Task<(Body<T>? Body, IResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > MaxBytes)
        {
            return (null, TooLarge());
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                return (null, TooLarge());
            }

            buffer.Write(chunk, 0, read);
        }

        JsonObject? root;
        try
        {
            // A repeated property name is malformed, not "the last one wins" (and it used to fail later, as a 500).
            root = buffer.Length == 0 ? null : JsonNode.Parse(buffer.ToArray(), documentOptions: StrictDocument) as JsonObject;
        }
        catch (JsonException ex)
        {
            return (null, ApiProblems.Status(StatusCodes.Status400BadRequest, "Malformed JSON", "The body is not valid JSON: " + ex.Message));
        }
        catch (InvalidOperationException)
        {
            // The duplicate-name check decodes every property name; one with a lone UTF-16 surrogate cannot be decoded.
            return (null, ApiProblems.Status(StatusCodes.Status400BadRequest, "Malformed JSON", "A property name is not valid Unicode (a lone UTF-16 surrogate)."));
        }

        if (root is null)
        {
            return (null, ApiProblems.Status(StatusCodes.Status400BadRequest, "Malformed JSON", "The body must be a JSON object."));
        }

        if (FirstUnusable(root, "body") is { } unusable)
        {
            return (null, ApiProblems.Invalid(unusable.Field, unusable.Reason));
        }

        var known = WireJson.Options.GetTypeInfo(typeof(T)).Properties.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var unknown = root.Select(p => p.Key).Where(k => !known.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            return (null, ApiProblems.Invalid(unknown.Select(k => new FieldError(k, "Unknown field; it is rejected rather than ignored. Check its spelling (fields are snake_case)."))));
        }

        try
        {
            var value = root.Deserialize<T>(StrictJson.Options) ?? throw new JsonException("The body must be a JSON object.");
            var present = root.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
            var nulls = root.Where(p => p.Value is null).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
            return (new Body<T>(value, present, nulls), null);
        }
        catch (JsonException ex)
        {
            var field = ex.Path is { Length: > 2 } path ? path[2..] : "body";
            return (null, ApiProblems.Invalid(field, Expected(typeof(T), field)));
        }
    }

    /// <summary>What the field at <paramref name="path"/> takes, in wire terms (never a .NET type name).</summary>
    private static string Expected(Type root, string path)
    {
        var type = root;
        foreach (var segment in path.Split('.'))
        {
            var name = segment.Split('[')[0];
            var property = WireJson.Options.GetTypeInfo(type).Properties.FirstOrDefault(p => p.Name == name);
            if (property is null)
            {
                return "The value has the wrong type.";
            }

            type = Unwrap(property.PropertyType);
        }

        return type switch
        {
            _ when type.IsEnum => "Use one of: " + string.Join(", ", Enum.GetValues(type).Cast<object>().Select(v => JsonSerializer.Serialize(v, type, WireJson.Options).Trim('"'))) + ".",
            _ when type == typeof(bool) => "Expected true or false.",
            _ when type == typeof(int) => "Expected a whole number.",
            _ when type == typeof(double) => "Expected a number.",
            _ when type == typeof(string) => "Expected a string.",
            _ when type == typeof(TimeOnly) => "Expected a time of day such as \"09:00:00\".",
            _ => "The value has the wrong type.",
        };
    }

    private static Type Unwrap(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var list = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) ? type.GetGenericArguments()[0] : null;
        return list is null ? type : Nullable.GetUnderlyingType(list) ?? list;
    }

    private static IResult TooLarge() => ApiProblems.Status(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"Request bodies are limited to {MaxBytes / 1024} KiB.");
}

/// <summary>The wire JSON options with unknown members rejected at every depth (nested objects such as <c>config</c>).</summary>
public static class StrictJson
{
    public static readonly JsonSerializerOptions Options = new(WireJson.Options) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };
}

/// <summary>
/// HTTP ETags for stored rows: a strong tag derived from the storage ETag (which stays internal). <c>If-Match</c>
/// is honoured on updates and deletes: a tag that no longer matches gives 412.
/// </summary>
public static class ApiETags
{
    public static string ToHttp(string storageETag) => "\"" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(storageETag)))[..20] + "\"";

    /// <summary>True when the request has no If-Match, or one that matches (or is <c>*</c>).</summary>
    public static bool Matches(HttpRequest request, string storageETag)
    {
        ArgumentNullException.ThrowIfNull(request);
        var ifMatch = request.Headers.IfMatch.ToString();
        if (string.IsNullOrWhiteSpace(ifMatch))
        {
            return true;
        }

        var current = ToHttp(storageETag);
        return ifMatch.Split(',').Select(t => t.Trim()).Any(t => t == "*" || t == current);
    }

    public static void Set(HttpContext context, string storageETag)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Headers.ETag = ToHttp(storageETag);
    }
}

/// <summary>Shared paging rules: <c>skip</c> from 0, <c>limit</c> 1..100 with a default of 50.</summary>
public static class Paging
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 100;

    public static IReadOnlyList<FieldError> Validate(int? skip, int? limit)
    {
        var errors = new List<FieldError>();
        if (skip is < 0)
        {
            errors.Add(new("skip", "Use 0 or more."));
        }

        if (limit is < 1 or > MaxLimit)
        {
            errors.Add(new("limit", $"Use 1..{MaxLimit} (default {DefaultLimit})."));
        }

        return errors;
    }
}

/// <summary>
/// Problem details whatever the request's <c>Accept</c> says: the default writer declines a caller that accepts only,
/// say, <c>text/html</c>, which left refusals written outside endpoints (401, 403, 429, 404 of routing) without a
/// body, or failing. Registered after the default writer, so it answers only what that one declines.
/// </summary>
internal sealed class AlwaysJsonProblemWriter(IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problem = context.ProblemDetails;
        problem.Status ??= context.HttpContext.Response.StatusCode;
        problem.Title ??= ReasonPhrases.GetReasonPhrase(problem.Status.Value);
        return new ValueTask(context.HttpContext.Response.WriteAsJsonAsync(problem, problem.GetType(), json.Value.SerializerOptions, "application/problem+json", context.HttpContext.RequestAborted));
    }
}
