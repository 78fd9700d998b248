using ClientMonitor.Application.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace ClientMonitor.Functions.Functions;

/// <summary>Automation reports. One function per operation; each runs its endpoint through <see cref="ApiEndpoints"/>.</summary>
public sealed class ReportsFunctions(ApiEndpoints api)
{
    private const string ReportsRoute = "v1/reports";
    private const string ReportsGenerateRoute = "v1/reports/generate";
    private const string ReportsItemRoute = "v1/reports/{reportId}";

    [Function("ListReports")]
    public Task<IActionResult> ListReports([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ReportsRoute)] HttpRequest request)
        => api.RunAsync(request, ReportsRoute);

    [Function("GenerateReport")]
    public Task<IActionResult> GenerateReport([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ReportsGenerateRoute)] HttpRequest request)
        => api.RunAsync(request, ReportsGenerateRoute);

    [Function("GetReport")]
    public Task<IActionResult> GetReport([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ReportsItemRoute)] HttpRequest request)
        => api.RunAsync(request, ReportsItemRoute);
}
