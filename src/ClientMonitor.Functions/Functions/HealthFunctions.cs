using ClientMonitor.Application.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace ClientMonitor.Functions.Functions;

/// <summary>Health, liveness, system metrics and the OpenAPI document. One function per operation; each runs its endpoint through <see cref="ApiEndpoints"/>.</summary>
public sealed class HealthFunctions(ApiEndpoints api)
{
    private const string HealthRoute = "health";
    private const string HealthLiveRoute = "health/live";
    private const string MetricsRoute = "v1/metrics";
    private const string OpenapiJsonRoute = "v1/openapi.json";

    [Function("Health")]
    public Task<IActionResult> Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = HealthRoute)] HttpRequest request)
        => api.RunAsync(request, HealthRoute);

    [Function("Live")]
    public Task<IActionResult> Live([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = HealthLiveRoute)] HttpRequest request)
        => api.RunAsync(request, HealthLiveRoute);

    [Function("GetSystemMetrics")]
    public Task<IActionResult> GetSystemMetrics([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = MetricsRoute)] HttpRequest request)
        => api.RunAsync(request, MetricsRoute);

    [Function("GetOpenApiDocument")]
    public Task<IActionResult> GetOpenApiDocument([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = OpenapiJsonRoute)] HttpRequest request)
        => api.RunAsync(request, OpenapiJsonRoute);
}
