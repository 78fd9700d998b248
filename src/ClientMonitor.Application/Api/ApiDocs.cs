using System.Text.Json.Nodes;
using ClientMonitor.Core.Pipeline;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.OpenApi;

namespace ClientMonitor.Application.Api;

/// <summary>A query parameter an endpoint reads through <see cref="Query"/> (so no binding describes it).</summary>
public sealed record ApiQueryParameter(string Name, JsonSchemaType Type, string Description, string? Format = null, IReadOnlyList<string>? Values = null);

/// <summary>
/// What the OpenAPI document says beyond what the endpoints' own metadata gives: the query parameters each reads,
/// the problem-details answers each can give (from its route, body and policy, by one rule for all), and the bearer
/// scheme on every operation that needs a token.
/// </summary>
public static class ApiDocs
{
    public const string BearerScheme = "Bearer";

    private static readonly string[] ProblemTypes = ["application/problem+json"];

    /// <summary>Names the operation (its id is the HTTP function's name), says what it does, what it answers and with what body.</summary>
    public static RouteHandlerBuilder Doc(this RouteHandlerBuilder endpoint, string operationId, string summary)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.WithName(operationId).WithSummary(summary);
    }

    /// <summary>The JSON body the endpoint reads with <see cref="ApiBody"/>.</summary>
    public static RouteHandlerBuilder Body<T>(this RouteHandlerBuilder endpoint, bool optional = false)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.Accepts<T>(optional, "application/json");
    }

    public static RouteHandlerBuilder Query(this RouteHandlerBuilder endpoint, params ApiQueryParameter[] parameters)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.WithMetadata(parameters.Cast<object>().ToArray());
    }

    /// <summary><c>skip</c> and <c>limit</c>, read by <see cref="Query.Page"/>.</summary>
    public static RouteHandlerBuilder Paged(this RouteHandlerBuilder endpoint, params ApiQueryParameter[] filters) => endpoint.Query(
        [
            new("skip", JsonSchemaType.Integer, "Items to skip (0 or more; default 0)."),
            new("limit", JsonSchemaType.Integer, $"Items per page (1..{Paging.MaxLimit}; default {Paging.DefaultLimit})."),
            .. filters,
        ]);

    /// <summary>The <c>cursor</c> of a list that pages by cursor (<see cref="Query.Cursor"/>).</summary>
    public static readonly ApiQueryParameter Cursor = new("cursor", JsonSchemaType.String, "Where the page starts: take it from the previous page's next link.");

    public static ApiQueryParameter Text(string name, string description) => new(name, JsonSchemaType.String, description);

    public static ApiQueryParameter Flag(string name, string description) => new(name, JsonSchemaType.Boolean, description);

    public static ApiQueryParameter Time(string name, string description) => new(name, JsonSchemaType.String, description, "date-time");

    public static ApiQueryParameter OneOf<TEnum>(string name, string description)
        where TEnum : struct, Enum => new(name, JsonSchemaType.String, description, null, Enum.GetValues<TEnum>().Select(WireJson.Name).ToList());

    /// <summary>
    /// The problem answers of every endpoint of a group, added once the endpoint's own conventions have run: 400 and
    /// 422 with a body, 422 with query parameters, 404 with route values, 412 for an update or delete of one item
    /// (<c>If-Match</c>), 401 and 403 when it needs a token, and 429 everywhere under <c>/api/v1</c>.
    /// </summary>
    public static void DescribeProblems(this IEndpointConventionBuilder group)
    {
        ArgumentNullException.ThrowIfNull(group);
        group.Finally(endpoint =>
        {
            var metadata = endpoint.Metadata;
            var statuses = new SortedSet<int> { StatusCodes.Status429TooManyRequests };
            var methods = metadata.OfType<HttpMethodMetadata>().FirstOrDefault()?.HttpMethods;
            var method = methods is { Count: > 0 } ? methods[0] : null;
            var hasRouteValues = endpoint is RouteEndpointBuilder route && route.RoutePattern.Parameters.Count > 0;
            if (metadata.OfType<IAcceptsMetadata>().Any())
            {
                statuses.UnionWith([StatusCodes.Status400BadRequest, StatusCodes.Status422UnprocessableEntity]);
            }

            if (metadata.OfType<ApiQueryParameter>().Any())
            {
                statuses.Add(StatusCodes.Status422UnprocessableEntity);
            }

            if (hasRouteValues)
            {
                statuses.Add(StatusCodes.Status404NotFound);
            }

            if (hasRouteValues && method is "PUT" or "DELETE")
            {
                statuses.Add(StatusCodes.Status412PreconditionFailed);
            }

            if (RequiresToken(metadata))
            {
                statuses.UnionWith([StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden]);
            }

            foreach (var status in statuses.Where(s => !metadata.OfType<IProducesResponseTypeMetadata>().Any(p => p.StatusCode == s)))
            {
                metadata.Add(new ProducesResponseTypeMetadata(status, typeof(ProblemDetails), ProblemTypes));
            }
        });
    }

    /// <summary>Title, the bearer scheme, the query parameters and the security requirement of each operation.</summary>
    public static void Describe(OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "ClientMonitor management API";
            document.Info.Description = "Schedules, preferences, clients, monitoring jobs, events, notifications, email logs and alerts. "
                + "Authenticate with a bearer token (Entra ID in Azure; scripts/token.sh locally). Every error is RFC 7807 problem details naming the field at fault; "
                + "reads return an ETag that updates and deletes take in If-Match.";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A token naming the user, their business and role; or an operator's token.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            foreach (var parameter in metadata.OfType<ApiQueryParameter>())
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = parameter.Name,
                    In = ParameterLocation.Query,
                    Description = parameter.Description,
                    Schema = new OpenApiSchema
                    {
                        Type = parameter.Type,
                        Format = parameter.Format,
                        Enum = parameter.Values?.Select(v => (JsonNode)JsonValue.Create(v)).ToList(),
                    },
                });
            }

            if (RequiresToken(metadata))
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
            }

            return Task.CompletedTask;
        });
    }

    private static bool RequiresToken(IEnumerable<object> metadata)
        => metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
}
