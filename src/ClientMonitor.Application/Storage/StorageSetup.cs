using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;
using ClientMonitor.Core.Operations;
using ClientMonitor.Infrastructure.Notifications;
using ClientMonitor.Infrastructure.Operations;
using ClientMonitor.Infrastructure.Pipeline;
using ClientMonitor.Infrastructure.Providers;
using ClientMonitor.Infrastructure.Reports;
using ClientMonitor.Infrastructure.Scheduling;
using ClientMonitor.Infrastructure.Storage;
using Microsoft.Extensions.Options;

namespace ClientMonitor.Application.Storage;

/// <summary>
/// Where the app's tables and queues live. Read from the same settings the Functions host uses for
/// <c>AzureWebJobsStorage</c>: either a connection string (the setting's own value, e.g.
/// <c>UseDevelopmentStorage=true</c>), or identity-based <c>AzureWebJobsStorage__tableServiceUri</c> and
/// <c>__queueServiceUri</c> with an optional <c>__clientId</c> of a user-assigned managed identity.
/// </summary>
public sealed class StorageOptions
{
    public const string Section = "AzureWebJobsStorage";

    public string? ConnectionString { get; set; }

    public Uri? TableServiceUri { get; set; }

    public Uri? QueueServiceUri { get; set; }

    /// <summary>Needed by the Durable task hub (leases, large messages); the app's own data is in tables and queues.</summary>
    public Uri? BlobServiceUri { get; set; }

    public string? ClientId { get; set; }

    internal static void Bind(StorageOptions options, IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        options.ConnectionString = section.Value;
        options.TableServiceUri = Uri.TryCreate(section["tableServiceUri"], UriKind.Absolute, out var table) ? table : null;
        options.QueueServiceUri = Uri.TryCreate(section["queueServiceUri"], UriKind.Absolute, out var queue) ? queue : null;
        options.BlobServiceUri = Uri.TryCreate(section["blobServiceUri"], UriKind.Absolute, out var blob) ? blob : null;
        options.ClientId = section["clientId"];
    }
}

internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            // The SDKs parse the connection string; their messages name the missing or bad part, never the key.
            try
            {
                _ = StorageClients.Tables(options.ConnectionString);
                _ = StorageClients.Queues(options.ConnectionString);
                return ValidateOptionsResult.Success;
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
            {
                return ValidateOptionsResult.Fail("AzureWebJobsStorage: the connection string is not valid (" + ex.Message + ")");
            }
        }

        if (options.TableServiceUri is null || options.QueueServiceUri is null)
        {
            return ValidateOptionsResult.Fail(
                "AzureWebJobsStorage is not set: give a connection string, or AzureWebJobsStorage__tableServiceUri and AzureWebJobsStorage__queueServiceUri for managed identity.");
        }

        return options.TableServiceUri.Scheme == Uri.UriSchemeHttps && options.QueueServiceUri.Scheme == Uri.UriSchemeHttps
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("AzureWebJobsStorage service URIs must be https: tokens are never sent in clear text.");
    }
}

public static class StorageSetup
{
    /// <summary>Every table the app uses; created at start-up in development, by the infrastructure in Azure.</summary>
    public static readonly IReadOnlyList<string> Tables =
    [
        TableFunctionActivityLog.TableName, PoisonMessageStore.TableName,
        TenantTables.BusinessesTable, TenantTables.UsersTable, TenantTables.ClientsTable, TenantTables.PreferencesTable,
        MonitoringTables.RawDataTable, MonitoringTables.EventsTable, MonitoringTables.NotificationsTable,
        JobRunTables.JobRunsTable, JobRunTables.ClientRunsTable, TableProviderQuota.TableName,
        SchedulingTables.SchedulesTable, SchedulingTables.DueIndexTable, SchedulingTables.StateTable,
        NotificationTables.EmailLogsTable, NotificationTables.AlertsTable, NotificationTables.AlertDeliveriesTable, NotificationTables.DigestStateTable, TableSendRateLimiter.TableName, ReportTables.TableName,
    ];

    /// <summary>Every queue the app uses, with the poison twins operators read.</summary>
    public static readonly IReadOnlyList<string> Queues =
    [
        QueueNames.Notifications, QueueNames.PoisonOf(QueueNames.Notifications),
    ];

    public static IServiceCollection AddClientMonitorStorage(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>()
            .Configure<IConfiguration>(StorageOptions.Bind)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();

        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            return options.ConnectionString is { Length: > 0 } connectionString
                ? StorageClients.Tables(connectionString)
                : StorageClients.Tables(options.TableServiceUri!, Credential(options));
        });
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            var queueOptions = PoisonMessageStore.MovingUndecodableMessages(StorageClients.QueueOptions(), sp.GetRequiredService<PoisonMessageStore>);
            return options.ConnectionString is { Length: > 0 } connectionString
                ? StorageClients.Queues(connectionString, queueOptions)
                : StorageClients.Queues(options.QueueServiceUri!, Credential(options), queueOptions);
        });

        services.AddSingleton<IFunctionActivityLog, TableFunctionActivityLog>();
        services.AddSingleton<PoisonMessageStore>();
        services.AddSingleton<StorageInitializer>();
        services.AddHostedService(sp => sp.GetRequiredService<StorageInitializer>());
        return services;
    }

    /// <summary>The storage of the Durable task hub: the same account and identity as the app's own data.</summary>
    public static DurableTask.AzureStorage.StorageAccountClientProvider TaskHubStorage(StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ConnectionString is { Length: > 0 } connectionString)
        {
            return new(connectionString);
        }

        var blob = options.BlobServiceUri
            ?? throw new InvalidOperationException("AzureWebJobsStorage__blobServiceUri is not set: the Durable task hub needs the blob service too.");
        return new(blob, options.QueueServiceUri!, options.TableServiceUri!, Credential(options));
    }

    internal static DefaultAzureCredential Credential(StorageOptions options)
        => new(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ClientId });
}
