using ClientMonitor.Application.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace ClientMonitor.Functions.Functions;

/// <summary>The clients a business monitors (<c>/api/v1/clients</c>). One function per operation; each runs its endpoint through <see cref="ApiEndpoints"/>.</summary>
public sealed class ClientsFunctions(ApiEndpoints api)
{
    private const string ClientsRoute = "v1/clients";
    private const string ClientsItemRoute = "v1/clients/{clientId}";

    [Function("ListClients")]
    public Task<IActionResult> ListClients([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ClientsRoute)] HttpRequest request)
        => api.RunAsync(request, ClientsRoute);

    [Function("GetClient")]
    public Task<IActionResult> GetClient([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ClientsItemRoute)] HttpRequest request)
        => api.RunAsync(request, ClientsItemRoute);

    [Function("CreateClient")]
    public Task<IActionResult> CreateClient([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ClientsRoute)] HttpRequest request)
        => api.RunAsync(request, ClientsRoute);

    [Function("UpdateClient")]
    public Task<IActionResult> UpdateClient([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ClientsItemRoute)] HttpRequest request)
        => api.RunAsync(request, ClientsItemRoute);

    [Function("DeleteClient")]
    public Task<IActionResult> DeleteClient([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ClientsItemRoute)] HttpRequest request)
        => api.RunAsync(request, ClientsItemRoute);
}
