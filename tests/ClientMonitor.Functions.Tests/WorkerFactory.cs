using ClientMonitor.Application.Storage;
using ClientMonitor.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ClientMonitor.Functions.Tests;

/// <summary>
/// The local host in-process, running the Functions app's functions on the test Azurite with a task hub of its own.
/// With <paramref name="triggers"/> off, no timer fires and no queue listener competes for the shared Azurite's
/// queues: the test drives the functions itself.
/// </summary>
public sealed class WorkerFactory(string storageConnectionString, bool triggers = false, IReadOnlyDictionary<string, string?>? settings = null) : WebApplicationFactory<ClientMonitor.LocalHost.LocalHostEntryPoint>
{
    public static async Task<WorkerFactory> StartAsync(bool triggers = false)
    {
        var azurite = await Azurite.SharedAsync();
        var factory = new WorkerFactory(azurite.ConnectionString, triggers);
        await factory.StartedAsync();
        return factory;
    }

    /// <summary>Builds and starts the host, then waits for the app's tables and queues (until then it rightly reports itself unhealthy) and the Durable engine.</summary>
    public async Task StartedAsync()
    {
        _ = Server;
        await Services.GetRequiredService<StorageInitializer>().Ready.WaitAsync(TimeSpan.FromSeconds(30));
        await Services.GetRequiredService<ClientMonitor.LocalHost.Durable.LocalDurableEngineHost>().Ready.WaitAsync(TimeSpan.FromSeconds(60));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder) => LocalHostSettings.Apply(builder, storageConnectionString, triggers, settings);
}

/// <summary>The settings every test host shares.</summary>
internal static class LocalHostSettings
{
    public static void Apply(IWebHostBuilder builder, string storage, bool triggers, IReadOnlyDictionary<string, string?>? settings)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("AzureWebJobsStorage", storage);
        builder.UseSetting("Auth:SigningKey", TestAuth.SigningKey);
        builder.UseSetting("LocalHost:Triggers", triggers ? "true" : "false");
        // A task hub per host: hosts of parallel tests never take each other's orchestrations.
        builder.UseSetting(TaskHub.NameSetting, "t" + Guid.NewGuid().ToString("N")[..12]);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
    }
}
