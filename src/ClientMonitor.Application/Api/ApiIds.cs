namespace ClientMonitor.Application.Api;

/// <summary>
/// What can be an id: 1..128 characters, none that storage keys forbid (<c>/ \ # ?</c> and control characters).
/// Anything else cannot name a row, so it is answered as an unknown id (404 in a route, 422 in a body) before it
/// reaches a store, whose key check would otherwise turn it into a server error.
/// </summary>
public static class ApiIds
{
    public const int MaxLength = 128;

    public static bool IsValid(string? id)
        => id is { Length: > 0 and <= MaxLength } && !id.Any(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c));

    /// <summary>The longest route value that is not an id (an alert key, for one): a storage row key's own limit.</summary>
    public const int MaxKeyLength = 512;

    /// <summary>What can be a row key: 1..512 characters, none that storage keys forbid, valid Unicode.</summary>
    public static bool IsKey(string? key)
        => key is { Length: > 0 and <= MaxKeyLength } && !key.Any(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c) || char.IsSurrogate(c));

    /// <summary>
    /// An endpoint filter for a route group: every route value is a row key of some table, so one that cannot be a
    /// key gives 404; one named <c>*Id</c> must also be an id.
    /// </summary>
    public static ValueTask<object?> RejectImpossibleRouteIds(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        foreach (var (name, value) in context.HttpContext.Request.RouteValues)
        {
            if (!IsKey(value as string) || (name.EndsWith("Id", StringComparison.Ordinal) && !IsValid(value as string)))
            {
                return ValueTask.FromResult<object?>(ApiProblems.Status(StatusCodes.Status404NotFound, "Not found", "Nothing has that id in your business."));
            }
        }

        return next(context);
    }
}
