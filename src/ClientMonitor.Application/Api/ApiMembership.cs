using System.Security.Claims;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Tenancy;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace ClientMonitor.Application.Api;

/// <summary>
/// A valid token is not enough: its user must still be a user of the business it names, with at least the role it
/// claims (a token saying <c>admin</c> for a member is refused). Checked for every <c>/api/v1</c> request whose token
/// names a business, after authentication and before authorization; answers are cached for
/// <see cref="CacheFor"/>, so removing a user or lowering their role takes effect within that time. Operator tokens
/// name no business and are not looked up.
/// </summary>
public static class ApiMembership
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);

    public static IApplicationBuilder UseApiMembership(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(ApiSetup.Prefix, StringComparison.OrdinalIgnoreCase)
                && context.User.Identity?.IsAuthenticated == true
                && !await IsMemberAsync(context))
            {
                await ApiProblems.WriteAsync(context, StatusCodes.Status403Forbidden, "Forbidden", "This token's user is not (or no longer) a user of its business with the role it claims.");
                return;
            }

            await next(context);
        });
    }

    private static async Task<bool> IsMemberAsync(HttpContext context)
    {
        var auth = context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value;
        var business = context.User.FindFirstValue(auth.BusinessIdClaim);
        var userId = context.User.FindFirstValue(auth.UserIdClaim);
        if (string.IsNullOrEmpty(business) || string.IsNullOrEmpty(userId) || !ApiIds.IsValid(business) || !ApiIds.IsValid(userId))
        {
            // No business: an operator (or a token the policies will refuse); malformed ids cannot name a row.
            return string.IsNullOrEmpty(business);
        }

        var cache = context.RequestServices.GetRequiredService<IMemoryCache>();
        var role = await cache.GetOrCreateAsync(("membership", business, userId), async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = CacheFor;
            var user = await context.RequestServices.GetRequiredService<ITenantStore>().GetUserAsync(business, userId, context.RequestAborted);
            return user?.Role;
        });

        return role is { } stored && (stored == UserRole.Admin || !context.User.IsInRole(ApiRoles.Admin));
    }
}
