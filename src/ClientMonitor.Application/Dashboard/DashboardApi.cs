using System.Collections.Frozen;
using System.Globalization;
using ClientMonitor.Application.Api;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Tenancy;
using Microsoft.Extensions.Options;

namespace ClientMonitor.Application.Dashboard;

/// <summary>Settings of the dashboard's sign-in (section <c>Dashboard</c>): in Azure the Entra app the browser signs in with.</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>The Entra app registration (SPA platform) the dashboard signs in with; its redirect URI is the dashboard's URL.</summary>
    public string? ClientId { get; set; }

    /// <summary>The API scope the dashboard asks for (for example <c>api://clientmonitor/access</c>).</summary>
    public string? Scope { get; set; }
}

public sealed record DashboardConfig(string SignIn, string? Authority, string? ClientId, string? Scope);

public sealed record DevSignInRequest(string? UserId, string? BusinessId);

public sealed record DevSignInResponse(string Token);

/// <summary>
/// The operations dashboard: its page and assets at <c>/api/dashboard/</c> (embedded in this assembly, served with a
/// strict Content-Security-Policy; no CDN), its sign-in settings, a development sign-in, and the charts it shows at
/// <c>/api/v1/dashboard/charts/*.svg</c> (rendered here as SVG, scoped to the caller's business like the API).
/// The page reads everything else from the API with the caller's token, so it can show and do exactly what the
/// caller's role allows.
/// </summary>
public static class DashboardApi
{
    public const string Prefix = "/api/dashboard";

    /// <summary>The most rows a chart reads (stores still read whole partitions today; issue 17 makes lists cost a page).</summary>
    private const int MaxChartRows = 10_000;

    private const string CspWithoutConnect = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".json"] = "application/json",
    };

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var dashboard = endpoints.MapGroup(Prefix).AllowAnonymous().ExcludeFromDescription();
        dashboard.MapGet("/config.json", Config);
        dashboard.MapPost("/dev-sign-in", DevSignInAsync);
        dashboard.MapGet("/{*path}", Asset);
        return endpoints;
    }

    public static RouteGroupBuilder MapDashboardChartsApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var charts = api.MapGroup("/dashboard/charts").WithTags("Dashboard");
        charts.MapGet("/events-by-category.svg", EventsByCategoryAsync)
            .Doc("GetEventsByCategoryChart", "Events per day by category (SVG), for the business or one client.")
            .Produces<string>(StatusCodes.Status200OK, "image/svg+xml")
            .Query(new ApiQueryParameter("days", Microsoft.OpenApi.JsonSchemaType.Integer, "Days back from today (1..90; default 14)."), ApiDocs.Text("client_id", "Only this client's events."));
        charts.MapGet("/job-durations.svg", JobDurationsAsync)
            .Doc("GetJobDurationsChart", "The durations of the most recent job runs by outcome (SVG).")
            .Produces<string>(StatusCodes.Status200OK, "image/svg+xml")
            .Query(new ApiQueryParameter("limit", Microsoft.OpenApi.JsonSchemaType.Integer, "How many runs (1..100; default 20)."));
        charts.MapGet("/email-funnel.svg", EmailFunnelAsync)
            .Doc("GetEmailFunnelChart", "Emails queued, sent, opened and clicked, and failed (SVG); members see their own.")
            .Produces<string>(StatusCodes.Status200OK, "image/svg+xml")
            .Query(new ApiQueryParameter("days", Microsoft.OpenApi.JsonSchemaType.Integer, "Days back from now (1..90; default 7)."));
        return api;
    }

    private static Microsoft.AspNetCore.Http.HttpResults.Ok<DashboardConfig> Config(IOptions<AuthOptions> auth, IOptions<DashboardOptions> options)
    {
        var a = auth.Value;
        return a.UsesDevelopmentKey
            ? TypedResults.Ok(new DashboardConfig("development", null, null, null))
            : TypedResults.Ok(new DashboardConfig("entra", AuthorityBase(a.Authority), options.Value.ClientId, options.Value.Scope));
    }

    /// <summary>The authority without a trailing <c>/v2.0</c>: the page adds <c>/oauth2/v2.0/authorize</c> and <c>/token</c>.</summary>
    private static string? AuthorityBase(string? authority)
    {
        var trimmed = authority?.TrimEnd('/');
        return trimmed is not null && trimmed.EndsWith("/v2.0", StringComparison.Ordinal) ? trimmed[..^"/v2.0".Length] : trimmed;
    }

    /// <summary>
    /// Development only (the local signing key, Development or Testing): a token for a user who exists, with the role
    /// stored for them, so nobody has to paste one from <c>scripts/token.sh</c>. Elsewhere it does not exist (404).
    /// </summary>
    private static async Task<IResult> DevSignInAsync(HttpContext context, IOptions<AuthOptions> auth, IHostEnvironment environment, ITenantStore tenants, TimeProvider time, CancellationToken ct)
    {
        if (!auth.Value.UsesDevelopmentKey || !(environment.IsDevelopment() || environment.IsEnvironment("Testing")))
        {
            return ApiProblems.Status(StatusCodes.Status404NotFound, "Not found", "Development sign-in exists only locally, with the development signing key.");
        }

        var (body, problem) = await ApiBody.ReadAsync<DevSignInRequest>(context.Request, ct);
        if (problem is not null)
        {
            return problem;
        }

        var (userId, businessId) = (body!.Value.UserId, body.Value.BusinessId);
        if (!ApiIds.IsValid(userId) || !ApiIds.IsValid(businessId))
        {
            return ApiProblems.Invalid(!ApiIds.IsValid(userId) ? "user_id" : "business_id", "A user id and a business id are required.");
        }

        var user = await tenants.GetUserAsync(businessId!, userId!, ct);
        if (user is null)
        {
            return ApiProblems.Invalid("user_id", $"No user '{userId}' in business '{businessId}'.");
        }

        var role = user.Role == UserRole.Admin ? ApiRoles.Admin : ApiRoles.Member;
        return TypedResults.Ok(new DevSignInResponse(ApiAuth.MintDevelopmentToken(auth.Value, user.Id, user.BusinessId, role, time.GetUtcNow(), TimeSpan.FromHours(8))));
    }

    private static IResult Asset(HttpContext context, string? path, IOptions<AuthOptions> auth)
    {
        if (string.IsNullOrEmpty(path) && !context.Request.Path.Value!.EndsWith('/'))
        {
            // The page's asset URLs are relative: they need the trailing slash.
            return TypedResults.Redirect(Prefix + "/");
        }

        var name = string.IsNullOrEmpty(path) ? "index.html" : path;
        if (!Assets.Value.TryGetValue(name, out var content))
        {
            return ApiProblems.Status(StatusCodes.Status404NotFound, "Not found", "The dashboard has no such file.");
        }

        var headers = context.Response.Headers;
        // The page may talk to the app and, to redeem its Entra sign-in code, to the configured authority only.
        var authority = Uri.TryCreate(auth.Value.Authority, UriKind.Absolute, out var uri) ? " " + uri.GetLeftPart(UriPartial.Authority) : string.Empty;
        headers.ContentSecurityPolicy = $"{CspWithoutConnect}; connect-src 'self'{authority}";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        return TypedResults.Bytes(content, ContentTypes[Path.GetExtension(name)]);
    }

    /// <summary>The page's files, read from the assembly once: every embedded <c>dashboard/</c> file of a served type, by name.</summary>
    private static readonly Lazy<FrozenDictionary<string, byte[]>> Assets = new(() =>
    {
        var assembly = typeof(DashboardApi).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("dashboard/", StringComparison.Ordinal) && ContentTypes.ContainsKey(Path.GetExtension(n)))
            .ToFrozenDictionary(n => n["dashboard/".Length..], n =>
            {
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                return copy.ToArray();
            }, StringComparer.Ordinal);
    });

    private static async Task<IResult> EventsByCategoryAsync(HttpContext context, IEventStore events, TimeProvider time, CancellationToken ct)
    {
        var query = new Query(context.Request);
        var days = query.WholeNumber("days") ?? 14;
        var clientId = query.Text("client_id");
        if (days is < 1 or > 90)
        {
            return ApiProblems.Invalid("days", "Use 1..90.");
        }

        if (query.Errors.Count > 0)
        {
            return ApiProblems.Invalid(query.Errors);
        }

        var today = time.GetUtcNow().UtcDateTime.Date;
        var from = new DateTimeOffset(today.AddDays(1 - days), TimeSpan.Zero);
        var items = (await events.QueryAsync(context.Caller().BusinessId, new EventQuery(clientId, null, null, from, null, 0, MaxChartRows), ct)).Items;
        var byDay = items.GroupBy(e => e.CreatedAt.UtcDateTime.Date).ToDictionary(g => g.Key, g => g.ToList());
        var bars = Enumerable.Range(0, days).Select(d => from.UtcDateTime.AddDays(d)).Select(day => new ChartBar(
            day.ToString("MMM d", CultureInfo.InvariantCulture),
            (byDay.GetValueOrDefault(day) ?? []).GroupBy(e => WireJson.Name(e.Category)).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key, (double)g.Count())).ToList())).ToList();
        return Svg(SvgCharts.Bars(clientId is null ? $"Events by category, last {days} days" : $"Events of this client by category, last {days} days", "events", bars));
    }

    private static async Task<IResult> JobDurationsAsync(HttpContext context, IJobRunStore runs, CancellationToken ct)
    {
        var query = new Query(context.Request);
        var limit = query.WholeNumber("limit") ?? 20;
        if (limit is < 1 or > 100 || query.Errors.Count > 0)
        {
            return ApiProblems.Invalid("limit", "Use 1..100.");
        }

        var recent = await runs.ListRecentAsync(context.Caller().BusinessId, limit, ct);
        var bars = recent.Where(r => r.Duration is not null).OrderBy(r => r.StartedAt).Select(r => new ChartBar(
            r.StartedAt.UtcDateTime.ToString("MMM d HH:mm", CultureInfo.InvariantCulture),
            [(WireJson.Name(r.Status), r.Duration!.Value.TotalSeconds)])).ToList();
        return Svg(SvgCharts.Bars($"Duration of the last {bars.Count} finished job runs", "seconds", bars));
    }

    private static async Task<IResult> EmailFunnelAsync(HttpContext context, IEmailLogStore logs, TimeProvider time, CancellationToken ct)
    {
        var query = new Query(context.Request);
        var days = query.WholeNumber("days") ?? 7;
        if (days is < 1 or > 90 || query.Errors.Count > 0)
        {
            return ApiProblems.Invalid("days", "Use 1..90.");
        }

        var caller = context.Caller();
        var items = (await logs.QueryAsync(caller.BusinessId, new EmailLogQuery(UserId: caller.IsAdmin ? null : caller.UserId, From: time.GetUtcNow().AddDays(-days), Limit: MaxChartRows), ct)).Items;
        var stats = EmailStats.From(items);
        return Svg(SvgCharts.Funnel($"Emails, last {days} days", [("Queued", stats.TotalEmails), ("Sent", stats.Sent), ("Opened", stats.Opened), ("Clicked", stats.Clicked), ("Failed", stats.Failed)]));
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult Svg(string svg) => TypedResults.Text(svg, "image/svg+xml; charset=utf-8");
}
