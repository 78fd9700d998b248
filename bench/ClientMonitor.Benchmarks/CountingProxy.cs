using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ClientMonitor.Benchmarks;

/// <summary>
/// A reverse proxy (Kestrel, in the bench process) in front of one Azurite port that counts every request it
/// forwards, split into the Durable engine's (resources named after the task hub, and every blob: the engine's
/// leases) and ours (everything else). Batches and table creation name their table in the body, so the body is read.
/// </summary>
internal sealed class CountingProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase) { "Host", "Connection", "Transfer-Encoding", "Keep-Alive", "Expect" };
    private readonly WebApplication _app;
    private readonly HttpClient _forward;
    private readonly string _hub;
    private readonly bool _allEngine;
    private readonly ConcurrentDictionary<string, long> _byResource = new(StringComparer.Ordinal);
    private long _ours;
    private long _engine;

    private CountingProxy(WebApplication app, HttpClient forward, string hub, bool allEngine, int port)
    {
        _app = app;
        _forward = forward;
        _hub = hub;
        _allEngine = allEngine;
        Port = port;
    }

    public int Port { get; }

    public long Ours => Interlocked.Read(ref _ours);

    public long Engine => Interlocked.Read(ref _engine);

    /// <summary>Requests by method and resource (table, queue or blob container; <c>$batch</c> for batches).</summary>
    public IReadOnlyDictionary<string, long> ByResource => _byResource;

    public void Reset()
    {
        Interlocked.Exchange(ref _ours, 0);
        Interlocked.Exchange(ref _engine, 0);
        _byResource.Clear();
    }

    /// <summary>A proxy to <c>127.0.0.1:<paramref name="targetPort"/></c>; <paramref name="allEngine"/> counts every request as the engine's (blobs).</summary>
    public static async Task<CountingProxy> StartAsync(int targetPort, string hub, bool allEngine)
    {
        var port = FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var forward = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{targetPort}"),
            Timeout = TimeSpan.FromMinutes(2),
        };
        var proxy = new CountingProxy(app, forward, hub, allEngine, port);
        app.Run(proxy.ForwardAsync);
        await app.StartAsync();
        return proxy;
    }

    private async Task ForwardAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var bytes = body.ToArray();
        var path = context.Request.Path.Value ?? string.Empty;
        _byResource.AddOrUpdate($"{context.Request.Method} {Resource(path)}", 1, (_, n) => n + 1);
        if (_allEngine || IsEngine(path, bytes))
        {
            Interlocked.Increment(ref _engine);
        }
        else
        {
            Interlocked.Increment(ref _ours);
        }

        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), path + context.Request.QueryString);
        if (bytes.Length > 0 || context.Request.ContentLength is not null || context.Request.ContentType is not null)
        {
            request.Content = new ByteArrayContent(bytes);
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (HopHeaders.Contains(name))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        using var response = await _forward.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopHeaders.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private static string Resource(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var resource = segments.Length > 1 ? segments[1] : "(account)";
        var key = resource.IndexOf('(', StringComparison.Ordinal);
        return key > 0 ? resource[..key] : resource;
    }

    /// <summary>The first path segment after the account names the table or queue (or <c>$batch</c>, <c>Tables</c>: then the body does).</summary>
    private bool IsEngine(string path, byte[] body)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var resource = segments.Length > 1 ? segments[1] : string.Empty;
        if (resource.StartsWith("$batch", StringComparison.Ordinal) || resource.StartsWith("Tables", StringComparison.Ordinal))
        {
            return body.Length > 0 && Encoding.UTF8.GetString(body).Contains(_hub, StringComparison.OrdinalIgnoreCase);
        }

        return resource.StartsWith(_hub, StringComparison.OrdinalIgnoreCase);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _forward.Dispose();
    }
}
