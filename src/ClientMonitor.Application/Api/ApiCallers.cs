using System.Security.Claims;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Tenancy;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace ClientMonitor.Application.Api;

/// <summary>
/// A valid signature is not enough: every authenticated <c>/api/v1</c> request is classified here, after
/// authentication and before authorization, and the policies look only at what this found.
/// <list type="bullet">
/// <item>An <b>operator</b> token comes from the operator identity (locally the <c>Auth:OperatorIssuer</c>, in Azure
/// the Entra app role <c>Auth:OperatorAppRole</c>) and names no business.</item>
/// <item>A <b>tenant</b> token names exactly one user, one existing business and one role, <c>admin</c> or
/// <c>member</c>, and that user is still a user of that business with at least that role.</item>
/// </list>
/// A token that names no caller (a missing, empty, repeated or impossible id or role) is answered 401; one that names
/// a caller it may not be (a stranger, a member claiming admin, a tenant claiming operator, an operator naming a
/// business) 403. Lookups are cached for <see cref="CacheFor"/>, so any change of a user (added, removed, role
/// changed) takes effect within that time.
/// </summary>
public static class ApiCallers
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);

    /// <summary>The verified kind of caller (<c>operator</c>, <c>admin</c> or <c>member</c>): the only claim the policies read.</summary>
    public const string KindClaim = "clientmonitor/caller";

    private const string BusinessClaim = "clientmonitor/business";
    private const string UserClaim = "clientmonitor/user";
    private const string IdentityType = "clientmonitor";

    public static IApplicationBuilder UseApiCallers(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(ApiSetup.Prefix, StringComparison.OrdinalIgnoreCase)
                && context.User.Identity?.IsAuthenticated == true)
            {
                var verdict = await ClassifyAsync(context);
                if (verdict.Status != 0)
                {
                    await ApiProblems.WriteAsync(context, verdict.Status, verdict.Status == StatusCodes.Status401Unauthorized ? "Unauthorized" : "Forbidden", verdict.Detail);
                    return;
                }

                // From here on the caller is only what was verified: a claim the token carried under one of these
                // names (clientmonitor/caller: operator) is gone with the token's own identity.
                context.User = new ClaimsPrincipal(new ClaimsIdentity(verdict.Claims, IdentityType, UserClaim, KindClaim));
            }

            await next(context);
        });
    }

    /// <summary>The caller of a request that passed the tenant policy.</summary>
    public static Caller Caller(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var user = context.User;
        string Claim(string type) => user.FindFirstValue(type) ?? throw new InvalidOperationException($"The tenant policy should have required a verified '{type}'.");
        return new Caller(Claim(UserClaim), Claim(BusinessClaim), Claim(KindClaim) == ApiRoles.Admin ? UserRole.Admin : UserRole.Member);
    }

    /// <summary>Whether the request's token was verified as the operator identity's.</summary>
    public static bool IsOperator(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.User.HasClaim(KindClaim, ApiRoles.Operator);
    }

    /// <summary>Whether the request's token was verified as an admin of its business.</summary>
    public static bool IsTenantAdmin(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.User.HasClaim(KindClaim, ApiRoles.Admin);
    }

    private sealed record Verdict(int Status, string Detail, Claim[] Claims)
    {
        public static Verdict Unauthorized(string detail) => new(StatusCodes.Status401Unauthorized, "The token does not name a caller: " + detail, []);

        public static Verdict Forbidden(string detail) => new(StatusCodes.Status403Forbidden, detail, []);

        public static Verdict Of(string kind, string userId, string? business) => new(
            0,
            string.Empty,
            business is null
                ? [new(KindClaim, kind), new(UserClaim, userId)]
                : [new(KindClaim, kind), new(UserClaim, userId), new(BusinessClaim, business)]);
    }

    private static async Task<Verdict> ClassifyAsync(HttpContext context)
    {
        var auth = context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value;
        var principal = context.User;
        var userIds = Values(principal, auth.UserIdClaim);
        var businesses = Values(principal, auth.BusinessIdClaim);
        var roles = Values(principal, auth.RoleClaim);
        if (userIds.Length != 1 || !ApiIds.IsValid(userIds[0]))
        {
            return Verdict.Unauthorized($"it needs exactly one user id ('{auth.UserIdClaim}') that is a possible id.");
        }

        var userId = userIds[0];
        if (IsOperatorIdentity(principal, auth))
        {
            return principal.HasClaim(c => c.Type == auth.BusinessIdClaim)
                ? Verdict.Forbidden("An operator token names no business; use a user's token for a business's data.")
                : Verdict.Of(ApiRoles.Operator, userId, null);
        }

        if (businesses.Length != 1 || !ApiIds.IsValid(businesses[0]))
        {
            return Verdict.Unauthorized($"it needs exactly one non-empty business id ('{auth.BusinessIdClaim}').");
        }

        if (roles.Length != 1 || roles[0] is not (ApiRoles.Admin or ApiRoles.Member or ApiRoles.Operator))
        {
            return Verdict.Unauthorized($"it needs exactly one role ('{auth.RoleClaim}'): admin or member.");
        }

        if (roles[0] == ApiRoles.Operator)
        {
            return Verdict.Forbidden("The operator role comes only from the operator identity, never from a business's token.");
        }

        var business = businesses[0];
        var stored = await StoredRoleAsync(context, business, userId);
        if (stored is null)
        {
            return Verdict.Forbidden("This token's user is not (or no longer) a user of its business.");
        }

        return roles[0] == ApiRoles.Admin && stored != UserRole.Admin
            ? Verdict.Forbidden("This token claims the admin role, which its user does not (or no longer) have.")
            : Verdict.Of(roles[0], userId, business);
    }

    /// <summary>Locally: signed by the development key under the operator issuer. In Azure: the operator app role, assigned in Entra ID.</summary>
    private static bool IsOperatorIdentity(ClaimsPrincipal principal, AuthOptions auth) => auth.UsesDevelopmentKey
        ? principal.HasClaim("iss", auth.OperatorIssuer)
        : principal.HasClaim(auth.AppRolesClaim, auth.OperatorAppRole);

    private static string[] Values(ClaimsPrincipal principal, string type)
        => principal.FindAll(type).Select(c => c.Value).ToArray();

    private static async Task<UserRole?> StoredRoleAsync(HttpContext context, string business, string userId)
    {
        var cache = context.RequestServices.GetRequiredService<IMemoryCache>();
        return await cache.GetOrCreateAsync(("membership", business, userId), async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = CacheFor;
            var tenants = context.RequestServices.GetRequiredService<ITenantStore>();
            if (await tenants.GetBusinessAsync(business, context.RequestAborted) is null)
            {
                return null;
            }

            var user = await tenants.GetUserAsync(business, userId, context.RequestAborted);
            return user?.Role;
        });
    }
}
