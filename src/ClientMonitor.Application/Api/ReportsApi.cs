using ClientMonitor.Core.Reports;

namespace ClientMonitor.Application.Api;

/// <summary>Body of <c>POST /reports/generate</c>: the CLI's <c>report</c> options.</summary>
public sealed record GenerateReportRequest(int? TimeWindow, string? Source, bool? Detailed);

public sealed record ReportList(IReadOnlyList<AutomationReport> Reports, int Total, int Skip, int Limit, IReadOnlyList<string> Sources);

/// <summary>Automation reports of the caller's business (admins): stored ones, and new ones on demand (stored too).</summary>
public static class ReportsApi
{
    public static RouteGroupBuilder MapReportsApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var group = api.MapGroup("/reports").WithTags("Reports").RequireAuthorization(ApiRoles.AdminPolicy);
        group.MapGet("/", ListAsync).Doc("ListReports", "A page of automation reports, newest first (admin).").Produces<ReportList>().Paged();
        group.MapPost("/generate", GenerateAsync).Doc("GenerateReport", "Writes an automation report now (admin).").Body<GenerateReportRequest>(optional: true).Produces<AutomationReport>(StatusCodes.Status201Created);
        group.MapGet("/{reportId}", GetAsync).Doc("GetReport", "One automation report (admin).").Produces<AutomationReport>();
        return api;
    }

    private static async Task<IResult> ListAsync(HttpContext context, IReportStore reports, ReportService service, CancellationToken ct)
    {
        var query = new Query(context.Request);
        var (skip, limit) = query.Page();
        if (query.Errors.Count > 0)
        {
            return ApiProblems.Invalid(query.Errors);
        }

        var (items, total) = await reports.ListAsync(context.Caller().BusinessId, skip, limit, ct);
        return TypedResults.Ok(new ReportList(items, total, skip, limit, service.Sources));
    }

    private static async Task<IResult> GetAsync(HttpContext context, string reportId, IReportStore reports, CancellationToken ct)
    {
        var report = await reports.GetAsync(context.Caller().BusinessId, reportId, ct);
        return report is null ? ApiProblems.NotFound("report") : TypedResults.Ok(report);
    }

    private static async Task<IResult> GenerateAsync(HttpContext context, ReportService service, IReportStore reports, CancellationToken ct)
    {
        var request = new ReportRequest();
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            var (body, problem) = await ApiBody.ReadAsync<GenerateReportRequest>(context.Request, ct);
            if (problem is not null)
            {
                return problem;
            }

            var r = body!.Value;
            request = new ReportRequest(r.TimeWindow ?? request.TimeWindowHours, r.Source ?? request.Source, r.Detailed ?? false);
        }

        if (service.Validate(request) is { } error)
        {
            return ApiProblems.Invalid(error.Field, error.Message);
        }

        var report = await service.GenerateAsync(context.Caller().BusinessId, request, ct);
        await reports.SaveAsync(report, ct);
        await service.AlertOnSuccessRateAsync(report, ct);
        return TypedResults.Created($"/api/v1/reports/{report.Id}", report);
    }
}
