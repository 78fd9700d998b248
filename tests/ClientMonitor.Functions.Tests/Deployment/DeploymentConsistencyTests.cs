using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Scheduling;
using ClientMonitor.Application.Api;
using ClientMonitor.Application.Storage;
using ClientMonitor.Application.Telemetry;
using ClientMonitor.Infrastructure.Notifications;
using ClientMonitor.Infrastructure.Providers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ClientMonitor.Functions.Tests.Deployment;

/// <summary>
/// The infrastructure read as text and checked against the code: every setting the app reads is set by the Bicep
/// or documented as optional in infra/README.md; every table and queue exists up front; every data plane the code
/// calls has its role; the workbook queries only names the code emits; azure.yaml deploys the checked package; and
/// the Bicep compiles (with the Bicep CLI from NuGet).
/// </summary>
public sealed partial class DeploymentConsistencyTests
{
    private static readonly string Root = FindRoot();

    private static string Read(string path) => File.ReadAllText(Path.Combine(Root, path));

    private static string FindRoot()
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

    /// <summary>Every key the app reads, in app-setting form (<c>Email__Acs__Endpoint</c>); dictionaries end in <c>__*</c>.</summary>
    public static IReadOnlyList<string> ConfigurationKeys()
    {
        var keys = new List<string>
        {
            "AzureWebJobsStorage", "AzureWebJobsStorage__tableServiceUri", "AzureWebJobsStorage__queueServiceUri", "AzureWebJobsStorage__blobServiceUri",
            "AzureWebJobsStorage__clientId", "DurableTaskHubName",
            "APPLICATIONINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "ApplicationInsights__ConnectionString",
            "ClientMonitor__Demo__RunOnStart",
        };
        foreach (var (section, type) in new (string, Type)[]
        {
            (AuthOptions.Section, typeof(AuthOptions)), ("Scheduler", typeof(SchedulerOptions)), (ProvidersOptions.Section, typeof(ProvidersOptions)),
            ("Pipeline", typeof(PipelineOptions)), (EmailOptions.Section, typeof(EmailOptions)), (EmailOptions.Section, typeof(EmailDeliveryOptions)),
            (AlertOptions.Section, typeof(AlertOptions)), (AlertOptions.Section, typeof(AlertChannelOptions)),
            ("Api__RateLimit", typeof(ApiRateLimitOptions)),
        })
        {
            Flatten(section, type, keys);
        }

        return keys.Distinct(StringComparer.Ordinal).ToList();
    }

    private static void Flatten(string prefix, Type type, List<string> keys)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var key = prefix + "__" + property.Name;
            var t = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                keys.Add(key + "__*");
            }
            else if (property.SetMethod is not { IsPublic: true })
            {
                continue; // computed (RecipientList, SlackConfigured...)
            }
            else if (t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(Uri) || t == typeof(TimeSpan) || t == typeof(decimal) || t == typeof(TimeOnly))
            {
                keys.Add(key);
            }
            else if (t.IsClass)
            {
                Flatten(key, t, keys);
            }
        }
    }

    private static HashSet<string> SetByBicep()
    {
        var bicep = Read("infra/resources.bicep");
        return SettingName().Matches(bicep).Select(m => m.Groups[1].Value).Concat(SecretSetting().Matches(bicep).Select(m => m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The backticked keys of infra/README.md's "Optional settings" table (a trailing <c>*</c> covers a prefix).</summary>
    private static List<string> DocumentedOptional()
    {
        var readme = Read("infra/README.md");
        var start = readme.IndexOf("## Optional settings", StringComparison.Ordinal);
        Assert.True(start >= 0, "infra/README.md has no '## Optional settings' section");
        var end = readme.IndexOf("\n## ", start + 5, StringComparison.Ordinal);
        var section = end < 0 ? readme[start..] : readme[start..end];
        return Backticked().Matches(section).Select(m => m.Groups[1].Value).ToList();
    }

    [Fact]
    public void EveryConfigurationKey_IsSetByTheInfrastructure_OrDocumentedAsOptional()
    {
        var set = SetByBicep();
        var optional = DocumentedOptional();
        bool Documented(string key) => optional.Any(o => o == key || (o.EndsWith('*') && key.StartsWith(o[..^1], StringComparison.Ordinal)));

        var missing = ConfigurationKeys().Where(k => !set.Contains(k) && !Documented(k)).ToList();

        Assert.True(missing.Count == 0, "Set these in infra/resources.bicep or list them under '## Optional settings' in infra/README.md:\n" + string.Join("\n", missing));
        Assert.Contains("Email__Provider", set);
        Assert.Contains("AzureWebJobsStorage__tableServiceUri", set);
    }

    [Fact]
    public void EverySettingTheBicepSets_IsOneTheAppReads()
    {
        var known = ConfigurationKeys();
        var platform = new[] { "AzureWebJobsStorage__credential", "AZURE_CLIENT_ID", "WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED" };

        var unknown = SetByBicep().Where(s => !known.Contains(s) && !platform.Contains(s)).ToList();

        Assert.True(unknown.Count == 0, "The Bicep sets settings nothing reads (a typo?):\n" + string.Join("\n", unknown));
    }

    [Fact]
    public void EveryTableAndQueue_IsCreatedUpFront()
    {
        var bicep = Read("infra/resources.bicep");
        List<string> ArrayOf(string name)
        {
            var match = Regex.Match(bicep, $@"var {name} = \[(?<items>[^\]]*)\]");
            Assert.True(match.Success, $"var {name} not found");
            return Quoted().Matches(match.Groups["items"].Value).Select(m => m.Groups[1].Value).ToList();
        }

        Assert.Equal(StorageSetup.Tables.Order(StringComparer.Ordinal), ArrayOf("tableNames").Order(StringComparer.Ordinal));
        Assert.Equal(StorageSetup.Queues.Order(StringComparer.Ordinal), ArrayOf("queueNames").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryDataPlaneTheCodeCalls_HasARoleForTheAppsIdentity()
    {
        var bicep = Read("infra/resources.bicep");
        var assigned = RoleAssignment().Matches(bicep)
            .Where(m => m.Groups["principal"].Value == "identity.properties.principalId")
            .Select(m => m.Groups["role"].Value)
            .ToHashSet(StringComparer.Ordinal);

        // Tables and queues (TableClient, QueueClient), the deployment container (the platform, Blob), App Insights
        // ingestion with Entra, Azure OpenAI with Entra, Key Vault references, ACS Email with Entra.
        string[] required = ["storageTableDataContributor", "storageQueueDataContributor", "storageBlobDataOwner", "monitoringMetricsPublisher", "cognitiveServicesOpenAiUser", "keyVaultSecretsUser", "contributor"];
        Assert.Empty(required.Except(assigned));
        Assert.Contains("'0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'", bicep, StringComparison.Ordinal);
        Assert.Contains("allowSharedKeyAccess: false", bicep, StringComparison.Ordinal);
        Assert.Contains("DisableLocalAuth: true", bicep, StringComparison.Ordinal);
    }

    [Fact]
    public void TheWorkbook_CoversEveryPanel_AndQueriesOnlyNamesTheCodeEmits()
    {
        using var workbook = JsonDocument.Parse(Read("infra/workbook.json"));
        var panels = workbook.RootElement.GetProperty("items").EnumerateArray()
            .Where(i => i.GetProperty("type").GetInt32() == 3)
            .Select(i => (Title: i.GetProperty("content").GetProperty("title").GetString()!, Query: i.GetProperty("content").GetProperty("query").GetString()!))
            .ToList();
        var names = panels.SelectMany(p => NameEquals().Matches(p.Query).Select(m => m.Groups[1].Value)
            .Concat(NameIn().Matches(p.Query).SelectMany(m => Quoted().Matches(m.Groups[1].Value).Select(q => q.Groups[1].Value)))).ToList();

        Assert.NotEmpty(names);
        Assert.Empty(names.Except(AppInsightsTelemetry.Names));
        foreach (var panel in new[] { "success rate", "duration p50 / p95", "by category", "funnel", "latency", "errors", "circuits", "tick lag", "backlog and poison", "Report success rate" })
        {
            Assert.Contains(panels, p => p.Title.Contains(panel, StringComparison.OrdinalIgnoreCase));
        }

        Assert.Contains("loadTextContent('workbook.json')", Read("infra/resources.bicep"), StringComparison.Ordinal);
    }

    [Fact]
    public void AzureYaml_DeploysTheDotnetProject_ToTheTaggedIsolatedWorkerApp()
    {
        var yaml = Read("azure.yaml");
        var bicep = Read("infra/resources.bicep");

        Assert.Contains("language: dotnet", yaml, StringComparison.Ordinal);
        Assert.Contains("host: function", yaml, StringComparison.Ordinal);
        Assert.Contains("project: ./src/ClientMonitor.Functions", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("dist:", yaml, StringComparison.Ordinal);
        Assert.Matches(@"services:\s+api:", yaml);
        Assert.Contains("'azd-service-name': 'api'", bicep, StringComparison.Ordinal);
        Assert.Matches(@"name:\s*'dotnet-isolated'\s+version:\s*'10.0'", bicep);
    }

    /// <summary>Stand-ins for the settings whose values the Bicep computes (endpoints, ids); literal values are used as they are.</summary>
    private static readonly Dictionary<string, string> Computed = new(StringComparer.Ordinal)
    {
        ["AZURE_CLIENT_ID"] = "00000000-0000-0000-0000-000000000001",
        ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "InstrumentationKey=00000000-0000-0000-0000-000000000002;IngestionEndpoint=http://127.0.0.1:9/",
        ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = "ClientId=00000000-0000-0000-0000-000000000001;Authorization=AAD",
        ["Auth__Authority"] = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000003/v2.0",
        ["Auth__Audience"] = "api://clientmonitor",
        ["Providers__Ai__Provider"] = "azure_openai",
        ["Providers__Ai__AzureOpenAI__Endpoint"] = "https://oai-example.openai.azure.com/",
        ["Providers__Ai__AzureOpenAI__Model"] = "gpt-4o-mini",
        ["Providers__Google__EngineId"] = string.Empty,
        ["Email__Acs__Endpoint"] = "https://acs-example.unitedstates.communication.azure.com",
        ["Email__FromAddress"] = "DoNotReply@00000000-0000-0000-0000-000000000004.azurecomm.net",
        ["Email__PublicBaseUrl"] = "https://func-example.azurewebsites.net",
        ["Alerts__Recipients"] = "ops@example.com",
        ["Alerts__SlackChannel"] = string.Empty,
        ["Alerts__WebhookUrl"] = string.Empty,
    };

    [Fact]
    public async Task TheWorker_StartsWithExactlyTheSettingsTheBicepGives()
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (Match m in SettingWithValue().Matches(Read("infra/resources.bicep")))
        {
            var name = m.Groups["name"].Value;
            var value = m.Groups["value"].Value.Trim();
            if (name.StartsWith("AzureWebJobsStorage__", StringComparison.Ordinal))
            {
                continue; // the managed identity's storage; the test uses its Azurite instead
            }

            var literal = value.StartsWith('\'') && value.EndsWith('\'') && !value.Contains("${", StringComparison.Ordinal);
            Assert.True(literal || Computed.ContainsKey(name), $"Give {name} a stand-in value in this test: the Bicep computes it ({value}).");
            settings[name.Replace("__", ":", StringComparison.Ordinal)] = literal ? value.Trim('\'') : Computed[name];
        }

        var azurite = await ClientMonitor.Testing.Azurite.SharedAsync();
        settings["AzureWebJobsStorage"] = azurite.ConnectionString;
        // The local host stands in for the Functions host here; its own triggers stay off on the shared Azurite.
        settings["LocalHost:Triggers"] = "false";
        await using var worker = new AzureSettingsWorker(settings);
        using var client = worker.CreateClient();

        using var live = await client.GetAsync("/api/health/live");
        using var api = await client.GetAsync("/api/v1/clients");

        Assert.Equal(System.Net.HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal("acs", worker.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<EmailOptions>>().Value.Provider);
        Assert.IsType<AppInsightsTelemetry>(worker.Services.GetRequiredService<ClientMonitor.Core.Operations.IMonitoringTelemetry>());
        // Ingestion with the app's managed identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING): the resource allows no keys.
        Assert.IsType<Azure.Identity.ManagedIdentityCredential>(worker.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.ApplicationInsights.WorkerService.ApplicationInsightsServiceOptions>>().Value.Credential);
    }

    /// <summary>The worker in the Production environment with the given settings only.</summary>
    private sealed class AzureSettingsWorker(Dictionary<string, string?> settings) : Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<ClientMonitor.LocalHost.LocalHostEntryPoint>
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }

    [Fact]
    public async Task TheBicep_Compiles()
    {
        var bicep = BicepCli();
        var output = Path.Combine(Path.GetTempPath(), "cm-bicep-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            var start = new ProcessStartInfo(bicep) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var arg in new[] { "build", Path.Combine(Root, "infra", "main.bicep"), "--outfile", output })
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start)!;
            var errors = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));

            Assert.True(process.ExitCode == 0, errors);
            Assert.DoesNotContain("Warning", errors, StringComparison.Ordinal);
            using var template = JsonDocument.Parse(await File.ReadAllTextAsync(output));
            Assert.Equal("https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#", template.RootElement.GetProperty("$schema").GetString());
        }
        finally
        {
            File.Delete(output);
        }
    }

    /// <summary>The Bicep CLI the test project downloads from NuGet (PackageDownload), made executable.</summary>
    private static string BicepCli()
    {
        var packages = typeof(DeploymentConsistencyTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "NuGetPackageRoot")?.Value
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(packages, "azure.bicep.commandline.linux-x64", "0.49.2", "tools", "bicep");
        Assert.True(File.Exists(path), $"The Bicep CLI is not at {path}: the test project's PackageDownload restores it.");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute);
        }

        return path;
    }

    [GeneratedRegex(@"\{ name: '([A-Za-z0-9_]+)', value:")]
    private static partial Regex SettingName();

    [GeneratedRegex(@"\{ name: '(?<name>[A-Za-z0-9_]+)', value: (?<value>.+) \}")]
    private static partial Regex SettingWithValue();

    [GeneratedRegex(@"setting: '([A-Za-z0-9_]+)'")]
    private static partial Regex SecretSetting();

    [GeneratedRegex("`([A-Za-z0-9_*]+)`")]
    private static partial Regex Backticked();

    [GeneratedRegex("'([^']+)'")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"roleDefinitions', roles\.(?<role>[A-Za-z]+)\)\s*principalId: (?<principal>[A-Za-z.]+)")]
    private static partial Regex RoleAssignment();

    [GeneratedRegex("name == \"([^\"]+)\"")]
    private static partial Regex NameEquals();

    [GeneratedRegex(@"name in \(([^)]*)\)")]
    private static partial Regex NameIn();
}
