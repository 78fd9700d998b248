using System.Net;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClientMonitor.LocalHost;

/// <summary>Where the engine keeps its task hub, and how long a taken work item stays hidden.</summary>
public sealed record LocalDurableEngineOptions(StorageAccountClientProvider Storage, string TaskHubName)
{
    /// <summary>
    /// How long a work item stays hidden once taken. The sidecar never renews the lease, so this must exceed the
    /// longest activity; it is also how long a killed host's in-flight work waits before another run picks it up.
    /// </summary>
    public TimeSpan WorkItemVisibility { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long an orchestration's messages stay hidden once taken from a control queue: after a crash, how long its
    /// orchestrations wait before they move on (the provider's default: 5 minutes).
    /// </summary>
    public TimeSpan ControlQueueVisibility { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest wait between polls of an idle queue (Microsoft's Flex guidance for Durable: 1 s).</summary>
    public TimeSpan MaxQueuePollingInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The sidecar's loopback port; 0 picks a free one.</summary>
    public int Port { get; init; }
}

/// <summary>
/// A real Durable engine without the Functions host: the Azure Storage orchestration service (history, instances and
/// partitions tables, control and work-item queues, exactly as Durable Functions keeps them in Azure) served over gRPC
/// by the Durable Task sidecar on a loopback port. Durable Task workers and clients connect to
/// <see cref="CreateChannel"/>. Instances survive a restart: a killed host resumes its runs when started again.
/// </summary>
public sealed class LocalDurableEngine : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly AzureStorageOrchestrationService _service;

    private LocalDurableEngine(WebApplication app, AzureStorageOrchestrationService service, Uri address)
    {
        _app = app;
        _service = service;
        Address = address;
    }

    /// <summary>The sidecar's gRPC address (HTTP/2 without TLS, loopback only).</summary>
    public Uri Address { get; }

    public static async Task<LocalDurableEngine> StartAsync(LocalDurableEngineOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            StorageAccountClientProvider = options.Storage,
            TaskHubName = options.TaskHubName,
            WorkItemQueueVisibilityTimeout = options.WorkItemVisibility,
            ControlQueueVisibilityTimeout = options.ControlQueueVisibility,
            MaxQueuePollingInterval = options.MaxQueuePollingInterval,
            // Partition leases in the {hub}Partitions table, as the Durable Functions extension keeps them, so both
            // hosts can serve one task hub.
            UseTablePartitionManagement = true,
            LoggerFactory = loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
        });
        try
        {
            // The sidecar's own create call does not wait for the task hub; create it before serving.
            await service.CreateIfNotExistsAsync().ConfigureAwait(false);
            var app = await StartSidecarAsync(service, options.Port, loggerFactory, cancellationToken).ConfigureAwait(false);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new LocalDurableEngine(app, service, new Uri(address));
        }
        catch
        {
            service.Dispose();
            throw;
        }
    }

    /// <summary>A channel of its own for a Durable Task worker or client (<c>UseGrpc(channel)</c>); the caller disposes it.</summary>
    public GrpcChannel CreateChannel() => GrpcChannel.ForAddress(Address);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _service.Dispose();
    }

    private static async Task<WebApplication> StartSidecarAsync(AzureStorageOrchestrationService service, int port, ILoggerFactory? loggerFactory, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Logging.ClearProviders();
        if (loggerFactory is not null)
        {
            builder.Services.AddSingleton(loggerFactory);
        }

        builder.Services.AddGrpc();
        builder.Services.AddSingleton<IOrchestrationService>(new Durable.StartedOnlyStop(service));
        builder.Services.AddSingleton<IOrchestrationServiceClient>(service);
        builder.Services.AddSingleton<TaskHubGrpcServer>();
        var app = builder.Build();
        app.MapGrpcService<TaskHubGrpcServer>();
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            return app;
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
