using ClientMonitor.Application.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace ClientMonitor.Functions.Functions;

/// <summary>Operational alerts. One function per operation; each runs its endpoint through <see cref="ApiEndpoints"/>.</summary>
public sealed class AlertsFunctions(ApiEndpoints api)
{
    private const string AlertsRoute = "v1/alerts";
    private const string AlertsTestRoute = "v1/alerts/test";
    private const string AlertsItemRoute = "v1/alerts/{alertKey}";

    [Function("ListAlerts")]
    public Task<IActionResult> ListAlerts([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AlertsRoute)] HttpRequest request)
        => api.RunAsync(request, AlertsRoute);

    [Function("TestAlert")]
    public Task<IActionResult> TestAlert([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AlertsTestRoute)] HttpRequest request)
        => api.RunAsync(request, AlertsTestRoute);

    [Function("GetAlert")]
    public Task<IActionResult> GetAlert([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AlertsItemRoute)] HttpRequest request)
        => api.RunAsync(request, AlertsItemRoute);
}
