using ClientMonitor.Application.Health;
using ClientMonitor.Core.Pipeline;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Routing.Template;

namespace ClientMonitor.Application.Api;

/// <summary>
/// The management API, health and tracking endpoints, built once and routed by no web host: each HTTP function runs
/// its one operation with <see cref="DispatchAsync"/>, which takes the endpoint of the function's method and route,
/// fills the route values and runs it behind the API's pipeline (<see cref="ApiSetup.UseApiPipeline"/>). So the
/// Functions host (or the local host) does the routing, one function per operation, and the endpoints keep their
/// validation, authorization, rate limits, ETags and OpenAPI description in one place, whatever host runs them.
/// </summary>
public sealed class ApiEndpoints
{
    private readonly Dictionary<(string Method, string Route), (RouteEndpoint Endpoint, TemplateMatcher Matcher)> _operations;
    private readonly Lazy<RequestDelegate> _pipeline;

    public ApiEndpoints(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var routes = new DetachedRouteBuilder(services);
        routes.MapClientMonitorApi();
        routes.MapClientMonitorHealth();

        DataSource = new CompositeEndpointDataSource(routes.DataSources);
        Endpoints = routes.DataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>().ToList();
        _operations = [];
        foreach (var endpoint in Endpoints)
        {
            var matcher = new TemplateMatcher(new RouteTemplate(endpoint.RoutePattern), new RouteValueDictionary());
            // Health checks are mapped for every method; their functions say which they answer.
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [HttpMethods.Get, HttpMethods.Head])
            {
                _operations.Add((method, RouteOf(endpoint.RoutePattern)), (endpoint, matcher));
            }
        }

        // Built on first use: the authorization middleware asks for the endpoint data source, which is this.
        _pipeline = new Lazy<RequestDelegate>(() =>
        {
            var app = new ApplicationBuilder(services);
            app.UseApiPipeline();
            app.Run(context => context.GetEndpoint()!.RequestDelegate!(context));
            return app.Build();
        });
    }

    /// <summary>The Functions host's route prefix (host.json <c>extensions.http.routePrefix</c>, default <c>api</c>).</summary>
    public const string RoutePrefix = "api";

    /// <summary>The endpoints as one data source: the OpenAPI document describes these (see <see cref="ApiSetup"/>).</summary>
    public EndpointDataSource DataSource { get; }

    /// <summary>Every endpoint, for the check that each has exactly one HTTP function.</summary>
    public IReadOnlyList<RouteEndpoint> Endpoints { get; }

    /// <summary>
    /// An endpoint's route as a Functions route: no leading or trailing slash, parameters without constraints
    /// (<c>api/v1/clients/{clientId}</c>; optional <c>{name?}</c>, catch-all <c>{*name}</c>).
    /// </summary>
    public static string RouteOf(RoutePattern pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return string.Join('/', pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => "{" + (parameter.IsCatchAll ? "*" : string.Empty) + parameter.Name + (parameter.IsOptional ? "?" : string.Empty) + "}",
            RoutePatternSeparatorPart separator => separator.Content,
            _ => throw new NotSupportedException($"Route part {part.GetType().Name} in {pattern.RawText}"),
        }))));
    }

    /// <summary>
    /// Runs the operation that <paramref name="route"/> (the function's route, without the <see cref="RoutePrefix"/>)
    /// maps for the request's method, and writes its response. A function that
    /// starts job runs passes its Durable client's <paramref name="launcher"/>.
    /// </summary>
    public Task DispatchAsync(HttpRequest request, string route, IJobRunLauncher? launcher = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var context = request.HttpContext;
        if (!_operations.TryGetValue((request.Method, RoutePrefix + "/" + route), out var operation))
        {
            throw new InvalidOperationException($"No API endpoint answers {request.Method} {route}: the function and the endpoint disagree.");
        }

        var values = new RouteValueDictionary();
        if (!operation.Matcher.TryMatch(request.Path, values))
        {
            throw new InvalidOperationException($"The request path {request.Path} does not match the route {route} of its function.");
        }

        request.RouteValues = values;
        context.SetEndpoint(operation.Endpoint);
        if (launcher is not null)
        {
            context.Features.Set(launcher);
        }

        return _pipeline.Value(context);
    }

    /// <summary>The launcher of the function that runs this request; only functions that start job runs pass one.</summary>
    public static IJobRunLauncher Launcher(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<IJobRunLauncher>()
            ?? throw new InvalidOperationException("This operation starts job runs, but its function passed no Durable client.");
    }

    /// <summary>An endpoint route builder that belongs to no application: the endpoints are only ever dispatched to.</summary>
    private sealed class DetachedRouteBuilder(IServiceProvider services) : IEndpointRouteBuilder
    {
        public IServiceProvider ServiceProvider => services;

        public ICollection<EndpointDataSource> DataSources { get; } = [];

        public IApplicationBuilder CreateApplicationBuilder() => new ApplicationBuilder(services);
    }
}
