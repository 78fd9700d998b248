using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace ClientMonitor.Infrastructure.Storage;

/// <summary>
/// Builds the app's one <see cref="TableServiceClient"/> and one <see cref="QueueServiceClient"/>, from a connection
/// string (account key, SAS or <c>UseDevelopmentStorage=true</c>) or from service URIs with a
/// <see cref="TokenCredential"/> (managed identity in Azure, where shared keys are disabled). Retries are the SDKs'
/// own (exponential, 3 retries on 408, 429, 5xx and transport failures); no other layer retries storage calls.
/// Queue messages are base64 text, the format the Functions queue trigger reads and writes.
/// </summary>
public static class StorageClients
{
    /// <summary>The account name of the storage emulator's well-known development account.</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    public static TableClientOptions TableOptions() => new();

    public static QueueClientOptions QueueOptions() => new() { MessageEncoding = QueueMessageEncoding.Base64 };

    public static TableServiceClient Tables(string connectionString, TableClientOptions? options = null)
        => new(connectionString, options ?? TableOptions());

    public static QueueServiceClient Queues(string connectionString, QueueClientOptions? options = null)
        => new(connectionString, options ?? QueueOptions());

    /// <summary>Identity-based tables; the SDK refuses to send a bearer token to an endpoint that is not https.</summary>
    public static TableServiceClient Tables(Uri serviceUri, TokenCredential credential, TableClientOptions? options = null)
        => new(serviceUri, credential, options ?? TableOptions());

    /// <summary>Identity-based queues; the SDK refuses to send a bearer token to an endpoint that is not https.</summary>
    public static QueueServiceClient Queues(Uri serviceUri, TokenCredential credential, QueueClientOptions? options = null)
        => new(serviceUri, credential, options ?? QueueOptions());
}
