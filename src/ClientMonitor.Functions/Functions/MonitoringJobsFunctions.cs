using ClientMonitor.Application.Api;
using ClientMonitor.Durable;
using Microsoft.DurableTask.Client;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace ClientMonitor.Functions.Functions;

/// <summary>Job runs started on demand and their progress, and the scheduler's status; starting or reading a run uses the Durable client. One function per operation; each runs its endpoint through <see cref="ApiEndpoints"/>.</summary>
public sealed class MonitoringJobsFunctions(ApiEndpoints api)
{
    private const string MonitoringJobsExecuteRoute = "v1/monitoring-jobs/execute";
    private const string MonitoringJobsExecuteForClientItemRoute = "v1/monitoring-jobs/execute-for-client/{clientId}";
    private const string MonitoringJobsTestRoute = "v1/monitoring-jobs/test";
    private const string JobRunsItemRoute = "v1/job-runs/{jobRunId}";
    private const string SchedulerStatusRoute = "v1/scheduler/status";
    private const string SchedulerJobsRecentRoute = "v1/scheduler/jobs/recent";

    [Function("ExecuteMonitoringJob")]
    public Task<IActionResult> ExecuteMonitoringJob([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = MonitoringJobsExecuteRoute)] HttpRequest request, [DurableClient] DurableTaskClient durable)
        => api.RunAsync(request, MonitoringJobsExecuteRoute, new DurableJobRunLauncher(durable));

    [Function("ExecuteMonitoringJobForClient")]
    public Task<IActionResult> ExecuteMonitoringJobForClient([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = MonitoringJobsExecuteForClientItemRoute)] HttpRequest request, [DurableClient] DurableTaskClient durable)
        => api.RunAsync(request, MonitoringJobsExecuteForClientItemRoute, new DurableJobRunLauncher(durable));

    [Function("TestMonitoringJob")]
    public Task<IActionResult> TestMonitoringJob([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = MonitoringJobsTestRoute)] HttpRequest request, [DurableClient] DurableTaskClient durable)
        => api.RunAsync(request, MonitoringJobsTestRoute, new DurableJobRunLauncher(durable));

    [Function("GetJobRun")]
    public Task<IActionResult> GetJobRun([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = JobRunsItemRoute)] HttpRequest request, [DurableClient] DurableTaskClient durable)
        => api.RunAsync(request, JobRunsItemRoute, new DurableJobRunLauncher(durable));

    [Function("GetSchedulerStatus")]
    public Task<IActionResult> GetSchedulerStatus([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SchedulerStatusRoute)] HttpRequest request)
        => api.RunAsync(request, SchedulerStatusRoute);

    [Function("ListRecentJobRuns")]
    public Task<IActionResult> ListRecentJobRuns([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SchedulerJobsRecentRoute)] HttpRequest request)
        => api.RunAsync(request, SchedulerJobsRecentRoute);
}
