using ClientMonitor.Application.Health;
using ClientMonitor.Core.Notifications;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ClientMonitor.Application;

/// <summary>
/// Where the app is reached, in order: the configured <c>Email:PublicBaseUrl</c>; in Azure the Functions app's host
/// name (<c>WEBSITE_HOSTNAME</c>, https); under the local host the first address its server listens on (a wildcard
/// host becomes <c>localhost</c>); else <see cref="Fallback"/>, the local host's default address.
/// </summary>
public static class PublicAddresses
{
    public static readonly Uri Fallback = new("http://localhost:7071");

    public static PublicAddress For(IServiceProvider services, string? configured)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new PublicAddress(new Uri(configured));
        }

        var local = services.GetService<HostingModeInfo>()?.Mode == HostingMode.Local;
        return new PublicAddress(() => Resolve(Environment.GetEnvironmentVariable("WEBSITE_HOSTNAME"), local ? services.GetService<IServer>() : null));
    }

    internal static Uri Resolve(string? siteHostName, IServer? localServer)
    {
        if (!string.IsNullOrWhiteSpace(siteHostName))
        {
            // Core Tools names the local port here too (localhost:7071), over plain http.
            var scheme = siteHostName.StartsWith("localhost", StringComparison.OrdinalIgnoreCase) ? Uri.UriSchemeHttp : Uri.UriSchemeHttps;
            return new Uri($"{scheme}://{siteHostName}");
        }

        var listening = localServer?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (listening is null)
        {
            return Fallback;
        }

        // "http://+:80", "http://*:80", "http://0.0.0.0:80" and "http://[::]:80" listen everywhere; callers here use localhost.
        var wildcard = System.Text.RegularExpressions.Regex.Replace(listening, @"^(https?://)(\+|\*|0\.0\.0\.0|\[::\])(?=[:/]|$)", "$1localhost");
        return Uri.TryCreate(wildcard, UriKind.Absolute, out var uri) ? uri : Fallback;
    }
}
