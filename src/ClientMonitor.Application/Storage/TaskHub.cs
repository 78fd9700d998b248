namespace ClientMonitor.Application.Storage;

/// <summary>The Durable task hub: its name is the app setting <c>DurableTaskHubName</c> (host.json reads it as <c>%DurableTaskHubName%</c>).</summary>
public static class TaskHub
{
    public const string NameSetting = "DurableTaskHubName";

    public const string DefaultName = "clientmonitor";

    public static string Name(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration[NameSetting] is { Length: > 0 } name ? name : DefaultName;
    }
}
