using System.CommandLine;
using System.Text.Json;
using ClientMonitor.Core.Classifiers;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;
using ClientMonitor.Functions.Api;
using ClientMonitor.Infrastructure.Providers;

namespace ClientMonitor.Functions.Cli;

/// <summary>
/// The worker's command line (<c>ClientMonitor.Functions classify</c> ...). Without a known command the
/// executable starts the worker, as the Functions host expects.
/// </summary>
public static class CommandLine
{
    private static readonly string[] Commands = ["classify", "token"];

    public static bool IsCommand(string[] args) => args is { Length: > 0 } && (Commands.Contains(args[0]) || args[0] is "--help" or "-h" or "-?");

    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.In, Console.Out, Console.Error);

    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        var classify = new Command("classify", "Read JSON lines {\"id\",\"text\"} on standard input; write {\"id\",\"category\",\"relevance\",\"sentiment\",\"risk\"} per line with the configured classifier (rule-based by default).");
        var clientOption = new Option<string>("--client") { Description = "Client name used for relevance (default: none)" };
        classify.Options.Add(clientOption);
        classify.SetAction(async (parse, ct) => await ClassifyAsync(input, output, error, parse.GetValue(clientOption), ct));

        var token = new Command("token", "Print a bearer token for the local API, signed with the development key (Auth:SigningKey; scripts/run.sh makes one).");
        var userOption = new Option<string>("--user") { Description = "User id (the demo admin is ana)", DefaultValueFactory = _ => "ana" };
        var businessOption = new Option<string>("--business") { Description = "Business id", DefaultValueFactory = _ => Demo.DemoData.BusinessId };
        var roleOption = new Option<string>("--role") { Description = "admin, member, or operator (operators onboard businesses and have none)", DefaultValueFactory = _ => "admin" };
        var hoursOption = new Option<int>("--hours") { Description = "Lifetime in hours (1..24)", DefaultValueFactory = _ => 8 };
        token.Options.Add(userOption);
        token.Options.Add(businessOption);
        token.Options.Add(roleOption);
        token.Options.Add(hoursOption);
        token.SetAction(async (parse, ct) => await TokenAsync(output, error, parse.GetValue(userOption)!, parse.GetValue(businessOption)!, parse.GetValue(roleOption)!, parse.GetValue(hoursOption)));

        var root = new RootCommand("ClientMonitor worker. Without a command it runs the Functions worker.") { classify, token };
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        return await root.Parse(args).InvokeAsync(configuration);
    }

    private static async Task<int> ClassifyAsync(TextReader input, TextWriter output, TextWriter error, string? clientName, CancellationToken cancellationToken)
    {
        using var services = CliServices.Build();
        var classifier = services.Classifier;
        var client = new Client("cli", "cli", clientName ?? string.Empty, null, null, [], [], null, null, true);
        var now = TimeProvider.System.GetUtcNow();
        var failures = 0;
        var lineNumber = 0;
        while (await input.ReadLineAsync(cancellationToken) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            ClassifyLine? item;
            try
            {
                item = JsonSerializer.Deserialize<ClassifyLine>(line, WireJson.Options);
            }
            catch (JsonException ex)
            {
                failures++;
                await error.WriteLineAsync($"line {lineNumber}: not a JSON object ({ex.Message})");
                continue;
            }

            if (item?.Text is null)
            {
                failures++;
                await error.WriteLineAsync($"line {lineNumber}: needs a \"text\" string");
                continue;
            }

            var result = await classifier.ClassifyAsync(new ClassificationInput(item.Text, null, "cli", null, now, client, now), cancellationToken);
            await output.WriteLineAsync(WireJson.Serialize(new ClassifyResult(item.Id, result.Category, result.Relevance, result.Sentiment, result.Risk)));
        }

        return failures == 0 ? 0 : 1;
    }

    private static async Task<int> TokenAsync(TextWriter output, TextWriter error, string user, string business, string role, int hours)
    {
        if (role is not (ApiRoles.Admin or ApiRoles.Member or ApiRoles.Operator) || hours is < 1 or > 24)
        {
            await error.WriteLineAsync("--role must be admin, member or operator, and --hours 1..24.");
            return 2;
        }

        var options = CliServices.Configuration().GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        if (!options.UsesDevelopmentKey)
        {
            await error.WriteLineAsync("Auth:SigningKey is not set (scripts/token.sh reads it from .dev/signing-key). In Azure, get tokens from Entra ID instead.");
            return 2;
        }

        var token = ApiAuth.MintDevelopmentToken(options, user, role == ApiRoles.Operator ? null : business, role, TimeProvider.System.GetUtcNow(), TimeSpan.FromHours(hours));
        await output.WriteLineAsync(token);
        return 0;
    }

    private sealed record ClassifyLine(JsonElement Id, string? Text);

    private sealed record ClassifyResult(JsonElement Id, EventCategory Category, double Relevance, double Sentiment, RiskLevel Risk);
}

/// <summary>What the CLI needs of the app's configuration: the classifier the worker would use, without storage.</summary>
internal sealed class CliServices : IDisposable
{
    private readonly ProviderCatalog? _catalog;

    private CliServices(IEventClassifier classifier, ProviderCatalog? catalog)
    {
        Classifier = classifier;
        _catalog = catalog;
    }

    public IEventClassifier Classifier { get; }

    public static IConfiguration Configuration() => new ConfigurationBuilder()
        .SetBasePath(AppContext.BaseDirectory)
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .Build();

    public static CliServices Build()
    {
        var configuration = Configuration();
        var options = configuration.GetSection(ProvidersOptions.Section).Get<ProvidersOptions>() ?? new ProvidersOptions();
        if (options.Ai.Provider == RuleBasedClassifier.ClassifierName)
        {
            return new CliServices(new RuleBasedClassifier(), null);
        }

        // An LLM classifier still runs through the gateway (retries, breaker); quotas are counted in memory here.
        var gateway = new ProviderGateway(options.ResilienceFor, new InMemoryQuota(), TimeProvider.System);
#pragma warning disable CA2000 // the catalog owns nothing that outlives this process
        var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
#pragma warning restore CA2000
        var catalog = new ProviderCatalog(WithoutMocks(options), http, gateway, new Azure.Identity.DefaultAzureCredential(), TimeProvider.System);
        return new CliServices(catalog.Resolve(false).Classifier, catalog);
    }

    public void Dispose() => _catalog?.Dispose();

    /// <summary>The CLI classifies with the configured classifier even where the worker would use demo providers.</summary>
    private static ProvidersOptions WithoutMocks(ProvidersOptions options)
    {
        options.UseMocks = false;
        options.GdeltEnabled = false;
        return options;
    }

    private sealed class InMemoryQuota : IProviderQuota
    {
        private readonly Dictionary<string, int> _used = new(StringComparer.Ordinal);

        public Task<bool> TryConsumeAsync(string provider, int dailyLimit, CancellationToken cancellationToken)
        {
            var used = _used.GetValueOrDefault(provider);
            _used[provider] = Math.Min(dailyLimit, used + 1);
            return Task.FromResult(used < dailyLimit);
        }

        public Task<int> UsedTodayAsync(string provider, CancellationToken cancellationToken) => Task.FromResult(_used.GetValueOrDefault(provider));
    }
}
