using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using ClientMonitor.Infrastructure.Storage;
using ClientMonitor.Testing;

namespace ClientMonitor.Infrastructure.Tests.Storage;

/// <summary>
/// Identity-based storage (managed identity in Azure, where shared keys are disabled): the clients ask the credential
/// for a Storage token and send it as a bearer token, over https only. The fake service answers as Table and Queue
/// storage do.
/// </summary>
public sealed class StorageIdentityTests
{
    private const string StorageScope = "https://storage.azure.com/.default";

    [Fact]
    public async Task Tables_SendTheCredentialsStorageToken()
    {
        await using var server = await FakeProviderServer.StartHttpsAsync(
            (context, _) => FakeProviderServer.Respond(context, 200, "{\"value\":[{\"TableName\":\"events\"}]}", "application/json;odata=minimalmetadata"));
        var credential = new RecordingCredential("table-token");
        var options = new TableClientOptions { Transport = new HttpClientTransport(server.CreateClientHandler()) };
        var tables = StorageClients.Tables(new Uri(server.BaseUrl, StorageClients.DevelopmentAccountName), credential, options);

        var names = new List<string>();
        await foreach (var table in tables.QueryAsync())
        {
            names.Add(table.Name);
        }

        Assert.Equal(["events"], names);
        var request = Assert.Single(server.Requests);
        Assert.Equal("Bearer table-token", request.Headers["Authorization"]);
        Assert.StartsWith($"/{StorageClients.DevelopmentAccountName}/Tables", request.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal([StorageScope], credential.Scopes.Distinct());
    }

    [Fact]
    public async Task Queues_SendTheCredentialsStorageToken()
    {
        await using var server = await FakeProviderServer.StartHttpsAsync(
            (context, _) =>
            {
                context.Response.Headers["x-ms-approximate-messages-count"] = "3";
                return FakeProviderServer.Respond(context, 200, string.Empty, "application/xml");
            });
        var credential = new RecordingCredential("queue-token");
        var options = StorageClients.QueueOptions();
        options.Transport = new HttpClientTransport(server.CreateClientHandler());
        var queues = StorageClients.Queues(new Uri(server.BaseUrl, StorageClients.DevelopmentAccountName), credential, options);

        var count = await queues.GetQueueClient("notifications").CountAsync(CancellationToken.None);

        Assert.Equal(3, count);
        var request = Assert.Single(server.Requests);
        Assert.Equal("Bearer queue-token", request.Headers["Authorization"]);
        Assert.StartsWith($"/{StorageClients.DevelopmentAccountName}/notifications?comp=metadata", request.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal([StorageScope], credential.Scopes.Distinct());
    }

    [Fact]
    public void ATokenIsNeverSentOverPlainHttp()
    {
        var tables = StorageClients.Tables(new Uri("http://127.0.0.1:1/devstoreaccount1"), new RecordingCredential("t"));

        var refused = Assert.Throws<InvalidOperationException>(() => tables.GetTableClient("events").Query<TableEntity>().AsPages().First());

        Assert.Contains("https", refused.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void AQueueClientWithATokenIsRefusedOverPlainHttp_AlreadyWhenBuilt()
    {
        var refused = Assert.Throws<ArgumentException>(() => StorageClients.Queues(new Uri("http://127.0.0.1:1/devstoreaccount1"), new RecordingCredential("t")));

        Assert.Contains("HTTPS", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>A credential that hands out a fixed token and remembers the scopes it was asked for.</summary>
    private sealed class RecordingCredential(string token) : TokenCredential
    {
        private readonly ConcurrentQueue<string> _scopes = new();

        public IEnumerable<string> Scopes => _scopes;

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            foreach (var scope in requestContext.Scopes)
            {
                _scopes.Enqueue(scope);
            }

            return new AccessToken(token, TimeProvider.System.GetUtcNow().AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
            => new(GetToken(requestContext, cancellationToken));
    }
}
