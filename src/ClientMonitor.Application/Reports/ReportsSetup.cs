using ClientMonitor.Core.Operations;
using ClientMonitor.Core.Reports;
using ClientMonitor.Application.Triggers;
using ClientMonitor.Infrastructure.Reports;

namespace ClientMonitor.Application.Reports;

/// <summary>Automation reports: their table, the service, and the <c>ReportTick</c> timer.</summary>
public static class ReportsSetup
{
    public static IServiceCollection AddReports(this IServiceCollection services)
    {
        services.AddSingleton<IReportStore, ReportTables>();
        services.AddSingleton<IProviderStatusSource, GatewayProviderStatus>();
        services.AddSingleton<ReportService>();
        services.AddSingleton<ReportTickHandler>();
        return services;
    }
}

/// <summary><c>ReportTick</c> (04:00 and 21:00 UTC): stores each business's report of the last 24 hours and alerts below a 95% success rate.</summary>
public sealed partial class ReportTickHandler(ReportService reports, IFunctionActivityLog activity, TimeProvider time, ILogger<ReportTickHandler> logger)
{
    public string Name => "ReportTick";

    public async Task RunAsync(TimerInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var started = time.GetUtcNow();
        var made = await reports.RunScheduledAsync(cancellationToken);
        foreach (var report in made)
        {
            var rate = report.PerformanceMetrics.OverallSuccessRate;
            Log.Reported(logger, report.Metadata.BusinessId, report.Id, report.PerformanceMetrics.TotalActions, rate ?? -1);
        }

        await activity.RecordAsync(new FunctionActivity(Name, TriggerKind.Timer, invocation.OccurrenceId, started, 0, null), cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6001, EventName = "ReportStored", Level = LogLevel.Information,
            Message = "Automation report {ReportId} for business {BusinessId}: {Actions} actions, success rate {SuccessRate} (-1: nothing to measure)")]
        public static partial void Reported(ILogger logger, string businessId, string reportId, int actions, double successRate);
    }
}
