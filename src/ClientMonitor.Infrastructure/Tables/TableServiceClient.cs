using Azure.Core;
using Azure.Core.Pipeline;
using ClientMonitor.Infrastructure.Storage;

namespace ClientMonitor.Infrastructure.Tables;

/// <summary>
/// Entry point to the Table service of one storage account: holds the endpoint and the authenticated pipeline
/// and hands out <see cref="TableClient"/>s, which share both.
/// </summary>
public sealed class TableServiceClient
{
    internal const string ApiVersion = "2019-02-02";

    /// <summary>Shared Key Lite authorization (connection strings, Azurite).</summary>
    public TableServiceClient(Uri endpoint, StorageSharedKeyCredential credential, StorageClientOptions? options = null)
        : this(endpoint, new TableSharedKeyLitePolicy(credential ?? throw new ArgumentNullException(nameof(credential))), options)
    {
    }

    /// <summary>Microsoft Entra authorization (managed identity in Azure); requires an https endpoint.</summary>
    public TableServiceClient(Uri endpoint, TokenCredential credential, StorageClientOptions? options = null)
        : this(endpoint, StoragePipeline.TokenPolicy(credential ?? throw new ArgumentNullException(nameof(credential))), options)
    {
    }

    private TableServiceClient(Uri endpoint, HttpPipelinePolicy authentication, StorageClientOptions? options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Endpoint = new Uri(endpoint.ToString().TrimEnd('/'));
        Pipeline = StoragePipeline.Build(options ?? new StorageClientOptions(), authentication, ApiVersion);
    }

    public Uri Endpoint { get; }

    internal HttpPipeline Pipeline { get; }

    public TableClient GetTableClient(string tableName) => new(this, tableName);
}
