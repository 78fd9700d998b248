using ClientMonitor.Application.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace ClientMonitor.Functions.Functions;

/// <summary>The operations dashboard: its page and assets, sign-in settings, development sign-in and charts. One function per route; each runs its endpoint through <see cref="ApiEndpoints"/>.</summary>
public sealed class DashboardFunctions(ApiEndpoints api)
{
    private const string AssetRoute = "dashboard/{*path}";
    private const string ConfigRoute = "dashboard/config.json";
    private const string DevSignInRoute = "dashboard/dev-sign-in";
    private const string EventsChartRoute = "v1/dashboard/charts/events-by-category.svg";
    private const string DurationsChartRoute = "v1/dashboard/charts/job-durations.svg";
    private const string FunnelChartRoute = "v1/dashboard/charts/email-funnel.svg";

    [Function("GetDashboardPage")]
    public Task<IActionResult> GetDashboardPage([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AssetRoute)] HttpRequest request)
        => api.RunAsync(request, AssetRoute);

    [Function("GetDashboardConfig")]
    public Task<IActionResult> GetDashboardConfig([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ConfigRoute)] HttpRequest request)
        => api.RunAsync(request, ConfigRoute);

    [Function("DevSignIn")]
    public Task<IActionResult> DevSignIn([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = DevSignInRoute)] HttpRequest request)
        => api.RunAsync(request, DevSignInRoute);

    [Function("GetEventsByCategoryChart")]
    public Task<IActionResult> GetEventsByCategoryChart([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = EventsChartRoute)] HttpRequest request)
        => api.RunAsync(request, EventsChartRoute);

    [Function("GetJobDurationsChart")]
    public Task<IActionResult> GetJobDurationsChart([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DurationsChartRoute)] HttpRequest request)
        => api.RunAsync(request, DurationsChartRoute);

    [Function("GetEmailFunnelChart")]
    public Task<IActionResult> GetEmailFunnelChart([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = FunnelChartRoute)] HttpRequest request)
        => api.RunAsync(request, FunnelChartRoute);
}
