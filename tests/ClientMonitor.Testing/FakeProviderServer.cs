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
using Microsoft.AspNetCore.Server.Kestrel.Core;
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

    /// <summary>The self-signed certificate of an https server; null for plain http.</summary>
    public X509Certificate2? Certificate { get; private set; }

    /// <summary>
    /// Starts the server; with <paramref name="https"/> it serves TLS with a fresh self-signed certificate for
    /// 127.0.0.1 (clients trust it through <see cref="CreateTrustingHandler"/>), because SDKs send bearer tokens
    /// only over https.
    /// </summary>
    public static async Task<FakeProviderServer> StartAsync(Func<HttpContext, RecordedRequest, Task> handler, bool https = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        var certificate = https ? SelfSignedLoopbackCertificate() : null;
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
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

    /// <summary>An HTTP handler that trusts this server's certificate and no other.</summary>
    public HttpClientHandler CreateTrustingHandler()
    {
        var thumbprint = Certificate?.Thumbprint;
        return new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, errors) =>
                errors == System.Net.Security.SslPolicyErrors.None || (thumbprint is not null && presented?.Thumbprint == thumbprint),
        };
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

    private static X509Certificate2 SelfSignedLoopbackCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var now = TimeProvider.System.GetUtcNow();
        using var created = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        // Kestrel needs the key in a loadable form; a round trip through PKCS#12 gives it one on every platform.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }
}
