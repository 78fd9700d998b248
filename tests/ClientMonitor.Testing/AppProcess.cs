using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ClientMonitor.Testing;

/// <summary>
/// A built .NET app started as a process (<c>dotnet app.dll</c>, as scripts/run.sh starts the local host) from another
/// working directory, listening on <see cref="Port"/>; its output is kept for failure messages. Used by the tests that
/// need a real process (a crash, a browser) and by the benchmarks (start-up, memory).
/// </summary>
public sealed class AppProcess : IDisposable
{
    private readonly Process _process;
    private readonly Stopwatch _sinceStart;
    private readonly List<string> _output = [];

    private AppProcess(Process process, Stopwatch sinceStart, int port)
    {
        _process = process;
        _sinceStart = sinceStart;
        Port = port;
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    /// <summary>Time since the process was started.</summary>
    public TimeSpan SinceStart => _sinceStart.Elapsed;

    public bool HasExited => _process.HasExited;

    /// <summary>The last 60 lines the process wrote.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output.TakeLast(60));
            }
        }
    }

    /// <summary>Starts <paramref name="dll"/> on <paramref name="port"/> with <paramref name="environment"/> (which may set <c>ASPNETCORE_ENVIRONMENT</c>; default Development).</summary>
    public static AppProcess Start(string dll, int port, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
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
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var watch = Stopwatch.StartNew();
        var app = new AppProcess(Process.Start(start) ?? throw new InvalidOperationException("Could not start " + dll), watch, port);
        app._process.OutputDataReceived += (_, e) => app.Keep(e.Data);
        app._process.ErrorDataReceived += (_, e) => app.Keep(e.Data);
        app._process.BeginOutputReadLine();
        app._process.BeginErrorReadLine();
        return app;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The repository's root folder (the one holding Functions.sln), found from the running assembly's folder.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Functions.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Functions.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Waits until <paramref name="condition"/> holds, failing early if the process exits.</summary>
    public async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan? poll = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (HasExited)
            {
                throw new InvalidOperationException("The app exited; it said:\n" + Output);
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"Timed out after {timeout}; the app said:\n" + Output);
            }

            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(250));
        }
    }

    /// <summary>Whether <c>GET path</c> answers 200 now (false while the app is not listening yet).</summary>
    public async Task<bool> IsOkAsync(string path)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>The process's peak resident set (VmHWM) in MB, or null off Linux.</summary>
    public double? PeakRssMb()
    {
        var status = $"/proc/{_process.Id}/status";
        var line = File.Exists(status) ? File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)) : null;
        return line is null ? null : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    /// <summary>SIGKILL: no shutdown, like a crash.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
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
