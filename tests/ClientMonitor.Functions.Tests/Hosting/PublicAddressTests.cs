using ClientMonitor.Application;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace ClientMonitor.Functions.Tests.Hosting;

/// <summary>Where links and status URLs point when no public base URL is configured: the site in Azure, the listening address locally.</summary>
public sealed class PublicAddressTests
{
    [Theory]
    [InlineData("func-cm.azurewebsites.net", null, "https://func-cm.azurewebsites.net/")]
    [InlineData("localhost:7072", null, "http://localhost:7072/")] // Core Tools
    [InlineData("func-cm.azurewebsites.net", "http://127.0.0.1:5000", "https://func-cm.azurewebsites.net/")]
    [InlineData(null, "http://127.0.0.1:5123", "http://127.0.0.1:5123/")]
    [InlineData(null, "http://+:8080", "http://localhost:8080/")]
    [InlineData(null, "http://[::]:8080", "http://localhost:8080/")]
    [InlineData(null, "https://0.0.0.0:8443", "https://localhost:8443/")]
    [InlineData(null, null, "http://localhost:7071/")]
    public void TheSite_ThenTheListeningAddress_ThenTheDefault(string? siteHostName, string? listening, string expected)
    {
        var server = listening is null ? null : new Listening(listening);

        Assert.Equal(new Uri(expected), PublicAddresses.Resolve(siteHostName, server));
    }

    private sealed class Listening : IServer
    {
        public Listening(string address)
        {
            var addresses = new ServerAddressesFeature();
            addresses.Addresses.Add(address);
            Features.Set<IServerAddressesFeature>(addresses);
        }

        public IFeatureCollection Features { get; } = new FeatureCollection();

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }
}
