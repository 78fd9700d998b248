using ClientMonitor.Application.Api;
using ClientMonitor.Core.Pipeline;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ClientMonitor.Functions.Functions;

internal static class ApiFunctionExtensions
{
    /// <summary>
    /// Runs the endpoint of <paramref name="route"/> (the function's route) for <paramref name="request"/>. The
    /// endpoint writes the response itself; the empty result tells the ASP.NET Core integration there is nothing more.
    /// </summary>
    public static async Task<IActionResult> RunAsync(this ApiEndpoints api, HttpRequest request, string route, IJobRunLauncher? launcher = null)
    {
        await api.DispatchAsync(request, route, launcher);
        return new EmptyResult();
    }
}
