using ClientMonitor.Application.Health;
using ClientMonitor.Functions.Hosting;
using ClientMonitor.Application.Storage;
using ClientMonitor.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ClientMonitor.Functions.Tests;

/// <summary>The real worker in-process, on the test Azurite, in the mode a test asks for.</summary>
public sealed class WorkerFactory(string storageConnectionString, HostingMode mode) : WebApplicationFactory<Program>
{
    public static async Task<WorkerFactory> StartAsync(HostingMode mode = HostingMode.Functions)
    {
        var azurite = await Azurite.SharedAsync();
        var factory = new WorkerFactory(azurite.ConnectionString, mode);
        _ = factory.Server; // build and start the host now
        // Tables and queues are created in the background; until then the worker rightly reports itself unhealthy.
        await factory.Services.GetRequiredService<StorageInitializer>().Ready.WaitAsync(TimeSpan.FromSeconds(30));
        return factory;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("AzureWebJobsStorage", storageConnectionString);
        builder.UseSetting(FunctionsHosting.ModeSetting, mode.ToString());
        builder.UseSetting("Auth:SigningKey", TestAuth.SigningKey);
    }
}
