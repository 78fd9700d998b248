using ClientMonitor.Application.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace ClientMonitor.Functions.Functions;

/// <summary>Businesses and their users (<c>/api/v1/businesses</c>, <c>/api/v1/users</c>). One function per operation; each runs its endpoint through <see cref="ApiEndpoints"/>.</summary>
public sealed class TenancyFunctions(ApiEndpoints api)
{
    private const string BusinessesRoute = "v1/businesses";
    private const string BusinessesMeRoute = "v1/businesses/me";
    private const string UsersRoute = "v1/users";
    private const string UsersItemRoute = "v1/users/{userId}";

    [Function("OnboardBusiness")]
    public Task<IActionResult> OnboardBusiness([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = BusinessesRoute)] HttpRequest request)
        => api.RunAsync(request, BusinessesRoute);

    [Function("GetMyBusiness")]
    public Task<IActionResult> GetMyBusiness([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = BusinessesMeRoute)] HttpRequest request)
        => api.RunAsync(request, BusinessesMeRoute);

    [Function("ListUsers")]
    public Task<IActionResult> ListUsers([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = UsersRoute)] HttpRequest request)
        => api.RunAsync(request, UsersRoute);

    [Function("GetUser")]
    public Task<IActionResult> GetUser([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = UsersItemRoute)] HttpRequest request)
        => api.RunAsync(request, UsersItemRoute);

    [Function("CreateUser")]
    public Task<IActionResult> CreateUser([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = UsersRoute)] HttpRequest request)
        => api.RunAsync(request, UsersRoute);

    [Function("UpdateUser")]
    public Task<IActionResult> UpdateUser([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = UsersItemRoute)] HttpRequest request)
        => api.RunAsync(request, UsersItemRoute);

    [Function("DeleteUser")]
    public Task<IActionResult> DeleteUser([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = UsersItemRoute)] HttpRequest request)
        => api.RunAsync(request, UsersItemRoute);
}
