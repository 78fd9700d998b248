using ClientMonitor.Core;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Preferences;
using ClientMonitor.Core.Scheduling;

namespace ClientMonitor.Application.Api;

/// <summary>Body of <c>PUT /me</c> (only the fields sent change) and <c>POST /</c> (which also names <c>user_id</c>).</summary>
public sealed record PreferencesRequest(
    string? UserId,
    bool? NotificationEnabled,
    bool? EmailNotificationsEnabled,
    double? RelevanceThreshold,
    IReadOnlyList<EventCategory>? NotificationCategories,
    NotificationFrequency? NotificationFrequency,
    bool? AssignedClientsOnly,
    TimeOnly? DigestTime,
    int? DigestDayOfWeek);

/// <summary>
/// <c>/api/v1/user-preferences</c>, the seed's endpoints. The response is the seed's shape, which is the stored
/// record's own. A user reads and changes their own; an admin reads anyone's in the business, creates and deletes.
/// </summary>
public static class PreferencesApi
{
    public static RouteGroupBuilder MapPreferencesApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var group = api.MapGroup("/user-preferences").WithTags("User preferences");
        group.MapGet("/me", GetMineAsync).Doc("GetMyPreferences", "The caller's notification preferences (the defaults, created on first read).").Produces<UserPreferences>();
        group.MapPut("/me", UpdateMineAsync).Doc("UpdateMyPreferences", "Changes the fields sent; If-Match guards against lost updates.").Body<PreferencesRequest>().Produces<UserPreferences>().ProducesProblem(StatusCodes.Status412PreconditionFailed);
        group.MapGet("/{userId}", GetForUserAsync).Doc("GetUserPreferences", "A user's preferences (self or admin).").Produces<UserPreferences>();
        group.MapPost("/", CreateAsync).Doc("CreatePreferences", "Creates a user's preferences (admin).").Body<PreferencesRequest>().Produces<UserPreferences>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status409Conflict).RequireAuthorization(ApiRoles.AdminPolicy);
        group.MapDelete("/{userId}", DeleteAsync).Doc("DeletePreferences", "Deletes a user's preferences (admin); the preferences' own id is accepted too.").Produces(StatusCodes.Status204NoContent).RequireAuthorization(ApiRoles.AdminPolicy);
        return group;
    }

    /// <summary>The caller's preferences, created with the defaults on first read (seed behaviour).</summary>
    private static async Task<IResult> GetMineAsync(HttpContext context, IPreferenceStore store, TimeProvider time, CancellationToken ct)
    {
        var caller = context.Caller();
        var found = await GetOrCreateAsync(store, caller, time, ct);
        ApiETags.Set(context, found.ETag);
        return TypedResults.Ok(found.Value);
    }

    private static async Task<IResult> UpdateMineAsync(HttpContext context, IPreferenceStore store, TimeProvider time, CancellationToken ct)
    {
        var caller = context.Caller();
        var (body, problem) = await ApiBody.ReadAsync<PreferencesRequest>(context.Request, ct);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.Has("user_id") && body.Value.UserId != caller.UserId)
        {
            return ApiProblems.Invalid("user_id", "PUT /me changes your own preferences; leave user_id out.");
        }

        var current = await GetOrCreateAsync(store, caller, time, ct);
        if (!ApiETags.Matches(context.Request, current.ETag))
        {
            return ApiProblems.Stale();
        }

        var (updated, errors) = Apply(current.Value, body, time.GetUtcNow());
        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        var (result, etag) = await store.ReplaceAsync(updated, current.ETag, ct);
        if (result != WriteResult.Done)
        {
            return ApiProblems.Stale();
        }

        ApiETags.Set(context, etag!);
        return TypedResults.Ok(updated);
    }

    private static async Task<IResult> GetForUserAsync(HttpContext context, string userId, IPreferenceStore store, ITenantStore tenants, TimeProvider time, CancellationToken ct)
    {
        var caller = context.Caller();
        if (userId != caller.UserId && !caller.IsAdmin)
        {
            return ApiProblems.Forbidden("Only an admin may read another user's preferences.");
        }

        if (await tenants.GetUserAsync(caller.BusinessId, userId, ct) is null)
        {
            return ApiProblems.NotFound("user");
        }

        var found = await store.GetVersionedAsync(caller.BusinessId, userId, ct);
        if (found is null)
        {
            // Not saved yet: the defaults are what the pipeline applies to this user.
            return TypedResults.Ok(UserPreferences.Default(caller.BusinessId, userId, time.GetUtcNow()));
        }

        ApiETags.Set(context, found.ETag);
        return TypedResults.Ok(found.Value);
    }

    private static async Task<IResult> CreateAsync(HttpContext context, IPreferenceStore store, ITenantStore tenants, TimeProvider time, CancellationToken ct)
    {
        var caller = context.Caller();
        var (body, problem) = await ApiBody.ReadAsync<PreferencesRequest>(context.Request, ct);
        if (problem is not null)
        {
            return problem;
        }

        var userId = body!.Value.UserId;
        if (string.IsNullOrWhiteSpace(userId))
        {
            return ApiProblems.Invalid("user_id", "Required: the user whose preferences these are.");
        }

        if (!ApiIds.IsValid(userId))
        {
            return ApiProblems.Invalid("user_id", "No user with that id in your business.");
        }

        if (await tenants.GetUserAsync(caller.BusinessId, userId, ct) is null)
        {
            return ApiProblems.Invalid("user_id", "No user with that id in your business.");
        }

        var now = time.GetUtcNow();
        var (preferences, errors) = Apply(UserPreferences.Default(caller.BusinessId, userId, now), body, now);
        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        var (result, etag) = await store.CreateAsync(preferences, ct);
        if (result == WriteResult.Exists)
        {
            return ApiProblems.Conflict("This user already has preferences; change them with PUT.");
        }

        ApiETags.Set(context, etag!);
        return TypedResults.Created($"/api/v1/user-preferences/{userId}", preferences);
    }

    /// <summary>
    /// One path template, one parameter name (OpenAPI allows no other): the user's id, or, as the product's first
    /// clients send it, the preferences' own id.
    /// </summary>
    private static async Task<IResult> DeleteAsync(HttpContext context, string userId, IPreferenceStore store, CancellationToken ct)
    {
        var caller = context.Caller();
        var all = await store.ListAsync(caller.BusinessId, ct);
        var match = all.FirstOrDefault(p => p.UserId == userId) ?? all.FirstOrDefault(p => p.Id == userId);
        if (match is null)
        {
            return ApiProblems.NotFound("preferences");
        }

        var found = await store.GetVersionedAsync(caller.BusinessId, match.UserId, ct);
        if (found is null)
        {
            return ApiProblems.NotFound("preferences");
        }

        if (!ApiETags.Matches(context.Request, found.ETag))
        {
            return ApiProblems.Stale();
        }

        return await store.DeleteAsync(caller.BusinessId, match.UserId, found.ETag, ct) == WriteResult.Stale ? ApiProblems.Stale() : TypedResults.NoContent();
    }

    private static async Task<Versioned<UserPreferences>> GetOrCreateAsync(IPreferenceStore store, Caller caller, TimeProvider time, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var found = await store.GetVersionedAsync(caller.BusinessId, caller.UserId, ct);
            if (found is not null)
            {
                return found;
            }

            var defaults = UserPreferences.Default(caller.BusinessId, caller.UserId, time.GetUtcNow());
            var (result, etag) = await store.CreateAsync(defaults, ct);
            if (result == WriteResult.Done)
            {
                return new Versioned<UserPreferences>(defaults, etag!);
            }

            if (attempt > 3)
            {
                throw new InvalidOperationException("Preferences kept appearing and disappearing while being created.");
            }
        }
    }

    private static (UserPreferences Updated, List<FieldError> Errors) Apply(UserPreferences p, Body<PreferencesRequest> body, DateTimeOffset now)
    {
        var r = body.Value;
        var errors = body.NullErrors("notification_enabled", "email_notifications_enabled", "relevance_threshold", "notification_frequency", "assigned_clients_only", "digest_time", "digest_day_of_week").ToList();

        if (r.RelevanceThreshold is { } threshold && threshold is < 0 or > 1)
        {
            errors.Add(new("relevance_threshold", "Use a number from 0 to 1."));
        }

        if (r.DigestDayOfWeek is < 0 or > 6)
        {
            errors.Add(new("digest_day_of_week", "Use 0..6 (0 = Monday)."));
        }

        if (r.NotificationCategories is { Count: 0 })
        {
            errors.Add(new("notification_categories", "Give at least one category, or null for every category."));
        }

        var updated = p with
        {
            NotificationEnabled = r.NotificationEnabled ?? p.NotificationEnabled,
            EmailNotificationsEnabled = r.EmailNotificationsEnabled ?? p.EmailNotificationsEnabled,
            RelevanceThreshold = r.RelevanceThreshold ?? p.RelevanceThreshold,
            NotificationCategories = body.Has("notification_categories") ? r.NotificationCategories?.Distinct().ToList() : p.NotificationCategories,
            NotificationFrequency = r.NotificationFrequency ?? p.NotificationFrequency,
            AssignedClientsOnly = r.AssignedClientsOnly ?? p.AssignedClientsOnly,
            DigestTime = r.DigestTime ?? p.DigestTime,
            DigestDayOfWeek = r.DigestDayOfWeek ?? p.DigestDayOfWeek,
            UpdatedAt = now,
        };
        return (updated, errors);
    }
}
