using ClientMonitor.Core.Clients;
using ClientMonitor.Infrastructure.Providers;

namespace ClientMonitor.Infrastructure.Tests.Providers;

internal static class ProviderTestSupport
{
    public static readonly Client Contoso = new("c1", "b1", "Contoso", "contoso.com", "software", ["Contoso Cloud"], [], "001Ak00000AbCdEAAV", "9876543210", true);

    /// <summary>
    /// Fast settings: millisecond backoff so retry and breaker paths run quickly. The attempt timeout stays generous
    /// (a busy CI machine can take a while to answer the first request) unless a test is about timeouts.
    /// </summary>
    public static ProviderResilienceOptions Fast(int maxRetries = 2, int breakerThroughput = 100, int attemptTimeoutMs = 10_000) => new()
    {
        AttemptTimeout = TimeSpan.FromMilliseconds(attemptTimeoutMs),
        MaxRetries = maxRetries,
        BaseDelay = TimeSpan.FromMilliseconds(5),
        MaxDelay = TimeSpan.FromSeconds(2),
        BreakerMinimumThroughput = breakerThroughput,
        BreakerFailureRatio = 0.5,
        BreakDuration = TimeSpan.FromMinutes(5),
    };

    public static ProviderGateway Gateway(ProviderResilienceOptions options, IProviderQuota? quota = null)
        => new(_ => options, quota ?? new UnlimitedQuota(), TimeProvider.System);

    internal sealed class UnlimitedQuota : IProviderQuota
    {
        public Task<bool> TryConsumeAsync(string provider, int dailyLimit, CancellationToken cancellationToken) => Task.FromResult(true);

        public Task<int> UsedTodayAsync(string provider, CancellationToken cancellationToken) => Task.FromResult(0);
    }
}
