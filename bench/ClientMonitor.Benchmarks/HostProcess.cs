using ClientMonitor.Application.Api;
using ClientMonitor.Testing;

namespace ClientMonitor.Benchmarks;

/// <summary>
/// A built app (the local host, or the empty reference app) started as a process (<see cref="AppProcess"/>), timed
/// from the start to its first 200 on <c>/api/health/live</c>.
/// </summary>
internal sealed class HostProcess(AppProcess app) : IDisposable
{
    /// <summary>A fresh signing key per bench run: tokens minted here are good for this run's hosts only.</summary>
    public static string SigningKey { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public static string LocalHostDll => Built("src/ClientMonitor.LocalHost", "ClientMonitor.LocalHost.dll");

    public static string EmptyAppDll => Built("bench/EmptyApp", "EmptyApp.dll");

    /// <summary>The local host in Development on <paramref name="storage"/> and task hub <paramref name="hub"/>, its timers and queue listeners off.</summary>
    public static HostProcess StartLocalHost(string storage, string hub) => Start(LocalHostDll, new Dictionary<string, string>
    {
        ["AzureWebJobsStorage"] = storage,
        ["DurableTaskHubName"] = hub,
        ["Auth__SigningKey"] = SigningKey,
        ["LocalHost__Triggers"] = "false",
        // The bench measures the API, not its per-caller limit (600 a minute), which its callers would exceed.
        ["Api__RateLimit__PermitsPerMinute"] = "100000000",
        ["Logging__LogLevel__Default"] = "Warning",
    });

    public static HostProcess Start(string dll, IReadOnlyDictionary<string, string> settings) => new(AppProcess.Start(dll, AppProcess.FreePort(), settings));

    /// <summary>Polls <c>/api/health/live</c> every 10 ms; returns the ms from process start to its first 200.</summary>
    public async Task<double> WaitForLiveAsync(TimeSpan timeout)
    {
        await app.WaitForAsync(() => app.IsOkAsync("/api/health/live"), timeout, TimeSpan.FromMilliseconds(10));
        return app.SinceStart.TotalMilliseconds;
    }

    /// <summary>A client with a tenant admin's token for <paramref name="businessId"/>.</summary>
    public HttpClient CreateClient(string businessId)
    {
        var token = ApiAuth.MintDevelopmentToken(new AuthOptions { SigningKey = SigningKey }, "amy", businessId, ApiRoles.Admin, TimeProvider.System.GetUtcNow(), TimeSpan.FromHours(2));
        var http = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>The process's peak resident set in MB, or null off Linux.</summary>
    public double? PeakRssMb() => app.PeakRssMb() is { } mb ? BenchResults.Round(mb) : null;

    public void Dispose() => app.Dispose();

    private static string Built(string project, string dll)
    {
        var path = Path.Combine(AppProcess.RepositoryRoot(), project, "bin", "Release", "net10.0", dll);
        return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: build it in Release (scripts/bench.sh does).");
    }
}
