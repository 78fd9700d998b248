using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ClientMonitor.Infrastructure.Storage;
using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace ClientMonitor.Testing;

/// <summary>
/// A real Azurite (from the repo's node_modules) on free loopback ports, in memory, started once per test process
/// and stopped when the process exits. Tests isolate themselves with unique table and queue names.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    private static readonly Lazy<Task<Azurite>> SharedInstance = new(StartAsync);
    private readonly Process _process;
    private readonly StringBuilder _output;

    private Azurite(Process process, StringBuilder output, int tablePort, int queuePort, int blobPort)
    {
        _process = process;
        _output = output;
        TablePort = tablePort;
        QueuePort = queuePort;
        BlobPort = blobPort;
    }

    public int TablePort { get; }

    public int QueuePort { get; }

    /// <summary>Blobs: the Durable engine's Azure Storage provider keeps its leases and large messages there.</summary>
    public int BlobPort { get; }

    /// <summary>A connection string to this instance with the well-known development account.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={StorageClients.DevelopmentAccountName};" +
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/{StorageClients.DevelopmentAccountName};" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{StorageClients.DevelopmentAccountName};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{StorageClients.DevelopmentAccountName};";

    public static Task<Azurite> SharedAsync() => SharedInstance.Value;

    public TableServiceClient CreateTableService(TableClientOptions? options = null) => StorageClients.Tables(ConnectionString, options);

    public QueueServiceClient CreateQueueService(QueueClientOptions? options = null) => StorageClients.Queues(ConnectionString, options);

    /// <summary>A table or queue name no other test uses: lower-case letters and digits.</summary>
    public static string UniqueName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..12];

    /// <summary>
    /// A private Azurite for tests that need storage-wide isolation (the scheduler's due index is one partition for
    /// every business, so tests that move the clock must not see each other's entries). Dispose it when done.
    /// </summary>
    public static Task<Azurite> StartPrivateAsync() => StartAsync();

    private static async Task<Azurite> StartAsync()
    {
        var script = FindAzuriteScript();
        var tablePort = FreePort();
        var queuePort = FreePort();
        var blobPort = FreePort();
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     script, "--inMemoryPersistence", "--silent", "--skipApiVersionCheck", "--disableTelemetry",
                     "--blobPort", blobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--queuePort", queuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--tablePort", tablePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                 })
        {
            start.ArgumentList.Add(arg);
        }

        var output = new StringBuilder();
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for Azurite.");
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var azurite = new Azurite(process, output, tablePort, queuePort, blobPort);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => azurite.Kill();

        var deadline = Stopwatch.StartNew();
        while (!await IsListeningAsync(tablePort) || !await IsListeningAsync(queuePort))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                azurite.Kill();
                throw new InvalidOperationException($"Azurite did not start on ports {tablePort}/{queuePort}. Output:\n{azurite.Output}");
            }

            await Task.Delay(100);
        }

        return azurite;
    }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    private static async Task<bool> IsListeningAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindAzuriteScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "node_modules", "azurite", "dist", "src", "azurite.js");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "Azurite is not installed: run 'npm ci' at the repository root (scripts/test.sh does this for you).");
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
