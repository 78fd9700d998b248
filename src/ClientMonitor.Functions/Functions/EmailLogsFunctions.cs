using ClientMonitor.Application.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace ClientMonitor.Functions.Functions;

/// <summary>Email logs and statistics, and the signed open and click tracking links in emails. One function per operation; each runs its endpoint through <see cref="ApiEndpoints"/>.</summary>
public sealed class EmailLogsFunctions(ApiEndpoints api)
{
    private const string EmailLogsRoute = "v1/email-logs";
    private const string EmailLogsStatsSummaryRoute = "v1/email-logs/stats/summary";
    private const string EmailLogsUserItemRoute = "v1/email-logs/user/{userId}";
    private const string EmailLogsEventItemRoute = "v1/email-logs/event/{eventId}";
    private const string EmailLogsItemRoute = "v1/email-logs/{emailId}";
    private const string TrackOpenItemRoute = "track/open/{token}";
    private const string TrackClickItemRoute = "track/click/{token}";

    [Function("ListEmailLogs")]
    public Task<IActionResult> ListEmailLogs([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = EmailLogsRoute)] HttpRequest request)
        => api.RunAsync(request, EmailLogsRoute);

    [Function("GetEmailStats")]
    public Task<IActionResult> GetEmailStats([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = EmailLogsStatsSummaryRoute)] HttpRequest request)
        => api.RunAsync(request, EmailLogsStatsSummaryRoute);

    [Function("ListEmailLogsForUser")]
    public Task<IActionResult> ListEmailLogsForUser([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = EmailLogsUserItemRoute)] HttpRequest request)
        => api.RunAsync(request, EmailLogsUserItemRoute);

    [Function("ListEmailLogsForEvent")]
    public Task<IActionResult> ListEmailLogsForEvent([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = EmailLogsEventItemRoute)] HttpRequest request)
        => api.RunAsync(request, EmailLogsEventItemRoute);

    [Function("GetEmailLog")]
    public Task<IActionResult> GetEmailLog([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = EmailLogsItemRoute)] HttpRequest request)
        => api.RunAsync(request, EmailLogsItemRoute);

    [Function("TrackEmailOpen")]
    public Task<IActionResult> TrackEmailOpen([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = TrackOpenItemRoute)] HttpRequest request)
        => api.RunAsync(request, TrackOpenItemRoute);

    [Function("TrackEmailClick")]
    public Task<IActionResult> TrackEmailClick([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = TrackClickItemRoute)] HttpRequest request)
        => api.RunAsync(request, TrackClickItemRoute);
}
