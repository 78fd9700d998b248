using System.Net;
using ClientMonitor.Application.Api;
using ClientMonitor.LocalHost;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace ClientMonitor.Functions.Tests.Api;

/// <summary>
/// The OpenAPI document is one a client generator can use: valid OpenAPI by Microsoft.OpenApi's reader and rules
/// (which also refuse two templated paths that differ only in a parameter's name), and every operation described
/// whole: its id (the HTTP function's name), tag, parameters, body, responses with problem details, and security.
/// </summary>
public sealed class OpenApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task TheDocument_ReadsAndValidatesWithNoErrors()
    {
        var (document, diagnostic) = await LoadAsync();

        Assert.Empty(diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}"));
        Assert.Empty((document.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []).Select(e => $"{e.Pointer}: {e.Message}"));
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, diagnostic.SpecificationVersion);
    }

    [Fact]
    public async Task EveryOperation_IsDescribedWhole()
    {
        var (document, _) = await LoadAsync();
        var functions = FunctionsMetadata.Load(AppContext.BaseDirectory)
            .Where(f => f.Trigger.Type == "httpTrigger")
            .ToDictionary(f => (f.Trigger.Methods!.Single().ToUpperInvariant(), "/api/" + f.Trigger.Route), f => f.Name);
        var gaps = new List<string>();

        Assert.Equal(SecuritySchemeType.Http, document.Components!.SecuritySchemes![ApiDocs.BearerScheme].Type);
        foreach (var (path, item) in document.Paths)
        {
            foreach (var (method, operation) in item.Operations!)
            {
                var name = $"{method.Method} {path}";
                void Gap(bool missing, string what)
                {
                    if (missing)
                    {
                        gaps.Add($"{name}: {what}");
                    }
                }

                Gap(!functions.TryGetValue((method.Method, path), out var function) || operation.OperationId != function, $"operationId '{operation.OperationId}' is not its function's name");
                Gap(operation.Tags is not { Count: > 0 }, "no tag");
                Gap(string.IsNullOrWhiteSpace(operation.Summary), "no summary");
                Gap(!operation.Responses!.Keys.Any(k => k.StartsWith('2')), "no success response");
                Gap(operation.Responses.Where(r => r.Key.StartsWith('2') && r.Key != "204").Any(r => r.Value.Content is not { Count: > 0 }), "a success response without a schema");
                Gap(operation.Responses.Where(r => r.Key.StartsWith('4')).Any(r => r.Value.Content?.ContainsKey("application/problem+json") != true), "a 4xx response that is not problem details");
                Gap(!operation.Responses.ContainsKey("429"), "no 429");
                var routeValues = path.Split('/').Where(s => s.StartsWith('{')).Select(s => s.Trim('{', '}')).ToList();
                Gap(routeValues.Except(operation.Parameters?.Where(p => p.In == ParameterLocation.Path).Select(p => p.Name!) ?? []).Any(), "an undeclared route value");
                Gap(routeValues.Count > 0 && !operation.Responses.ContainsKey("404"), "route values but no 404");
                if (operation.RequestBody is not null)
                {
                    Gap(operation.RequestBody.Content?.TryGetValue("application/json", out var body) != true || body!.Schema is null, "a body without a JSON schema");
                    Gap(!operation.Responses.ContainsKey("400") || !operation.Responses.ContainsKey("422"), "a body but no 400/422");
                }

                if (operation.Security is { Count: > 0 })
                {
                    Gap(!operation.Responses.ContainsKey("401") || !operation.Responses.ContainsKey("403"), "a token but no 401/403");
                }
                else
                {
                    Gap(path != "/api/v1/openapi.json", "no bearer security");
                }
            }
        }

        Assert.Empty(gaps);
        var described = functions.Keys.Count(k => k.Item2.StartsWith("/api/v1/", StringComparison.Ordinal) && k.Item2 != "/api/v1/openapi.json" && !k.Item2.StartsWith("/api/v1/reference", StringComparison.Ordinal));
        Assert.Equal(described, document.Paths.Sum(p => p.Value.Operations!.Count));
    }

    [Fact]
    public async Task TheListsAndFiltersAreDescribed()
    {
        var (document, _) = await LoadAsync();

        var events = document.Paths["/api/v1/events"].Operations![HttpMethod.Get];
        Assert.Equal(["skip", "limit", "client_id", "category", "min_relevance", "from", "to", "cursor"], events.Parameters!.Select(p => p.Name));
        Assert.Contains("risk", events.Parameters!.Single(p => p.Name == "category").Schema!.Enum!.Select(v => v!.ToString()));
        var createClient = document.Paths["/api/v1/clients"].Operations![HttpMethod.Post];
        Assert.True(createClient.Responses!.ContainsKey("201"));
        var users = document.Paths["/api/v1/users"].Operations![HttpMethod.Get];
        Assert.Equal(["skip", "limit"], users.Parameters!.Select(p => p.Name));
    }

    [Fact]
    public async Task TheReferencePage_IsServedWithItsScript_FromTheAppItself()
    {
        var client = fixture.Worker.CreateClient();

        using var page = await client.GetAsync("/api/v1/reference");
        var html = await page.Content.ReadAsStringAsync();
        using var script = await client.GetAsync("/api/v1/reference/scalar.js");
        using var loader = await client.GetAsync("/api/v1/reference/scalar.aspnetcore.js");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"url\":\"api/v1/openapi.json\"", html, StringComparison.Ordinal);
        Assert.EndsWith("/api/v1/reference/", page.RequestMessage!.RequestUri!.AbsolutePath, StringComparison.Ordinal); // so "scalar.js" is the app's
        Assert.DoesNotContain("cdn.jsdelivr.net", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("scalar.js", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.True((await script.Content.ReadAsByteArrayAsync()).Length > 100_000, "the embedded Scalar bundle");
        Assert.Equal(HttpStatusCode.OK, loader.StatusCode);
    }

    private async Task<(OpenApiDocument Document, OpenApiDiagnostic Diagnostic)> LoadAsync()
    {
        using var response = await fixture.Worker.CreateClient().GetAsync("/api/v1/openapi.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var result = await OpenApiDocument.LoadAsync(stream, "json");
        Assert.NotNull(result.Document);
        return (result.Document!, result.Diagnostic!);
    }
}
