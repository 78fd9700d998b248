using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ClientMonitor.Core.Notifications;

public enum TrackingKind
{
    Open,
    Click,
}

/// <summary>What a valid tracking token says: which email, and for a click where to go.</summary>
public sealed record TrackingToken(TrackingKind Kind, string BusinessId, string EmailId, string? Target, DateTimeOffset ExpiresAt);

public enum TrackingTokenError
{
    None,

    /// <summary>Not a token of ours: malformed, tampered with, or signed with another key.</summary>
    Invalid,

    /// <summary>Genuine but past its lifetime.</summary>
    Expired,
}

/// <summary>
/// Open-tracking pixels and click-tracking redirects. Each link carries its own data (kind, business, email, target
/// URL, expiry) and an HMAC-SHA256 over it, so the tracking endpoint needs no lookup to refuse a forged link, and a
/// click can only redirect to a URL this app signed: there is no open redirect. Token:
/// <c>base64url(json) + "." + base64url(hmac)</c>.
/// </summary>
public sealed class TrackingLinks
{
    private readonly byte[] _key;
    private readonly PublicAddress _address;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;

    public TrackingLinks(byte[] key, PublicAddress address, TimeSpan lifetime, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(address);
        if (key.Length < 32)
        {
            throw new ArgumentException("The tracking key needs at least 32 bytes.", nameof(key));
        }

        _key = key;
        _address = address;
        _lifetime = lifetime;
        _time = time;
    }

    public string OpenPixelUrl(string businessId, string emailId) => $"{_address.BaseUrl}/api/track/open/{Create(TrackingKind.Open, businessId, emailId, null)}";

    /// <summary>A tracked link to an http(s) URL; any other scheme is refused (never put a <c>javascript:</c> link in an email).</summary>
    public string ClickUrl(string businessId, string emailId, string target)
    {
        if (!IsWebUrl(target))
        {
            throw new ArgumentException("Only absolute http and https URLs can be tracked.", nameof(target));
        }

        return $"{_address.BaseUrl}/api/track/click/{Create(TrackingKind.Click, businessId, emailId, target)}";
    }

    public static bool IsWebUrl(string? url)
        => Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    public TrackingTokenError TryRead(string token, TrackingKind expected, out TrackingToken? read)
    {
        read = null;
        var dot = token?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (token is null || dot <= 0 || dot == token.Length - 1 || token.Length > 4096)
        {
            return TrackingTokenError.Invalid;
        }

        var payloadPart = token[..dot];
        byte[] signature;
        byte[] payload;
        try
        {
            signature = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
            payload = Base64Url.DecodeFromChars(payloadPart.AsSpan());
        }
        catch (FormatException)
        {
            return TrackingTokenError.Invalid;
        }

        if (!CryptographicOperations.FixedTimeEquals(signature, Sign(payloadPart)))
        {
            return TrackingTokenError.Invalid;
        }

        Payload? data;
        try
        {
            data = JsonSerializer.Deserialize<Payload>(payload);
        }
        catch (JsonException)
        {
            return TrackingTokenError.Invalid;
        }

        if (data is null || data.K != (expected == TrackingKind.Open ? "o" : "c") || string.IsNullOrEmpty(data.B) || string.IsNullOrEmpty(data.E)
            || (expected == TrackingKind.Click && !IsWebUrl(data.U)))
        {
            return TrackingTokenError.Invalid;
        }

        var expires = DateTimeOffset.FromUnixTimeSeconds(data.X);
        if (_time.GetUtcNow() > expires)
        {
            return TrackingTokenError.Expired;
        }

        read = new TrackingToken(expected, data.B, data.E, data.U, expires);
        return TrackingTokenError.None;
    }

    private string Create(TrackingKind kind, string businessId, string emailId, string? target)
    {
        var payload = new Payload(kind == TrackingKind.Open ? "o" : "c", businessId, emailId, target, (_time.GetUtcNow() + _lifetime).ToUnixTimeSeconds());
        var payloadPart = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(payload));
        return payloadPart + "." + Base64Url.EncodeToString(Sign(payloadPart));
    }

    private byte[] Sign(string payloadPart) => HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(payloadPart));

    /// <summary>Short names keep the links short: kind, business, email, url, expiry (unix seconds).</summary>
    private sealed record Payload(string K, string B, string E, string? U, long X);
}
