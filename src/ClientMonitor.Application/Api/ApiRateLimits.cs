using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace ClientMonitor.Application.Api;

/// <summary>Section <c>Api:RateLimit</c>: requests per caller per minute on the API, and per client address on tracking links.</summary>
public sealed class ApiRateLimitOptions
{
    public const string Section = "Api:RateLimit";

    public int PermitsPerMinute { get; set; } = 600;

    public int TrackingPermitsPerMinute { get; set; } = 120;
}

/// <summary>
/// Fixed one-minute windows per caller: the token's user (or the client address when there is no token) on
/// <c>/api/v1</c>, the client address on tracking links. Health checks are never
/// limited. A refused request gets 429 problem details with <c>Retry-After</c>.
/// </summary>
public static class ApiRateLimits
{
    public static IServiceCollection AddApiRateLimits(this IServiceCollection services)
    {
        services.AddOptions<ApiRateLimitOptions>().BindConfiguration(ApiRateLimitOptions.Section).Validate(
            o => o.PermitsPerMinute > 0 && o.TrackingPermitsPerMinute > 0, "Api:RateLimit:PermitsPerMinute and TrackingPermitsPerMinute must be at least 1.").ValidateOnStart();
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var options = context.RequestServices.GetRequiredService<IOptions<ApiRateLimitOptions>>().Value;
                var path = context.Request.Path;
                var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                if (path.StartsWithSegments(ApiSetup.Prefix, StringComparison.OrdinalIgnoreCase))
                {
                    // User ids are unique within a business, so the partition names both.
                    var auth = context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value;
                    var user = context.User.Identity?.IsAuthenticated == true ? $"{context.User.FindFirst(auth.BusinessIdClaim)?.Value}/{context.User.Identity.Name}" : null;
                    return RateLimitPartition.GetFixedWindowLimiter(user is null ? "ip:" + address : "user:" + user, _ => Window(options.PermitsPerMinute));
                }

                return path.StartsWithSegments("/api/track", StringComparison.OrdinalIgnoreCase)
                    ? RateLimitPartition.GetFixedWindowLimiter("track:" + address, _ => Window(options.TrackingPermitsPerMinute))
                    : RateLimitPartition.GetNoLimiter("unlimited");
            });
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                rejected.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await ApiProblems.WriteAsync(rejected.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests", $"Too many requests from this caller; try again in {Math.Ceiling(retryAfter.TotalSeconds)} s.");
            };
        });
        return services;
    }

    private static FixedWindowRateLimiterOptions Window(int permits) => new()
    {
        PermitLimit = permits,
        Window = TimeSpan.FromMinutes(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
