using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using ClientMonitor.Application.Api;

namespace ClientMonitor.Benchmarks;

/// <summary>
/// A built app (the local host, or the empty reference app) started as a process with <c>dotnet app.dll</c>, as
/// scripts/run.sh would, timed from the start to its first 200 on <c>/api/health/live</c>.
/// </summary>
internal sealed class HostProcess : IDisposable
{
    private readonly Process _process;
    private readonly Stopwatch _sinceStart;
    private readonly List<string> _output = [];

    private HostProcess(Process process, Stopwatch sinceStart, int port)
    {
        _process = process;
        _sinceStart = sinceStart;
        Port = port;
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    /// <summary>A fresh signing key per bench run: tokens minted here are good for this run's hosts only.</summary>
    public static string SigningKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Functions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Functions.sln not found above " + AppContext.BaseDirectory);
    }

    public static string LocalHostDll => Built("src/ClientMonitor.LocalHost", "ClientMonitor.LocalHost.dll");

    public static string EmptyAppDll => Built("bench/EmptyApp", "EmptyApp.dll");

    /// <summary>The local host in Development on <paramref name="storage"/> and task hub <paramref name="hub"/>, its timers and queue listeners off.</summary>
    public static HostProcess StartLocalHost(string storage, string hub) => Start(LocalHostDll, new Dictionary<string, string>
    {
        ["AzureWebJobsStorage"] = storage,
        ["DurableTaskHubName"] = hub,
        ["Auth__SigningKey"] = SigningKey,
        ["LocalHost__Triggers"] = "false",
        ["Logging__LogLevel__Default"] = "Warning",
    });

    public static HostProcess Start(string dll, IReadOnlyDictionary<string, string> settings)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        var watch = Stopwatch.StartNew();
        var host = new HostProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start " + dll), watch, port);
        host._process.OutputDataReceived += (_, e) => host.Keep(e.Data);
        host._process.ErrorDataReceived += (_, e) => host.Keep(e.Data);
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Polls <c>/api/health/live</c> every 10 ms; returns the ms from process start to its first 200.</summary>
    public async Task<double> WaitForLiveAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri("/api/health/live", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return _sinceStart.Elapsed.TotalMilliseconds;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (_process.HasExited || _sinceStart.Elapsed > timeout)
            {
                throw new InvalidOperationException("the host did not come up; it said:\n" + Output);
            }

            await Task.Delay(10);
        }
    }

    /// <summary>A client with a tenant admin's token for <paramref name="businessId"/>.</summary>
    public HttpClient CreateClient(string businessId)
    {
        var token = ApiAuth.MintDevelopmentToken(new AuthOptions { SigningKey = SigningKey }, "amy", businessId, ApiRoles.Admin, TimeProvider.System.GetUtcNow(), TimeSpan.FromHours(2));
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>The process's peak resident set (VmHWM) in MB, or null off Linux.</summary>
    public double? PeakRssMb()
    {
        var status = $"/proc/{_process.Id}/status";
        if (!File.Exists(status))
        {
            return null;
        }

        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? null : BenchResults.Round(double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024);
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output.TakeLast(40));
            }
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    private static string Built(string project, string dll)
    {
        var path = Path.Combine(RepositoryRoot(), project, "bin", "Release", "net10.0", dll);
        return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: build it in Release (scripts/bench.sh does).");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.Add(line);
            }
        }
    }
}
