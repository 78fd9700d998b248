using System.Net.Http.Json;
using System.Text.Json;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Reports;
using ClientMonitor.Application.Cli;
using ClientMonitor.Functions.Tests.Pipeline;
using ClientMonitor.Testing;

namespace ClientMonitor.Functions.Tests.Cli;

/// <summary>The operator commands, run in-process as the executable runs them, against a private Azurite.</summary>
public sealed class OperatorCommandTests : IAsyncLifetime
{
    private Azurite _azurite = null!;

    public async Task InitializeAsync() => _azurite = await Azurite.StartPrivateAsync();

    public async Task DisposeAsync() => await _azurite.DisposeAsync();

    /// <summary>local.settings.sample.json's values, with what scripts/run.sh adds (the development key) and this test's storage.</summary>
    private Dictionary<string, string?> SampleSettings()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "local.settings.sample.json")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("local.settings.sample.json not found above the test's folder");
        }

        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "local.settings.sample.json")));
        var settings = sample.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value.GetString());
        settings["Auth:SigningKey"] = TestAuth.SigningKey;
        settings["AzureWebJobsStorage"] = _azurite.ConnectionString;
        return settings;
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(Dictionary<string, string?> settings, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CommandLine.RunAsync(args, TextReader.Null, output, error, settings);
        return (exit, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("report", "AzureWebJobsStorage", null, "AzureWebJobsStorage", 2)]
    [InlineData("status", "AzureWebJobsStorage", null, "AzureWebJobsStorage", 2)]
    [InlineData("config-check", "Providers:Ai:AzureOpenAI:Endpoint", "not a url", "Providers:Ai:AzureOpenAI:Endpoint", 1)]
    public async Task ASettingsMistake_IsAnsweredWithTheSettingAndWhatIsWrong_NotAStackTrace(string command, string key, string? value, string named, int expectedExit)
    {
        var settings = SampleSettings();
        settings[key] = value;

        var (exit, output, error) = await RunAsync(settings, command);
        var said = output + error; // config-check reports on standard output, the other commands on standard error

        Assert.True(exit == expectedExit && said.Contains(named, StringComparison.Ordinal), $"exit {exit}: {said}");
        Assert.DoesNotContain("   at ", said, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigCheck_WithTheSampleSettings_ListsWhatRunsOnMocks_AndShowsNoSecret()
    {
        var (exit, output, _) = await RunAsync(SampleSettings(), "config-check");

        Assert.Equal(0, exit);
        Assert.Matches(@"search\s+mock\s+mock_news \(Providers:UseMocks=true\)", output);
        Assert.Matches(@"crm\s+mock\s+mock_crm", output);
        Assert.Matches(@"ai\s+mock\s+rule_based", output);
        Assert.Matches(@"storage\s+real\s+Azurite", output);
        Assert.Matches(@"email\s+local\s+files in .*\.dev/mail", output);
        Assert.Matches(@"email tracking\s+off", output);
        Assert.Matches(@"alerts\s+off\s+no channel", output);
        Assert.Matches(@"telemetry\s+off", output);
        Assert.Contains("configuration ok", output, StringComparison.Ordinal);
        Assert.DoesNotContain(TestAuth.SigningKey, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigCheck_WithBrokenSettings_ExitsNonZeroNamingEach_WithoutPrintingSecrets()
    {
        var settings = SampleSettings();
        settings["Email:Provider"] = "smtp";
        settings["Email:Smtp:Password"] = "hunter2-secret";
        settings["Alerts:WebhookUrl"] = "https://hooks.example/x";
        settings["Providers:Ai:Provider"] = "opneai";

        var (exit, output, _) = await RunAsync(settings, "config-check");

        Assert.Equal(1, exit);
        Assert.Contains("error: Email:Smtp:Host is required", output, StringComparison.Ordinal);
        Assert.Contains("error: Alerts:WebhookSecret is required", output, StringComparison.Ordinal);
        Assert.Contains("Providers:Ai:Provider 'opneai'", output, StringComparison.Ordinal);
        Assert.Contains("setting(s) must be fixed", output, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-secret", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportExport_MatchesTheHttpReportForTheSameWindow()
    {
        await using var worker = await PipelineWorker.StartAsync(new Dictionary<string, string?> { ["Providers:UseMocks"] = "true" }, storage: _azurite);
        var business = await worker.SeedAsync(clients: 4);
        var run = await worker.RunJobAsync(business);
        using var admin = worker.CreateClient().As("amy", business, "admin");
        var directory = Path.Combine(Path.GetTempPath(), "cm-reports-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var response = await admin.PostAsJsonAsync("/api/v1/reports/generate", new { time_window = 24, source = "all", detailed = true });
            var http = WireJson.Deserialize<AutomationReport>(await response.Content.ReadAsStringAsync())!;
            var (exit, _, error) = await RunAsync(SampleSettings(), "report", "--business", business, "--detailed", "--export-json", "--output-dir", directory);

            Assert.True(exit == 0, error);
            var sources = Directory.GetFiles(directory).Select(f => WireJson.Deserialize<AutomationReport>(File.ReadAllText(f))!).ToDictionary(r => r.Metadata.Source);
            Assert.Equal(["all", "email", "mock_crm", "mock_news", "rule_based"], sources.Keys.Order(StringComparer.Ordinal).ToArray());
            var cli = sources["all"];
            Assert.Equal(http.PerformanceMetrics with { AverageDurationMs = null, P95DurationMs = null, ActionsPerHour = 0 }, cli.PerformanceMetrics with { AverageDurationMs = null, P95DurationMs = null, ActionsPerHour = 0 });
            Assert.Equal(http.PerformanceMetrics.AverageDurationMs, cli.PerformanceMetrics.AverageDurationMs);
            Assert.Equal(4, cli.PerformanceMetrics.TotalActions);
            Assert.Equal(WireJson.Serialize(http.BusinessMetrics), WireJson.Serialize(cli.BusinessMetrics));
            Assert.Equal(WireJson.Serialize(http.Providers), WireJson.Serialize(cli.Providers));
            Assert.Equal(WireJson.Serialize(http.Recommendations), WireJson.Serialize(cli.Recommendations));
            Assert.Equal(4, sources["mock_news"].PerformanceMetrics.TotalActions);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task SeedDemo_ThenDryRun_PrintsThePlan_AndWritesNothing_ThenStatusAndReportExport()
    {
        var settings = SampleSettings();
        var (seeded, seedOutput, _) = await RunAsync(settings, "seed-demo");
        var (dry, plan, dryError) = await RunAsync(settings, "run", "--dry-run");
        var (_, status, _) = await RunAsync(settings, "status");
        var directory = Path.Combine(Path.GetTempPath(), "cm-reports-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (reported, reportOutput, reportError) = await RunAsync(settings, "report", "--time-window", "24", "--detailed", "--source", "all", "--export-json", "--output-dir", directory);

            Assert.Equal(0, seeded);
            Assert.Contains("Seeded demo-business: 4 users", seedOutput, StringComparison.Ordinal);
            Assert.True(dry == 0, dryError + plan);
            Assert.Contains("Dry run for demo-business: nothing was written or sent.", plan, StringComparison.Ordinal);
            Assert.Matches(@"clients:\s+8 \(8 completed, 0 failed\)", plan);
            Assert.Contains("notify: ", plan, StringComparison.Ordinal);
            Assert.Contains("calls: mock_news 1/1", plan, StringComparison.Ordinal);

            // Nothing was written: no job run, so status lists none and the report has no actions.
            Assert.Contains("business demo-business: 0 of 0 schedule(s) active", status, StringComparison.Ordinal);
            Assert.DoesNotContain("client_monitoring", status, StringComparison.Ordinal);
            Assert.Contains("this process: cpu", status, StringComparison.Ordinal);

            Assert.True(reported == 0, reportError);
            var files = Directory.GetFiles(directory, "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(2, files.Count);
            Assert.StartsWith("demo-business_all_", files[0], StringComparison.Ordinal);
            Assert.StartsWith("demo-business_email_", files[1], StringComparison.Ordinal);
            var all = WireJson.Deserialize<AutomationReport>(await File.ReadAllTextAsync(Path.Combine(directory, files[0]!)))!;
            Assert.Equal(0, all.PerformanceMetrics.TotalActions);
            Assert.Equal(0, all.BusinessMetrics.JobRuns);
            Assert.Contains("demo-business_all_", reportOutput, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
