using System.Net;
using System.Net.Sockets;
using ClientMonitor.Application;
using Grpc.Net.Client;

namespace ClientMonitor.LocalHost.Durable;

/// <summary>
/// Runs the local host's <see cref="LocalDurableEngine"/>. Its loopback port is chosen up front, so the Durable Task
/// worker and client are configured with <see cref="Channel"/> at once; the engine itself starts in the background
/// once storage answers (retrying with back-off), so that the host starts, and reports itself unhealthy, while
/// storage is down. It begins once the host has started (<see cref="HostStarted"/>), so that the
/// engine's start does not compete with the host's for the CPU. Functions that use the Durable client wait for
/// <see cref="Ready"/>.
/// </summary>
public sealed partial class LocalDurableEngineHost : BackgroundService
{
    private readonly Func<int, LocalDurableEngineOptions> _options;
    private readonly ILoggerFactory _loggers;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<LocalDurableEngineHost> _logger;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _port;
    private LocalDurableEngine? _engine;

    /// <param name="options">The engine's options for the given port.</param>
    /// <param name="loggers">For the engine's own logs.</param>
    /// <param name="lifetime">The engine starts when the host has started.</param>
    public LocalDurableEngineHost(Func<int, LocalDurableEngineOptions> options, ILoggerFactory loggers, IHostApplicationLifetime lifetime)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        _options = options;
        _lifetime = lifetime;
        _loggers = loggers;
        _logger = loggers.CreateLogger<LocalDurableEngineHost>();
        _port = FreeLoopbackPort();
        // The worker connects before the engine listens; a short reconnect back-off lets it (and the client) find
        // the engine soon after it starts instead of after gRPC's default back-off of up to two minutes.
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_port}", new GrpcChannelOptions
        {
            InitialReconnectBackoff = TimeSpan.FromMilliseconds(200),
            MaxReconnectBackoff = TimeSpan.FromSeconds(2),
        });
    }

    /// <summary>The channel the host's Durable Task worker and client share.</summary>
    public GrpcChannel Channel { get; }

    /// <summary>Completes once the task hub exists and the engine serves.</summary>
    public Task Ready => _ready.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await _lifetime.WhenStartedAsync(stoppingToken);
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                _engine = await LocalDurableEngine.StartAsync(_options(_port), _loggers, stoppingToken);
                try
                {
                    await Channel.ConnectAsync(stoppingToken);
                }
                catch
                {
                    // Not left serving on the port the next try binds.
                    await _engine.DisposeAsync();
                    _engine = null;
                    throw;
                }

                Log.Started(_logger, _engine.Address);
                _ready.TrySetResult();
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.NotStarted(_logger, delay, ex);
                await Task.Delay(delay, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_engine is not null)
        {
            await _engine.DisposeAsync();
        }

        Channel.Dispose();
    }

    private static int FreeLoopbackPort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    private static partial class Log
    {
        [LoggerMessage(1501, LogLevel.Information, "Durable engine serving the task hub at {Address}")]
        public static partial void Started(ILogger logger, Uri address);

        [LoggerMessage(1502, LogLevel.Warning, "The Durable engine could not start (storage unreachable?); trying again in {Delay}")]
        public static partial void NotStarted(ILogger logger, TimeSpan delay, Exception exception);
    }
}
