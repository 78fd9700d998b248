using ClientMonitor.Application.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace ClientMonitor.Functions.Functions;

/// <summary>The API reference page (Scalar) and the assets it loads, all served by the app. One function per route; each runs its endpoint through <see cref="ApiEndpoints"/>.</summary>
public sealed class ApiReferenceFunctions(ApiEndpoints api)
{
    private const string PageRoute = "v1/reference/{documentName?}";
    private const string ScriptRoute = "v1/reference/scalar.js";
    private const string LoaderRoute = "v1/reference/scalar.aspnetcore.js";
    private const string IconRoute = "v1/reference/favicon.svg";

    [Function("ShowApiReference")]
    public Task<IActionResult> ShowApiReference([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PageRoute)] HttpRequest request)
        => api.RunAsync(request, PageRoute);

    [Function("GetApiReferenceScript")]
    public Task<IActionResult> GetApiReferenceScript([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ScriptRoute)] HttpRequest request)
        => api.RunAsync(request, ScriptRoute);

    [Function("GetApiReferenceLoader")]
    public Task<IActionResult> GetApiReferenceLoader([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = LoaderRoute)] HttpRequest request)
        => api.RunAsync(request, LoaderRoute);

    [Function("GetApiReferenceIcon")]
    public Task<IActionResult> GetApiReferenceIcon([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = IconRoute)] HttpRequest request)
        => api.RunAsync(request, IconRoute);
}
