using System.Net.Http.Headers;
using ClientMonitor.Application.Api;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ClientMonitor.Functions.Tests;

/// <summary>A development signing key made fresh for this test run, and tokens signed with it.</summary>
internal static class TestAuth
{
    public static readonly string SigningKey = ApiAuth.NewDevelopmentKey();

    public static readonly AuthOptions Options = new() { SigningKey = SigningKey };

    public static string Token(string userId, string? businessId, string role, TimeSpan? lifetime = null, DateTimeOffset? now = null)
        => ApiAuth.MintDevelopmentToken(Options, userId, businessId, role, now ?? TimeProvider.System.GetUtcNow(), lifetime ?? TimeSpan.FromHours(1));

    /// <summary>A token validly signed with the test key whose claims are exactly <paramref name="claims"/> (arrays become repeated claims).</summary>
    public static string Signed(IDictionary<string, object> claims, string issuer)
    {
        Options.TryGetDevelopmentKey(out var key);
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = Options.Audience,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }

    public static HttpClient WithToken(this HttpClient client, string token)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static HttpClient As(this HttpClient client, string userId, string? businessId, string role)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(userId, businessId, role));
        return client;
    }
}
