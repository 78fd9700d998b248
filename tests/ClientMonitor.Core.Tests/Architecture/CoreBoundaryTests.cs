using System.Reflection;
using System.Xml.Linq;
using ClientMonitor.Core.Operations;

namespace ClientMonitor.Core.Tests.Architecture;

/// <summary>The core holds the domain and the pipeline; adapters and hosting live outside it.</summary>
public sealed class CoreBoundaryTests
{
    private static readonly string[] ForbiddenPrefixes = ["Azure", "Microsoft.AspNetCore", "System.Net.Http", "ClientMonitor.Infrastructure", "ClientMonitor.Functions"];

    [Fact]
    public void CoreAssembly_ReferencesNoAzureAspNetOrHttp()
    {
        var references = typeof(QueueNames).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        var offending = references.Where(r => ForbiddenPrefixes.Any(p => r.StartsWith(p, StringComparison.Ordinal))).ToList();

        Assert.Empty(offending);
    }

    /// <summary>Pure libraries only: each package here is one the core cannot do without and that does no I/O.</summary>
    private static readonly string[] AllowedPackages = ["NCrontab.Signed"];

    [Fact]
    public void CoreProject_ReferencesOnlyAllowedPurePackages()
    {
        var project = XDocument.Load(Path.Combine(RepoRoot(), "src", "ClientMonitor.Core", "ClientMonitor.Core.csproj"));

        Assert.DoesNotContain(project.Descendants(), e => e.Name.LocalName is "ProjectReference" or "FrameworkReference");
        var packages = project.Descendants().Where(e => e.Name.LocalName == "PackageReference").Select(e => (string?)e.Attribute("Include")).ToList();
        Assert.All(packages, p => Assert.Contains(p, AllowedPackages));
    }

    [Fact]
    public void AmbientTime_IsBannedForEveryProject()
    {
        var banned = File.ReadAllText(Path.Combine(RepoRoot(), "BannedSymbols.txt"));
        var props = File.ReadAllText(Path.Combine(RepoRoot(), "Directory.Build.props"));

        Assert.Contains("P:System.DateTime.UtcNow", banned, StringComparison.Ordinal);
        Assert.Contains("P:System.DateTimeOffset.UtcNow", banned, StringComparison.Ordinal);
        Assert.Contains("BannedSymbols.txt", props, StringComparison.Ordinal);
    }

    private static string RepoRoot()
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
