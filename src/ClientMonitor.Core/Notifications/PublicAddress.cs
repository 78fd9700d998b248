namespace ClientMonitor.Core.Notifications;

/// <summary>
/// Where people and mail readers reach the app, without a trailing slash: event links, tracking links and status URLs
/// start here. Asked each time, because locally the address is known only once the server listens.
/// </summary>
public sealed class PublicAddress(Func<Uri> resolve)
{
    public PublicAddress(Uri fixedAddress)
        : this(() => fixedAddress)
    {
        ArgumentNullException.ThrowIfNull(fixedAddress);
    }

    public string BaseUrl => resolve().GetLeftPart(UriPartial.Path).TrimEnd('/');
}
