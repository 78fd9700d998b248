using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ClientMonitor.Application.Storage;
using ClientMonitor.Testing;

namespace ClientMonitor.Functions.Tests.Hosting;

/// <summary>
/// The local host as a real process, as scripts/run.sh starts it: the test's own copy of its build output, started
/// from another working directory in Development (so it reads appsettings.Development.json from its own folder), on
/// the given Azurite, task hub and port. Its output is kept for the failure message.
/// </summary>
internal sealed class LocalHostProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private LocalHostProcess(Process process) => _process = process;

    public bool HasExited => _process.HasExited;

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

    public static LocalHostProcess Start(Azurite azurite, string hub, int port, IReadOnlyDictionary<string, string>? settings = null)
    {
        var start = new ProcessStartInfo("dotnet", Path.Combine(AppContext.BaseDirectory, "ClientMonitor.LocalHost.dll"))
        {
            WorkingDirectory = Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["AzureWebJobsStorage"] = azurite.ConnectionString;
        start.Environment[TaskHub.NameSetting] = hub;
        start.Environment["Auth__SigningKey"] = TestAuth.SigningKey;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var host = new LocalHostProcess(Process.Start(start)!);
        host._process.OutputDataReceived += (_, e) => host.Keep(e.Data);
        host._process.ErrorDataReceived += (_, e) => host.Keep(e.Data);
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        return host;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, failing early if the host exits.</summary>
    public async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.False(HasExited, "the local host exited:\n" + Output);
            Assert.True(deadline.Elapsed < timeout, "timed out; the host said:\n" + Output);
            await Task.Delay(250);
        }
    }

    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
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
