using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClientMonitor.Testing;

/// <summary>A request as the fake server saw it.</summary>
public sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>
/// A real HTTP server on a free loopback port that answers like a provider: each request is recorded and handed to
/// the test's handler, which writes the provider's real payload, an error status, or nothing for a long time.
/// </summary>
public sealed class FakeProviderServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private FakeProviderServer(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>The self-signed certificate of an HTTPS server; null for plain HTTP.</summary>
    public X509Certificate2? Certificate { get; private set; }

    public static Task<FakeProviderServer> StartAsync(Func<HttpContext, RecordedRequest, Task> handler) => StartAsync(handler, certificate: null);

    /// <summary>
    /// The same server over HTTPS, with a self-signed certificate for 127.0.0.1 made for this server alone: for SDKs
    /// that refuse to send a bearer token over plain HTTP. Clients reach it through <see cref="CreateClientHandler"/>.
    /// </summary>
    public static Task<FakeProviderServer> StartHttpsAsync(Func<HttpContext, RecordedRequest, Task> handler) => StartAsync(handler, LoopbackCertificate());

    /// <summary>A client handler for this server: over HTTPS it trusts this server's certificate and no other.</summary>
    public SocketsHttpHandler CreateClientHandler()
    {
        var handler = new SocketsHttpHandler();
        if (Certificate is { } expected)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == expected.GetCertHashString();
        }

        return handler;
    }

    private static async Task<FakeProviderServer> StartAsync(Func<HttpContext, RecordedRequest, Task> handler, X509Certificate2? certificate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        if (certificate is null)
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        }
        else
        {
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        }

        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeProviderServer(app) { Certificate = certificate };
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            var request = new RecordedRequest(
                context.Request.Method,
                context.Request.Path + context.Request.QueryString,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body);
            server._requests.Enqueue(request);
            await handler(context, request);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    /// <summary>Answers every request with the same status and body.</summary>
    public static Task<FakeProviderServer> StartAsync(int status, string body, string contentType = "application/json")
        => StartAsync((context, _) => Respond(context, status, body, contentType));

    public static async Task Respond(HttpContext context, int status, string body, string contentType = "application/json")
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate?.Dispose();
    }

    private static X509Certificate2 LoopbackCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false)); // server authentication
        var now = TimeProvider.System.GetUtcNow();
        using var created = request.CreateSelfSigned(now.AddHours(-1), now.AddHours(1));
        // A PFX round trip gives a certificate whose private key TLS can use on every platform.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), password: null);
    }
}
