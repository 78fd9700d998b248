using System.Net.Http.Headers;
using ClientMonitor.Application.Api;

namespace ClientMonitor.Functions.Tests;

/// <summary>A development signing key made fresh for this test run, and tokens signed with it.</summary>
internal static class TestAuth
{
    public static readonly string SigningKey = ApiAuth.NewDevelopmentKey();

    public static readonly AuthOptions Options = new() { SigningKey = SigningKey };

    public static string Token(string userId, string? businessId, string role, TimeSpan? lifetime = null, DateTimeOffset? now = null)
        => ApiAuth.MintDevelopmentToken(Options, userId, businessId, role, now ?? TimeProvider.System.GetUtcNow(), lifetime ?? TimeSpan.FromHours(1));

    public static HttpClient As(this HttpClient client, string userId, string? businessId, string role)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(userId, businessId, role));
        return client;
    }
}
