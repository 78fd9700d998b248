using ClientMonitor.Application.Storage;
using ClientMonitor.Testing;

namespace ClientMonitor.Functions.Tests.Hosting;

/// <summary>
/// The local host as a real process, as scripts/run.sh starts it: the test's own copy of its build output, started
/// from another working directory in Development (so it reads appsettings.Development.json from its own folder), on
/// the given Azurite, task hub and port, with the tests' signing key.
/// </summary>
internal static class LocalHostProcess
{
    public static AppProcess Start(Azurite azurite, string hub, int port, IReadOnlyDictionary<string, string>? settings = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            [TaskHub.NameSetting] = hub,
            ["Auth__SigningKey"] = TestAuth.SigningKey,
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return AppProcess.Start(Path.Combine(AppContext.BaseDirectory, "ClientMonitor.LocalHost.dll"), port, environment);
    }
}
