using System.Text.RegularExpressions;
using ClientMonitor.Core;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Scheduling;

namespace ClientMonitor.Application.Api;

public sealed record ClientResponse(
    string Id, string BusinessId, string Name, string? Domain, string? Industry, IReadOnlyList<string> Keywords,
    IReadOnlyList<string> AssignedUserIds, string? SalesforceAccountId, string? HubSpotCompanyId, bool IsActive)
{
    public static ClientResponse From(Client c) => new(c.Id, c.BusinessId, c.Name, c.Domain, c.Industry, c.Keywords, c.AssignedUserIds, c.SalesforceAccountId, c.HubSpotCompanyId, c.IsActive);
}

/// <summary>Create and update body; on update only the fields sent change. <c>name</c> is required on create.</summary>
public sealed record ClientRequest(
    string? Name, string? Domain, string? Industry, IReadOnlyList<string>? Keywords, IReadOnlyList<string>? AssignedUserIds,
    string? SalesforceAccountId, string? HubSpotCompanyId, bool? IsActive);

/// <summary>A page of clients; <c>total</c> only when this page reached the end, <c>next</c> the link to the rest.</summary>
public sealed record ClientList(IReadOnlyList<ClientResponse> Clients, int? Total, int Skip, int Limit, string? Next);

/// <summary><c>/api/v1/clients</c>: the clients a business monitors. Everyone reads; admins create, change and delete.</summary>
public static partial class ClientsApi
{
    public static RouteGroupBuilder MapClientsApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var group = api.MapGroup("/clients").WithTags("Clients");
        group.MapGet("/", ListAsync).Doc("ListClients", "A page of the business's clients, by name.").Produces<ClientList>().Paged(ApiDocs.Flag("is_active", "Only active (true) or inactive (false) clients."), ApiDocs.Cursor);
        group.MapGet("/{clientId}", GetAsync).Doc("GetClient", "One client, with its ETag.").Produces<ClientResponse>();
        group.MapPost("/", CreateAsync).Doc("CreateClient", "Adds a client to monitor (admin).").Body<ClientRequest>().Produces<ClientResponse>(StatusCodes.Status201Created).RequireAuthorization(ApiRoles.AdminPolicy);
        group.MapPut("/{clientId}", UpdateAsync).Doc("UpdateClient", "Changes the fields sent (admin); If-Match guards against lost updates.").Body<ClientRequest>().Produces<ClientResponse>().RequireAuthorization(ApiRoles.AdminPolicy);
        group.MapDelete("/{clientId}", DeleteAsync).Doc("DeleteClient", "Removes a client (admin).").Produces(StatusCodes.Status204NoContent).RequireAuthorization(ApiRoles.AdminPolicy);
        return group;
    }

    private static async Task<IResult> ListAsync(HttpContext context, IClientStore store, CancellationToken ct)
    {
        var query = new Query(context.Request);
        var (skip, limit) = query.Page();
        var active = query.Bool("is_active");
        if (query.Errors.Count > 0)
        {
            return ApiProblems.Invalid(query.Errors);
        }

        try
        {
            var page = await store.PageAsync(context.Caller().BusinessId, active, skip, limit, query.Cursor(), ct);
            return TypedResults.Ok(new ClientList(page.Items.Select(ClientResponse.From).ToList(), page.Total, skip, limit, Query.NextLink(context.Request, page.Next)));
        }
        catch (InvalidCursorException ex)
        {
            return ApiProblems.Invalid("cursor", ex.Message);
        }
    }

    private static async Task<IResult> GetAsync(HttpContext context, string clientId, IClientStore store, CancellationToken ct)
    {
        var found = await store.GetVersionedAsync(context.Caller().BusinessId, clientId, ct);
        if (found is null)
        {
            return ApiProblems.NotFound("client");
        }

        ApiETags.Set(context, found.ETag);
        return TypedResults.Ok(ClientResponse.From(found.Value));
    }

    private static async Task<IResult> CreateAsync(HttpContext context, IClientStore store, ITenantStore tenants, CancellationToken ct)
    {
        var (body, problem) = await ApiBody.ReadAsync<ClientRequest>(context.Request, ct);
        if (problem is not null)
        {
            return problem;
        }

        var caller = context.Caller();
        var r = body!.Value;
        var client = new Client(Guid.NewGuid().ToString("N"), caller.BusinessId, r.Name ?? string.Empty, r.Domain, r.Industry, r.Keywords ?? [], r.AssignedUserIds ?? [], r.SalesforceAccountId, r.HubSpotCompanyId, r.IsActive ?? true);
        var errors = await ValidateAsync(client, tenants, ct);
        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        var (_, etag) = await store.CreateAsync(client, ct);
        ApiETags.Set(context, etag!);
        return TypedResults.Created($"/api/v1/clients/{client.Id}", ClientResponse.From(client));
    }

    private static async Task<IResult> UpdateAsync(HttpContext context, string clientId, IClientStore store, ITenantStore tenants, CancellationToken ct)
    {
        var caller = context.Caller();
        var found = await store.GetVersionedAsync(caller.BusinessId, clientId, ct);
        if (found is null)
        {
            return ApiProblems.NotFound("client");
        }

        var (body, problem) = await ApiBody.ReadAsync<ClientRequest>(context.Request, ct);
        if (problem is not null)
        {
            return problem;
        }

        if (!ApiETags.Matches(context.Request, found.ETag))
        {
            return ApiProblems.Stale();
        }

        var r = body!.Value;
        var c = found.Value;
        var updated = c with
        {
            Name = r.Name ?? c.Name,
            Domain = body.Has("domain") ? r.Domain : c.Domain,
            Industry = body.Has("industry") ? r.Industry : c.Industry,
            Keywords = r.Keywords ?? c.Keywords,
            AssignedUserIds = r.AssignedUserIds ?? c.AssignedUserIds,
            SalesforceAccountId = body.Has("salesforce_account_id") ? r.SalesforceAccountId : c.SalesforceAccountId,
            HubSpotCompanyId = body.Has("hub_spot_company_id") ? r.HubSpotCompanyId : c.HubSpotCompanyId,
            IsActive = r.IsActive ?? c.IsActive,
        };
        var errors = body.NullErrors("name", "keywords", "assigned_user_ids", "is_active").ToList();
        errors.AddRange(await ValidateAsync(updated, tenants, ct));
        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        var (result, etag) = await store.ReplaceAsync(updated, found.ETag, ct);
        if (result != WriteResult.Done)
        {
            return result == WriteResult.NotFound ? ApiProblems.NotFound("client") : ApiProblems.Stale();
        }

        ApiETags.Set(context, etag!);
        return TypedResults.Ok(ClientResponse.From(updated));
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, string clientId, IClientStore store, CancellationToken ct)
    {
        var caller = context.Caller();
        var found = await store.GetVersionedAsync(caller.BusinessId, clientId, ct);
        if (found is null)
        {
            return ApiProblems.NotFound("client");
        }

        if (!ApiETags.Matches(context.Request, found.ETag))
        {
            return ApiProblems.Stale();
        }

        return await store.DeleteAsync(caller.BusinessId, clientId, found.ETag, ct) == WriteResult.Stale ? ApiProblems.Stale() : TypedResults.NoContent();
    }

    private static async Task<List<FieldError>> ValidateAsync(Client client, ITenantStore tenants, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(client.Name) || client.Name.Length > 200)
        {
            errors.Add(new("name", "A name of 1..200 characters is required."));
        }

        if (client.Domain is not null && !DomainPattern().IsMatch(client.Domain))
        {
            errors.Add(new("domain", "A host name such as contoso.com (no scheme or path)."));
        }

        if (client.Keywords.Count > 20 || client.Keywords.Any(k => string.IsNullOrWhiteSpace(k) || k.Length > 100))
        {
            errors.Add(new("keywords", "Up to 20 keywords of 1..100 characters."));
        }

        if (client.SalesforceAccountId is not null && !SalesforceIdPattern().IsMatch(client.SalesforceAccountId))
        {
            errors.Add(new("salesforce_account_id", "A 15- or 18-character Salesforce record id."));
        }

        if (client.HubSpotCompanyId is not null && !client.HubSpotCompanyId.All(char.IsAsciiDigit))
        {
            errors.Add(new("hub_spot_company_id", "A numeric HubSpot company id."));
        }

        if (client.AssignedUserIds.Count > 0)
        {
            var users = (await tenants.ListUsersAsync(client.BusinessId, ct)).Select(u => u.Id).ToHashSet(StringComparer.Ordinal);
            var unknown = client.AssignedUserIds.Where(id => !users.Contains(id)).ToList();
            if (unknown.Count > 0)
            {
                errors.Add(new("assigned_user_ids", "No user with id(s) " + string.Join(", ", unknown) + " in your business."));
            }
        }

        return errors;
    }

    [GeneratedRegex(@"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DomainPattern();

    [GeneratedRegex("^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$", RegexOptions.CultureInvariant)]
    private static partial Regex SalesforceIdPattern();
}
