using ClientMonitor.Application.Api;
using ClientMonitor.Durable;
using Microsoft.DurableTask.Client;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace ClientMonitor.Functions.Functions;

/// <summary>Automation schedules (<c>/api/v1/automation-schedules</c>); a trigger starts a job run's orchestration. One function per operation; each runs its endpoint through <see cref="ApiEndpoints"/>.</summary>
public sealed class SchedulesFunctions(ApiEndpoints api)
{
    private const string AutomationSchedulesRoute = "v1/automation-schedules";
    private const string AutomationSchedulesItemRoute = "v1/automation-schedules/{scheduleId}";
    private const string AutomationSchedulesItemActivateRoute = "v1/automation-schedules/{scheduleId}/activate";
    private const string AutomationSchedulesItemDeactivateRoute = "v1/automation-schedules/{scheduleId}/deactivate";
    private const string AutomationSchedulesItemTriggerRoute = "v1/automation-schedules/{scheduleId}/trigger";
    private const string AutomationSchedulesBulkActivateRoute = "v1/automation-schedules/bulk/activate";
    private const string AutomationSchedulesBulkDeactivateRoute = "v1/automation-schedules/bulk/deactivate";
    private const string AutomationSchedulesBulkDeleteRoute = "v1/automation-schedules/bulk/delete";

    [Function("ListSchedules")]
    public Task<IActionResult> ListSchedules([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AutomationSchedulesRoute)] HttpRequest request)
        => api.RunAsync(request, AutomationSchedulesRoute);

    [Function("CreateSchedule")]
    public Task<IActionResult> CreateSchedule([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AutomationSchedulesRoute)] HttpRequest request)
        => api.RunAsync(request, AutomationSchedulesRoute);

    [Function("GetSchedule")]
    public Task<IActionResult> GetSchedule([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AutomationSchedulesItemRoute)] HttpRequest request)
        => api.RunAsync(request, AutomationSchedulesItemRoute);

    [Function("UpdateSchedule")]
    public Task<IActionResult> UpdateSchedule([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = AutomationSchedulesItemRoute)] HttpRequest request)
        => api.RunAsync(request, AutomationSchedulesItemRoute);

    [Function("DeleteSchedule")]
    public Task<IActionResult> DeleteSchedule([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = AutomationSchedulesItemRoute)] HttpRequest request)
        => api.RunAsync(request, AutomationSchedulesItemRoute);

    [Function("EnableSchedule")]
    public Task<IActionResult> EnableSchedule([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AutomationSchedulesItemActivateRoute)] HttpRequest request)
        => api.RunAsync(request, AutomationSchedulesItemActivateRoute);

    [Function("DisableSchedule")]
    public Task<IActionResult> DisableSchedule([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AutomationSchedulesItemDeactivateRoute)] HttpRequest request)
        => api.RunAsync(request, AutomationSchedulesItemDeactivateRoute);

    [Function("TriggerSchedule")]
    public Task<IActionResult> TriggerSchedule([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AutomationSchedulesItemTriggerRoute)] HttpRequest request, [DurableClient] DurableTaskClient durable)
        => api.RunAsync(request, AutomationSchedulesItemTriggerRoute, new DurableJobRunLauncher(durable));

    [Function("BulkActivateSchedules")]
    public Task<IActionResult> BulkActivateSchedules([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AutomationSchedulesBulkActivateRoute)] HttpRequest request)
        => api.RunAsync(request, AutomationSchedulesBulkActivateRoute);

    [Function("BulkDeactivateSchedules")]
    public Task<IActionResult> BulkDeactivateSchedules([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AutomationSchedulesBulkDeactivateRoute)] HttpRequest request)
        => api.RunAsync(request, AutomationSchedulesBulkDeactivateRoute);

    [Function("BulkDeleteSchedules")]
    public Task<IActionResult> BulkDeleteSchedules([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AutomationSchedulesBulkDeleteRoute)] HttpRequest request)
        => api.RunAsync(request, AutomationSchedulesBulkDeleteRoute);
}
