using System.Text.Json.Serialization;
using ClientMonitor.Application.Dashboard;
using Scalar.AspNetCore;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Application.Health;

namespace ClientMonitor.Application.Api;

/// <summary>
/// The management API under <c>/api/v1</c>: bearer-token authentication, problem details for every error, the
/// product's snake_case JSON, and the OpenAPI document at <c>/api/v1/openapi.json</c>. Everything under <c>/api/v1</c>
/// except the OpenAPI document and the reference page needs a token: a business's, or an operator's for onboarding
/// and the app-wide alerts and metrics. Admin-only endpoints say so where mapped. The dashboard's page and the
/// tracking links are anonymous.
/// The Functions host forwards requests with <c>authLevel: anonymous</c>, so no host key ever stands in for a user:
/// the token is checked here, on every request.
/// </summary>
public static class ApiSetup
{
    public const string Prefix = "/api/v1";

    public static IServiceCollection AddClientMonitorApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRouting();
        services.AddSingleton<ApiEndpoints>();
        // No web host routes these endpoints, so the API explorer behind the OpenAPI document is told where they are.
        services.AddSingleton(sp => sp.GetRequiredService<ApiEndpoints>().DataSource);
        services.AddProblemDetails();
        services.AddSingleton<IProblemDetailsWriter, AlwaysJsonProblemWriter>();
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = WireJson.Options.PropertyNamingPolicy;
            options.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        });
        services.AddApiAuthentication(configuration);
        services.AddApiRateLimits();
        services.AddMemoryCache();
        services.AddOpenApi("v1", ApiDocs.Describe);
        services.AddOptions<DashboardOptions>().BindConfiguration(DashboardOptions.Section);
        return services;
    }

    /// <summary>
    /// Maps every endpoint of the management API (with the tracking links) onto <paramref name="endpoints"/>. The
    /// middleware the endpoints rely on (problem details, authentication, rate limits, membership, authorization) is
    /// <see cref="UseApiPipeline"/>; <see cref="ApiEndpoints"/> puts the two together for the HTTP functions.
    /// </summary>
    public static IEndpointRouteBuilder MapClientMonitorApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var v1 = endpoints.MapGroup(Prefix);
        v1.DescribeProblems();
        v1.AddEndpointFilter(ApiIds.RejectImpossibleRouteIds);
        v1.MapOpenApi("/openapi.json").AllowAnonymous();
        v1.MapTenancyApi();
        var tenant = v1.MapGroup(string.Empty).RequireAuthorization(ApiRoles.TenantPolicy);
        tenant.MapPreferencesApi();
        tenant.MapSchedulesApi();
        tenant.MapClientsApi();
        tenant.MapMonitoringApi();
        tenant.MapEmailLogsApi();
        tenant.MapReportsApi();
        tenant.MapDashboardChartsApi();
        v1.MapAlertsApi();
        v1.MapSystemMetricsApi();
        endpoints.MapTracking();
        endpoints.MapApiReference();
        endpoints.MapDashboard();
        return endpoints;
    }

    /// <summary>
    /// The API reference page (Scalar) at <c>/api/v1/reference</c>, reading <c>/api/v1/openapi.json</c>. Its script is
    /// embedded in the Scalar.AspNetCore package and served by the app: nothing is fetched from a CDN.
    /// </summary>
    private static void MapApiReference(this IEndpointRouteBuilder endpoints)
        => endpoints.MapScalarApiReference(ReferencePrefix, options => options
            .WithTitle("ClientMonitor API reference")
            .WithOpenApiRoutePattern(Prefix + "/openapi.json")
            .AddPreferredSecuritySchemes(ApiDocs.BearerScheme))
            .AllowAnonymous();

    public const string ReferencePrefix = Prefix + "/reference";

    /// <summary>What runs before every endpoint, in order: errors as problem details, then the caller's address, who calls, how often, whether they belong, what they may do.</summary>
    public static IApplicationBuilder UseApiPipeline(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseClientAddresses();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseApiCallers();
        app.UseAuthorization();
        return app;
    }
}
