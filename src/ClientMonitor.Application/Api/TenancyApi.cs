using System.Net.Mail;
using ClientMonitor.Core;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Scheduling;
using ClientMonitor.Core.Tenancy;

namespace ClientMonitor.Application.Api;

public sealed record UserResponse(string Id, string BusinessId, string Email, string Name, UserRole Role, string TimeZone)
{
    public static UserResponse From(User u) => new(u.Id, u.BusinessId, u.Email, u.Name, u.Role, u.TimeZone);
}

/// <summary>A page of users: the shape every list shares (its items, then <c>total</c>, <c>skip</c>, <c>limit</c>).</summary>
public sealed record UserList(IReadOnlyList<UserResponse> Users, int Total, int Skip, int Limit);

public sealed record UserRequest(string? Email, string? Name, UserRole? Role, string? TimeZone);

public sealed record OnboardRequest(string? Name, UserRequest? Admin);

public sealed record BusinessResponse(string Id, string Name, DateTimeOffset CreatedAt);

public sealed record OnboardResponse(BusinessResponse Business, UserResponse Admin);

/// <summary>
/// Onboarding: an operator (role <c>operator</c>, no business) creates a business with its first admin;
/// <c>/businesses/me</c> and <c>/users</c> let that admin add and manage the business's users.
/// </summary>
public static class TenancyApi
{
    public static RouteGroupBuilder MapTenancyApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var businesses = api.MapGroup("/businesses").WithTags("Businesses");
        businesses.MapPost("/", OnboardAsync).Doc("OnboardBusiness", "Creates a business with its first admin (operators only).").Body<OnboardRequest>().Produces<OnboardResponse>(StatusCodes.Status201Created).RequireAuthorization(ApiRoles.OperatorPolicy);
        businesses.MapGet("/me", GetMineAsync).Doc("GetMyBusiness", "The caller's business.").Produces<BusinessResponse>().RequireAuthorization(ApiRoles.TenantPolicy);

        var users = api.MapGroup("/users").WithTags("Users").RequireAuthorization(ApiRoles.TenantPolicy);
        users.MapGet("/", ListUsersAsync).Doc("ListUsers", "A page of the business's users, by email.").Produces<UserList>().Paged();
        users.MapGet("/{userId}", GetUserAsync).Doc("GetUser", "One user of the business.").Produces<UserResponse>();
        users.MapPost("/", CreateUserAsync).Doc("CreateUser", "Adds a user to the business (admin).").Body<UserRequest>().Produces<UserResponse>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status409Conflict).RequireAuthorization(ApiRoles.AdminPolicy);
        users.MapPut("/{userId}", UpdateUserAsync).Doc("UpdateUser", "Changes a user (admin; or self for name and time zone).").Body<UserRequest>().Produces<UserResponse>();
        users.MapDelete("/{userId}", DeleteUserAsync).Doc("DeleteUser", "Removes a user (admin).").Produces(StatusCodes.Status204NoContent).RequireAuthorization(ApiRoles.AdminPolicy);
        return api;
    }

    private static async Task<IResult> OnboardAsync(HttpContext context, ITenantStore tenants, IUserStore users, TimeProvider time, CancellationToken ct)
    {
        var (body, problem) = await ApiBody.ReadAsync<OnboardRequest>(context.Request, ct);
        if (problem is not null)
        {
            return problem;
        }

        var r = body!.Value;
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(r.Name) || r.Name.Length > 200)
        {
            errors.Add(new("name", "A business name of 1..200 characters is required."));
        }

        if (r.Admin is null)
        {
            errors.Add(new("admin", "The business's first admin user is required: email, name, time_zone."));
        }

        var businessId = Guid.NewGuid().ToString("N");
        var admin = new User(Guid.NewGuid().ToString("N"), businessId, r.Admin?.Email ?? string.Empty, r.Admin?.Name ?? string.Empty, UserRole.Admin, r.Admin?.TimeZone ?? "UTC");
        if (r.Admin is not null)
        {
            errors.AddRange(ValidateUser(admin).Select(e => e with { Field = "admin." + e.Field }));
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        var business = new Business(businessId, r.Name!.Trim(), time.GetUtcNow());
        await tenants.UpsertBusinessAsync(business, ct);
        await users.CreateAsync(admin, ct);
        return TypedResults.Created("/api/v1/businesses/me", new OnboardResponse(new BusinessResponse(business.Id, business.Name, business.CreatedAt), UserResponse.From(admin)));
    }

    private static async Task<IResult> GetMineAsync(HttpContext context, ITenantStore tenants, CancellationToken ct)
    {
        var business = await tenants.GetBusinessAsync(context.Caller().BusinessId, ct);
        return business is null ? ApiProblems.NotFound("business") : TypedResults.Ok(new BusinessResponse(business.Id, business.Name, business.CreatedAt));
    }

    private static async Task<IResult> ListUsersAsync(HttpContext context, ITenantStore tenants, CancellationToken ct)
    {
        var query = new Query(context.Request);
        var (skip, limit) = query.Page();
        if (query.Errors.Count > 0)
        {
            return ApiProblems.Invalid(query.Errors);
        }

        var all = (await tenants.ListUsersAsync(context.Caller().BusinessId, ct)).OrderBy(u => u.Email, StringComparer.OrdinalIgnoreCase).ToList();
        return TypedResults.Ok(new UserList(all.Skip(skip).Take(limit).Select(UserResponse.From).ToList(), all.Count, skip, limit));
    }

    private static async Task<IResult> GetUserAsync(HttpContext context, string userId, IUserStore users, CancellationToken ct)
    {
        var found = await users.GetVersionedAsync(context.Caller().BusinessId, userId, ct);
        if (found is null)
        {
            return ApiProblems.NotFound("user");
        }

        ApiETags.Set(context, found.ETag);
        return TypedResults.Ok(UserResponse.From(found.Value));
    }

    private static async Task<IResult> CreateUserAsync(HttpContext context, ITenantStore tenants, IUserStore users, CancellationToken ct)
    {
        var (body, problem) = await ApiBody.ReadAsync<UserRequest>(context.Request, ct);
        if (problem is not null)
        {
            return problem;
        }

        var caller = context.Caller();
        var r = body!.Value;
        var user = new User(Guid.NewGuid().ToString("N"), caller.BusinessId, r.Email ?? string.Empty, r.Name ?? string.Empty, r.Role ?? UserRole.Member, r.TimeZone ?? "UTC");
        var errors = ValidateUser(user);
        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        if ((await tenants.ListUsersAsync(caller.BusinessId, ct)).Any(u => string.Equals(u.Email, user.Email, StringComparison.OrdinalIgnoreCase)))
        {
            return ApiProblems.Conflict("A user with this email already exists in your business.");
        }

        var (_, etag) = await users.CreateAsync(user, ct);
        ApiETags.Set(context, etag!);
        return TypedResults.Created($"/api/v1/users/{user.Id}", UserResponse.From(user));
    }

    /// <summary>Admins change anyone; members change their own name and time zone, never a role or email.</summary>
    private static async Task<IResult> UpdateUserAsync(HttpContext context, string userId, ITenantStore tenants, IUserStore users, CancellationToken ct)
    {
        var caller = context.Caller();
        var found = await users.GetVersionedAsync(caller.BusinessId, userId, ct);
        if (found is null)
        {
            return ApiProblems.NotFound("user");
        }

        var (body, problem) = await ApiBody.ReadAsync<UserRequest>(context.Request, ct);
        if (problem is not null)
        {
            return problem;
        }

        if (!caller.IsAdmin && (userId != caller.UserId || body!.Has("role") || body.Has("email")))
        {
            return ApiProblems.Forbidden("Members may change only their own name and time zone.");
        }

        if (!ApiETags.Matches(context.Request, found.ETag))
        {
            return ApiProblems.Stale();
        }

        var r = body!.Value;
        var u = found.Value;
        var updated = u with { Email = r.Email ?? u.Email, Name = r.Name ?? u.Name, Role = r.Role ?? u.Role, TimeZone = r.TimeZone ?? u.TimeZone };
        var errors = body.NullErrors("email", "name", "role", "time_zone").ToList();
        errors.AddRange(ValidateUser(updated));
        if (userId == caller.UserId && updated.Role != UserRole.Admin && caller.IsAdmin)
        {
            errors.Add(new("role", "You cannot remove your own admin role; ask another admin."));
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        if (!string.Equals(updated.Email, u.Email, StringComparison.OrdinalIgnoreCase)
            && (await tenants.ListUsersAsync(caller.BusinessId, ct)).Any(x => x.Id != userId && string.Equals(x.Email, updated.Email, StringComparison.OrdinalIgnoreCase)))
        {
            return ApiProblems.Conflict("A user with this email already exists in your business.");
        }

        var (result, etag) = await users.ReplaceAsync(updated, found.ETag, ct);
        if (result != WriteResult.Done)
        {
            return result == WriteResult.NotFound ? ApiProblems.NotFound("user") : ApiProblems.Stale();
        }

        ApiETags.Set(context, etag!);
        return TypedResults.Ok(UserResponse.From(updated));
    }

    private static async Task<IResult> DeleteUserAsync(HttpContext context, string userId, IUserStore users, CancellationToken ct)
    {
        var caller = context.Caller();
        if (userId == caller.UserId)
        {
            return ApiProblems.Conflict("You cannot delete yourself; ask another admin.");
        }

        var found = await users.GetVersionedAsync(caller.BusinessId, userId, ct);
        if (found is null)
        {
            return ApiProblems.NotFound("user");
        }

        if (!ApiETags.Matches(context.Request, found.ETag))
        {
            return ApiProblems.Stale();
        }

        return await users.DeleteAsync(caller.BusinessId, userId, found.ETag, ct) == WriteResult.Stale ? ApiProblems.Stale() : TypedResults.NoContent();
    }

    private static List<FieldError> ValidateUser(User user)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(user.Email) || user.Email.Length > 254 || !MailAddress.TryCreate(user.Email, out var address) || address.Address != user.Email)
        {
            errors.Add(new("email", "A plain email address is required, such as ana@example.com."));
        }

        if (string.IsNullOrWhiteSpace(user.Name) || user.Name.Length > 200)
        {
            errors.Add(new("name", "A name of 1..200 characters is required."));
        }

        if (!ScheduleTimes.TryFindZone(user.TimeZone, out _))
        {
            errors.Add(new("time_zone", $"'{user.TimeZone}' is not an IANA time zone id (for example Europe/Berlin)."));
        }

        return errors;
    }
}
