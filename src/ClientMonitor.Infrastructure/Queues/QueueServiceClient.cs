using Azure.Core;
using Azure.Core.Pipeline;
using ClientMonitor.Infrastructure.Storage;

namespace ClientMonitor.Infrastructure.Queues;

/// <summary>Entry point to the Queue service of one storage account; hands out <see cref="QueueClient"/>s sharing its pipeline.</summary>
public sealed class QueueServiceClient
{
    internal const string ApiVersion = "2018-03-28";

    /// <summary>Shared Key authorization (connection strings, Azurite).</summary>
    public QueueServiceClient(Uri endpoint, StorageSharedKeyCredential credential, StorageClientOptions? options = null)
        : this(endpoint, new QueueSharedKeyPolicy(credential ?? throw new ArgumentNullException(nameof(credential))), options)
    {
    }

    /// <summary>Microsoft Entra authorization (managed identity in Azure); requires an https endpoint.</summary>
    public QueueServiceClient(Uri endpoint, TokenCredential credential, StorageClientOptions? options = null)
        : this(endpoint, StoragePipeline.TokenPolicy(credential ?? throw new ArgumentNullException(nameof(credential))), options)
    {
    }

    private QueueServiceClient(Uri endpoint, HttpPipelinePolicy authentication, StorageClientOptions? options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Endpoint = new Uri(endpoint.ToString().TrimEnd('/'));
        Pipeline = StoragePipeline.Build(options ?? new StorageClientOptions(), authentication, ApiVersion);
    }

    public Uri Endpoint { get; }

    internal HttpPipeline Pipeline { get; }

    public QueueClient GetQueueClient(string queueName) => new(this, queueName);
}
