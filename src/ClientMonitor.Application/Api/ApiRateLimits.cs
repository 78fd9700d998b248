using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
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
/// One-minute windows aligned to the clock (<see cref="TimeProvider"/>) per caller: the token's user (or the client
/// address when there is no token) on <c>/api/v1</c>, the client address on tracking links. Health checks are never
/// limited. A refused request gets 429 problem details with <c>Retry-After</c>: the seconds left in its window.
/// The client address is the one the Functions front end forwards (<c>X-Forwarded-For</c>), believed only when the
/// request comes from the host on this machine (see <see cref="UseClientAddresses"/>).
/// </summary>
public static class ApiRateLimits
{
    private static readonly TimeSpan WindowLength = TimeSpan.FromMinutes(1);

    public static IServiceCollection AddApiRateLimits(this IServiceCollection services)
    {
        services.AddOptions<ApiRateLimitOptions>().BindConfiguration(ApiRateLimitOptions.Section).Validate(
            o => o.PermitsPerMinute > 0 && o.TrackingPermitsPerMinute > 0, "Api:RateLimit:PermitsPerMinute and TrackingPermitsPerMinute must be at least 1.").ValidateOnStart();
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var options = context.RequestServices.GetRequiredService<IOptions<ApiRateLimitOptions>>().Value;
                var window = CurrentWindow(context).UtcTicks;
                var path = context.Request.Path;
                var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                if (path.StartsWithSegments(ApiSetup.Prefix, StringComparison.OrdinalIgnoreCase))
                {
                    // User ids are unique within a business, so the partition names both.
                    var auth = context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value;
                    var user = context.User.Identity?.IsAuthenticated == true ? $"{context.User.FindFirst(auth.BusinessIdClaim)?.Value}/{context.User.Identity.Name}" : null;
                    return RateLimitPartition.GetFixedWindowLimiter($"{window}|{(user is null ? "ip:" + address : "user:" + user)}", _ => Window(options.PermitsPerMinute));
                }

                return path.StartsWithSegments("/api/track", StringComparison.OrdinalIgnoreCase)
                    ? RateLimitPartition.GetFixedWindowLimiter($"{window}|track:{address}", _ => Window(options.TrackingPermitsPerMinute))
                    : RateLimitPartition.GetNoLimiter("unlimited");
            });
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var now = rejected.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
                var seconds = Math.Max(1, (int)Math.Ceiling((CurrentWindow(rejected.HttpContext) + WindowLength - now).TotalSeconds));
                rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await ApiProblems.WriteAsync(rejected.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests", $"Too many requests from this caller; try again in {seconds} s.");
            };
        });
        return services;
    }

    /// <summary>
    /// Puts the forwarded client address in place of the relaying host's before anything reads it, with options of
    /// its own (the worker's ASP.NET Core integration has its own forwarded-headers pass, whose options stay as they
    /// are). Only the nearest hop's word counts, and only from loopback (the default known proxies): the host that
    /// relays the front end's request to this process. A caller's own X-Forwarded-For entries are never read.
    /// </summary>
    public static IApplicationBuilder UseClientAddresses(this IApplicationBuilder app)
        => app.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor, ForwardLimit = 1 });

    /// <summary>
    /// The start of the clock minute the request fell in, taken once per request (a refusal at the minute's last
    /// instant says the seconds left in its own window). Its partition is new each minute; the old one goes idle.
    /// </summary>
    private static DateTimeOffset CurrentWindow(HttpContext context)
    {
        if (context.Items.TryGetValue(typeof(ApiRateLimits), out var stored) && stored is DateTimeOffset start)
        {
            return start;
        }

        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        start = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % WindowLength.Ticks), TimeSpan.Zero);
        context.Items[typeof(ApiRateLimits)] = start;
        return start;
    }

    /// <summary>Never replenished within its minute: the next minute has a partition of its own.</summary>
    private static FixedWindowRateLimiterOptions Window(int permits) => new()
    {
        PermitLimit = permits,
        Window = WindowLength,
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
