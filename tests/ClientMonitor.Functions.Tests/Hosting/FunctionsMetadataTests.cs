using System.Text.RegularExpressions;
using ClientMonitor.Application.Api;
using ClientMonitor.LocalHost;
using ClientMonitor.LocalHost.Triggers;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ClientMonitor.Functions.Tests.Hosting;

/// <summary>
/// The build's functions.metadata (the one list of functions) against the triggers the app needs, the API's
/// endpoints, the local host that serves it, and the architecture document that names it.
/// </summary>
public sealed partial class FunctionsMetadataTests
{
    private static readonly IReadOnlyList<FunctionMetadata> Functions = FunctionsMetadata.Load(AppContext.BaseDirectory);

    private static readonly string[] Activities = ["MonitorClient", "RecordClientFailed", "FinishJobRun"];

    private static FunctionMetadata Function(string name) => Assert.Single(Functions, f => f.Name == name);

    [Fact]
    public void TheMetadata_HasTheTimersTheQueueAndTheOrchestration_WithTheirBindings()
    {
        Assert.Equal(("timerTrigger", "0 * * * * *"), (Function("ScheduleTick").Trigger.Type, Function("ScheduleTick").Trigger.Schedule));
        Assert.Contains(Function("ScheduleTick").Bindings, b => b.Type == "durableClient");
        Assert.Equal("0 0 * * * *", Function("DigestTick").Trigger.Schedule);
        Assert.Equal("0 0 4,21 * * *", Function("ReportTick").Trigger.Schedule);
        Assert.Equal(("queueTrigger", "notifications"), (Function("DeliverNotification").Trigger.Type, Function("DeliverNotification").Trigger.QueueName));
        Assert.Equal("orchestrationTrigger", Function("JobRun").Trigger.Type);
        Assert.All(Activities, name => Assert.Equal("activityTrigger", Function(name).Trigger.Type));
        Assert.All(
            Functions.Where(f => f.Trigger.Type == "httpTrigger"),
            f => Assert.True(f.Trigger.Route!.StartsWith("v1/", StringComparison.Ordinal) || f.Trigger.Route is "health" or "health/live" || f.Trigger.Route.StartsWith("track/", StringComparison.Ordinal) || f.Trigger.Route.StartsWith("dashboard/", StringComparison.Ordinal), f.Name));
    }

    [Fact]
    public async Task EveryApiEndpoint_HasExactlyOneHttpFunction_WithItsMethodAndRoute()
    {
        await using var host = new WorkerFactory((await ClientMonitor.Testing.Azurite.SharedAsync()).ConnectionString);
        var endpoints = host.Services.GetRequiredService<ApiEndpoints>().Endpoints
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => $"{m} {ApiEndpoints.RouteOf(e.RoutePattern)}"))
            .Order().ToList();
        var functions = Functions.Where(f => f.Trigger.Type == "httpTrigger")
            .SelectMany(f => f.Trigger.Methods!.Select(m => $"{m.ToUpperInvariant()} {ApiEndpoints.RoutePrefix}/{f.Trigger.Route}"))
            .Order().ToList();

        Assert.Equal(endpoints, functions);
    }

    /// <summary>
    /// The Functions host tries HTTP routes in the alphabetical order of function names, not by ASP.NET's precedence
    /// (azure-functions-host#9876): a general route whose function sorts first takes a more specific route's requests
    /// (<c>{scheduleId}/activate</c> would take <c>bulk/activate</c>). The local host uses ASP.NET's precedence, so only
    /// this test sees it: under the host's order, every function's own path must reach that function.
    /// </summary>
    [Fact]
    public void UnderTheHostsNameOrder_EveryHttpFunctionGetsItsOwnPaths()
    {
        var http = Functions.Where(f => f.Trigger.Type == "httpTrigger").OrderBy(f => f.Name, StringComparer.OrdinalIgnoreCase).ToList();
        var matchers = http.Select(f => (Function: f, Matcher: new Microsoft.AspNetCore.Routing.Template.TemplateMatcher(
            Microsoft.AspNetCore.Routing.Template.TemplateParser.Parse(f.Trigger.Route!), new RouteValueDictionary()))).ToList();
        var taken = new List<string>();
        foreach (var function in http)
        {
            foreach (var method in function.Trigger.Methods!)
            {
                var path = "/" + RouteParameter().Replace(function.Trigger.Route!, "sample-$1");
                var first = matchers.First(m => m.Function.Trigger.Methods!.Contains(method, StringComparer.OrdinalIgnoreCase) && m.Matcher.TryMatch(path, new RouteValueDictionary())).Function;
                if (first != function)
                {
                    taken.Add($"{method.ToUpperInvariant()} {path} goes to {first.Name}, not {function.Name}");
                }
            }
        }

        Assert.Empty(taken);
    }

    [GeneratedRegex(@"\{\*?(\w+)\??\}")]
    private static partial Regex RouteParameter();

    [Fact]
    public async Task TheLocalHost_ServesEveryFunction_WithItsTrigger()
    {
        await using var host = new WorkerFactory((await ClientMonitor.Testing.Azurite.SharedAsync()).ConnectionString, triggers: true);
        using var client = host.CreateClient();
        var invokers = host.Services.GetRequiredService<IReadOnlyList<FunctionInvoker>>();
        var hosted = host.Services.GetServices<IHostedService>().ToList();

        Assert.Equal(Functions.Select(f => f.Name).Order(), invokers.Select(i => i.Function.Name).Order());
        Assert.Equal(Functions.Count(f => f.Trigger.Type == "timerTrigger"), hosted.OfType<TimerTriggerService>().Count());
        Assert.Equal(Functions.Count(f => f.Trigger.Type == "queueTrigger"), hosted.OfType<QueueListenerService>().Count());
        foreach (var function in Functions.Where(f => f.Trigger.Type == "httpTrigger"))
        {
            // Every route answers its method: what the endpoint says (401, 404 problem, 200...), never the router's
            // bare 404 or 405 for a route or method nobody serves.
            var path = "/api/" + RouteValue().Replace(function.Trigger.Route!, "x");
            using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(function.Trigger.Methods![0].ToUpperInvariant()), path));
            var body = await response.Content.ReadAsStringAsync();
            Assert.False(response.StatusCode == System.Net.HttpStatusCode.MethodNotAllowed, $"{function.Name}: 405 for {path}");
            Assert.False(response.StatusCode == System.Net.HttpStatusCode.NotFound && body.Length == 0, $"{function.Name}: no route {path}");
        }
    }

    [Fact]
    public void TheArchitectureDocument_NamesExactlyTheFunctionsOfTheMetadata()
    {
        var doc = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "architecture.md"));
        var start = doc.IndexOf("\n## Functions", StringComparison.Ordinal);
        var section = doc[start..doc.IndexOf("\n## ", start + 5, StringComparison.Ordinal)];
        var named = TableRow().Matches(section).Select(m => m.Groups["name"].Value).ToList();
        foreach (Match row in ClassRow().Matches(section))
        {
            var names = BacktickedName().Matches(row.Groups["functions"].Value).Select(m => m.Groups["name"].Value).ToList();
            Assert.Equal(int.Parse(row.Groups["count"].Value, System.Globalization.CultureInfo.InvariantCulture), names.Count);
            named.AddRange(names);
        }

        Assert.Equal(Functions.Select(f => f.Name).Order(), named.Order());
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "azure.yaml")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("azure.yaml not found above the test's folder.");
    }

    /// <summary>A table row whose first cell is a bare function name (<c>| ScheduleTick | timer ...</c>).</summary>
    [GeneratedRegex(@"^\| (?<name>[A-Z][A-Za-z]+) \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    /// <summary>A row of the HTTP functions' table: <c>| `ClientsFunctions` (5) | `ListClients`, ... |</c>.</summary>
    [GeneratedRegex(@"^\| `[A-Za-z]+Functions` \((?<count>\d+)\) \| (?<functions>[^\n]*)\|\s*$", RegexOptions.Multiline)]
    private static partial Regex ClassRow();

    /// <summary>A backticked PascalCase name (a function; routes are lower case).</summary>
    [GeneratedRegex(@"`(?<name>[A-Z][A-Za-z]+)`")]
    private static partial Regex BacktickedName();

    /// <summary>A route parameter (<c>{clientId}</c>).</summary>
    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteValue();
}
