using ClientMonitor.Application.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace ClientMonitor.Functions.Functions;

/// <summary>Each user's notification preferences (<c>/api/v1/user-preferences</c>). One function per operation; each runs its endpoint through <see cref="ApiEndpoints"/>.</summary>
public sealed class PreferencesFunctions(ApiEndpoints api)
{
    private const string UserPreferencesMeRoute = "v1/user-preferences/me";
    private const string UserPreferencesForUserRoute = "v1/user-preferences/{userId}";
    private const string UserPreferencesRoute = "v1/user-preferences";

    [Function("GetMyPreferences")]
    public Task<IActionResult> GetMyPreferences([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = UserPreferencesMeRoute)] HttpRequest request)
        => api.RunAsync(request, UserPreferencesMeRoute);

    [Function("UpdateMyPreferences")]
    public Task<IActionResult> UpdateMyPreferences([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = UserPreferencesMeRoute)] HttpRequest request)
        => api.RunAsync(request, UserPreferencesMeRoute);

    [Function("GetUserPreferences")]
    public Task<IActionResult> GetUserPreferences([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = UserPreferencesForUserRoute)] HttpRequest request)
        => api.RunAsync(request, UserPreferencesForUserRoute);

    [Function("CreatePreferences")]
    public Task<IActionResult> CreatePreferences([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = UserPreferencesRoute)] HttpRequest request)
        => api.RunAsync(request, UserPreferencesRoute);

    [Function("DeletePreferences")]
    public Task<IActionResult> DeletePreferences([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = UserPreferencesForUserRoute)] HttpRequest request)
        => api.RunAsync(request, UserPreferencesForUserRoute);
}
