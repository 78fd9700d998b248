using System.CommandLine;
using ClientMonitor.Core.Classifiers;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;
using ClientMonitor.Core.Reports;
using ClientMonitor.Application.Api;
using ClientMonitor.Infrastructure.Providers;

namespace ClientMonitor.Application.Cli;

/// <summary>
/// The worker's command line (<c>ClientMonitor.Functions classify</c> ...). Without a known command the
/// executable starts the worker, as the Functions host expects.
/// </summary>
public static class CommandLine
{
    private static readonly string[] Commands = ["classify", "token", "config-check", "status", "report", "seed-demo", "migrate-lists", "run"];

    public static bool IsCommand(string[] args) => args is { Length: > 0 } && (Commands.Contains(args[0]) || args[0] is "--help" or "-h" or "-?");

    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.In, Console.Out, Console.Error);

    /// <param name="args">The command line.</param>
    /// <param name="input">Standard input.</param>
    /// <param name="output">Standard output.</param>
    /// <param name="error">Standard error.</param>
    /// <param name="settings">Settings over the configuration (appsettings, environment): tests pass storage and keys here.</param>
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var classify = new Command("classify", "Read JSON lines {\"id\",\"text\",\"company\"?} on standard input; write {\"id\",\"category\",\"relevance\",\"sentiment\",\"risk\"} per line with the configured classifier (the keyless one by default). Bad lines are reported on standard error with their number; exit 0 all ok, 1 some lines invalid, 2 failure.");
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

        var configCheck = new Command("config-check", "Validate every setting; say for each feature whether it runs for real, on mocks, or not at all. Exits 1 when a setting must be fixed. Secret values are never printed.");
        configCheck.SetAction(async (_, _) => await SettingsGuard.RunAsync(error, () => OperatorCommands.ConfigCheckAsync(settings, output), exitCode: 1));

        var status = new Command("status", "Health (storage, providers, scheduler, queues), each business's schedules and recent job runs, and this process's system metrics.");
        status.SetAction(async (_, ct) => await SettingsGuard.RunAsync(error, () => OperatorCommands.StatusAsync(settings, output, ct)));

        var report = new Command("report", "Automation reports from stored history: performance, system health, business metrics, recommendations.");
        var windowOption = new Option<int>("--time-window") { Description = "Window in hours (1..744)", DefaultValueFactory = _ => 24 };
        var detailedOption = new Option<bool>("--detailed") { Description = "Add per-schedule and per-provider breakdowns" };
        var sourceOption = new Option<string>("--source") { Description = "all, a provider name (gdelt, news_api, rule_based...), or email", DefaultValueFactory = _ => ReportRequest.All };
        var reportBusinessOption = new Option<string?>("--business") { Description = "One business id (default: every business)" };
        var exportOption = new Option<bool>("--export-json") { Description = "Write one JSON file per source instead of printing" };
        var outputDirOption = new Option<string>("--output-dir") { Description = "Folder for --export-json", DefaultValueFactory = _ => "reports" };
        foreach (var option in new Option[] { windowOption, detailedOption, sourceOption, reportBusinessOption, exportOption, outputDirOption })
        {
            report.Options.Add(option);
        }

        report.SetAction(async (parse, ct) => await SettingsGuard.RunAsync(error, () => OperatorCommands.ReportAsync(
            settings, parse.GetValue(windowOption), parse.GetValue(detailedOption), parse.GetValue(sourceOption)!, parse.GetValue(reportBusinessOption),
            parse.GetValue(exportOption), parse.GetValue(outputDirOption)!, output, error, ct)));

        var seedDemo = new Command("seed-demo", "Create (or refresh) the demo business: four users with different preferences and eight clients.");
        seedDemo.SetAction(async (_, ct) => await SettingsGuard.RunAsync(error, () => OperatorCommands.SeedDemoAsync(settings, output, ct)));

        var migrateLists = new Command("migrate-lists", "Upgrade step: give clients, events, notifications and email logs stored by a version before paged lists the rows their lists are read from.");
        migrateLists.SetAction(async (_, ct) => await SettingsGuard.RunAsync(error, () => OperatorCommands.MigrateListsAsync(settings, output, ct)));

        var run = new Command("run", "Run one monitoring job for a business now. With --dry-run nothing is written or sent: it prints what would happen.");
        var dryRunOption = new Option<bool>("--dry-run") { Description = "Use the configured providers but keep every write in memory" };
        var runBusinessOption = new Option<string>("--business") { Description = "Business id", DefaultValueFactory = _ => Demo.DemoData.BusinessId };
        var clientsOption = new Option<string[]>("--client") { Description = "Client id (repeat for more; default: every active client)", AllowMultipleArgumentsPerToken = true };
        run.Options.Add(dryRunOption);
        run.Options.Add(runBusinessOption);
        run.Options.Add(clientsOption);
        run.SetAction(async (parse, ct) =>
        {
            var clients = parse.GetValue(clientsOption);
            return await SettingsGuard.RunAsync(error, () => OperatorCommands.RunAsync(settings, parse.GetValue(runBusinessOption)!, clients is { Length: > 0 } ? clients : null, parse.GetValue(dryRunOption), output, ct));
        });

        var root = new RootCommand("ClientMonitor worker. Without a command it runs the Functions worker.") { classify, token, configCheck, status, report, seedDemo, migrateLists, run };
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        return await root.Parse(args).InvokeAsync(configuration);
    }

    private static async Task<int> ClassifyAsync(TextReader input, TextWriter output, TextWriter error, string? clientName, CancellationToken cancellationToken)
    {
        using var services = CliServices.Build();
        var lines = new ClassifyLines(services.Classifier, TimeProvider.System, clientName);
        try
        {
            // Standard input is read as bytes so that invalid UTF-8 and byte order marks are reported per line.
            return ReferenceEquals(input, Console.In)
                ? await lines.RunAsync(Console.OpenStandardInput(), output, error, cancellationToken)
                : await lines.RunAsync(input, output, error, cancellationToken);
        }
        catch (IOException ex)
        {
            await error.WriteLineAsync($"classify stopped: {ex.Message}");
            return ClassifyLines.Failed;
        }
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
        if (options.Ai.Provider == KeylessClassifier.ClassifierName)
        {
            return new CliServices(KeylessClassifier.Default, null);
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
}

/// <summary>Provider quota counted in this process only: CLI commands must not spend (or need) the stored counters.</summary>
internal sealed class InMemoryQuota : IProviderQuota
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
