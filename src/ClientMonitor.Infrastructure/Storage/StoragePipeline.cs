using Azure.Core;
using Azure.Core.Pipeline;

namespace ClientMonitor.Infrastructure.Storage;

/// <summary>Builds the HTTP pipeline shared by the Table and Queue clients.</summary>
internal static class StoragePipeline
{
    internal const string StorageScope = "https://storage.azure.com/.default";

    public static HttpPipeline Build(StorageClientOptions options, HttpPipelinePolicy authentication, string apiVersion)
        => HttpPipelineBuilder.Build(
            options,
            perCallPolicies: [new ApiVersionPolicy(apiVersion)],
            perRetryPolicies: [new StorageDatePolicy(options.TimeProvider), authentication],
            new ResponseClassifier());

    public static HttpPipelinePolicy TokenPolicy(TokenCredential credential)
        => new BearerTokenAuthenticationPolicy(credential, StorageScope);

    private sealed class ApiVersionPolicy(string version) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message) => message.Request.Headers.SetValue("x-ms-version", version);
    }
}
