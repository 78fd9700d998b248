using Azure.Data.Tables;
using Azure.Storage.Queues;
using ClientMonitor.Application.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ClientMonitor.Functions.Tests.Storage;

/// <summary>
/// The <c>AzureWebJobsStorage</c> settings as the Functions host reads them: a connection string, or service URIs
/// for managed identity with no key at all. (The token path itself is tested in StorageIdentityTests.)
/// </summary>
public sealed class StorageSettingsTests
{
    [Fact]
    public void ServiceUrisWithoutAKey_GiveIdentityBasedClientsForThoseAccounts()
    {
        using var services = Build(new()
        {
            ["AzureWebJobsStorage:tableServiceUri"] = "https://cmprod.table.core.windows.net",
            ["AzureWebJobsStorage:queueServiceUri"] = "https://cmprod.queue.core.windows.net",
            ["AzureWebJobsStorage:clientId"] = "00000000-0000-0000-0000-000000000001",
        });

        var tables = services.GetRequiredService<TableServiceClient>();
        var queues = services.GetRequiredService<QueueServiceClient>();

        Assert.Equal(("cmprod", "https://cmprod.table.core.windows.net/"), (tables.AccountName, tables.Uri.ToString()));
        Assert.Equal(("cmprod", "https://cmprod.queue.core.windows.net/"), (queues.AccountName, queues.Uri.ToString()));
        Assert.False(queues.CanGenerateAccountSasUri, "no account key: the client authenticates with a token");
    }

    [Fact]
    public void TheDevelopmentConnectionString_GivesKeyClientsForTheEmulator()
    {
        using var services = Build(new() { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" });

        var queues = services.GetRequiredService<QueueServiceClient>();

        Assert.Equal("devstoreaccount1", services.GetRequiredService<TableServiceClient>().AccountName);
        Assert.True(queues.CanGenerateAccountSasUri, "the emulator's well-known key signs requests");
    }

    [Theory]
    [InlineData("http://cmprod.table.core.windows.net", "https://cmprod.queue.core.windows.net", "must be https")]
    [InlineData("https://cmprod.table.core.windows.net", null, "AzureWebJobsStorage is not set")]
    [InlineData(null, null, "AzureWebJobsStorage is not set")]
    public void IncompleteOrPlainHttpSettings_AreRefusedWithTheReason(string? tableUri, string? queueUri, string reason)
    {
        using var services = Build(new() { ["AzureWebJobsStorage:tableServiceUri"] = tableUri, ["AzureWebJobsStorage:queueServiceUri"] = queueUri });

        var refused = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<StorageOptions>>().Value);

        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABrokenConnectionString_IsRefusedWithoutEchoingTheKey()
    {
        using var services = Build(new() { ["AzureWebJobsStorage"] = "DefaultEndpointsProtocol=https;AccountKey=c2VjcmV0LWtleQ==" });

        var refused = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<StorageOptions>>().Value);

        Assert.Contains("connection string is not valid", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0LWtleQ", refused.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton(TimeProvider.System)
            .AddLogging()
            .AddClientMonitorStorage()
            .BuildServiceProvider();
    }
}
