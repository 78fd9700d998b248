using ClientMonitor.Core.Operations;
using ClientMonitor.Functions.Hosting;
using ClientMonitor.Application.Triggers;
using ClientMonitor.Functions.Invocations;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ClientMonitor.Functions.Tests.Hosting;

/// <summary>Keeps the function.json files, the invocation endpoints and the handlers in one-to-one agreement.</summary>
public sealed class FunctionAgreementTests
{
    private static readonly string SourceFunctions = Path.Combine(RepoRoot(), "src", "ClientMonitor.Functions", "functions");

    [Fact]
    public async Task EveryNonHttpFunctionJson_HasExactlyOneInvocationEndpoint_AndNothingElseDoes()
    {
        await using var factory = await WorkerFactory.StartAsync();
        var catalog = FunctionCatalog.Load(SourceFunctions);
        var routes = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName?.StartsWith("Invoke", StringComparison.Ordinal) == true)
            .Select(e => e.RoutePattern.RawText!.TrimStart('/'))
            .Order()
            .ToList();

        var expected = catalog.All.Where(f => f.Trigger != TriggerKind.Http).Select(f => f.Name).Order().ToList();
        Assert.Equal(expected, routes);
    }

    [Fact]
    public async Task EveryFunctionJson_HasAHandlerOfItsTriggerKind()
    {
        await using var factory = await WorkerFactory.StartAsync();
        var runner = factory.Services.GetRequiredService<FunctionRunner>();
        var catalog = FunctionCatalog.Load(SourceFunctions);

        Assert.Equal(catalog.All.Where(f => f.Trigger == TriggerKind.Queue).Select(f => f.Name).Order(), runner.QueueFunctionNames.Order());
        Assert.Equal(catalog.All.Where(f => f.Trigger == TriggerKind.Timer).Select(f => f.Name).Order(), runner.TimerFunctionNames.Order());
        Assert.Single(catalog.All, f => f.Trigger == TriggerKind.Http);
    }

    [Fact]
    public void BuildOutput_CarriesEverySourceFunctionJson()
    {
        var built = FunctionCatalog.Load(AppContext.BaseDirectory).All.Select(f => f.Name).Order();
        var source = FunctionCatalog.Load(SourceFunctions).All.Select(f => f.Name).Order();

        Assert.Equal(source, built);
    }

    [Fact]
    public void Load_ReadsOnlyTheFunctionFoldersOfTheAppRoot_NotCopiesDeeperDown()
    {
        var root = Directory.CreateTempSubdirectory("catalog").FullName;
        try
        {
            var json = File.ReadAllText(Path.Combine(SourceFunctions, "ScheduleTick", "function.json"));
            Directory.CreateDirectory(Path.Combine(root, "ScheduleTick"));
            File.WriteAllText(Path.Combine(root, "ScheduleTick", "function.json"), json);
            // What a self-contained publish leaves inside the build output.
            Directory.CreateDirectory(Path.Combine(root, "linux-x64", "ScheduleTick"));
            File.WriteAllText(Path.Combine(root, "linux-x64", "ScheduleTick", "function.json"), json);

            var catalog = FunctionCatalog.Load(root);

            Assert.Equal("ScheduleTick", Assert.Single(catalog.All).Name);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void EnsureMatches_NamesAFunctionWithoutHandler()
    {
        var catalog = new FunctionCatalog([new FunctionDefinition("Orphan", TriggerKind.Queue, "message", null, "orphans", null)]);
        var runner = new FunctionRunner([], [], new HostSettings(), Microsoft.Extensions.Logging.Abstractions.NullLogger<FunctionRunner>.Instance);

        var ex = Assert.Throws<InvalidOperationException>(() => runner.EnsureMatches(catalog));

        Assert.Contains("Orphan", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "bindings": [] }""", "exactly one trigger")]
    [InlineData("""{ "bindings": [ { "name": "t", "type": "timerTrigger", "direction": "in" } ] }""", "without a schedule")]
    [InlineData("""{ "bindings": [ { "name": "m", "type": "queueTrigger", "direction": "in" } ] }""", "without a queueName")]
    [InlineData("""{ "bindings": [ { "name": "b", "type": "blobTrigger", "direction": "in" } ] }""", "does not run")]
    public void InvalidFunctionJson_IsRejectedWithTheReason(string json, string reason)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => FunctionCatalog.Parse("F", json, "F/function.json"));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HostJson_QueueSettingsAreRead()
    {
        var settings = HostSettings.Load(Path.Combine(RepoRoot(), "host.json"));

        Assert.Equal(5, settings.MaxDequeueCount);
        Assert.Equal(8, settings.BatchSize);
        Assert.Equal(TimeSpan.FromMinutes(10), settings.FunctionTimeout);
    }

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Functions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Repository root not found.");
    }
}
