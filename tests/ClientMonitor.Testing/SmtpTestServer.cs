using System.Diagnostics;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace ClientMonitor.Testing;

/// <summary>
/// A real SMTP server process (tests/tools/smtp-server.mjs, nodemailer's smtp-server from the repo's node_modules)
/// on a free loopback port, with STARTTLS, one account, and every accepted message saved as a file.
/// </summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    private readonly Process _process;

    private readonly byte[] _certificate;

    private SmtpTestServer(Process process, int port, string directory, byte[] certificate)
    {
        _process = process;
        Port = port;
        Directory = directory;
        _certificate = certificate;
    }

    /// <summary>Trusts exactly the certificate this server was started with (pinned), and nothing else.</summary>
    public bool ValidateCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
        => errors == SslPolicyErrors.None || (certificate is not null && certificate.GetRawCertData().AsSpan().SequenceEqual(_certificate));

    public const string User = "monitor";
    public const string Password = "s3cret-for-tests";

    public int Port { get; }

    public string Directory { get; }

    private string MailDirectory => System.IO.Directory.Exists(Path.Combine(Directory, "mail")) ? Path.Combine(Directory, "mail") : Directory;

    /// <summary>The raw MIME text of each accepted message, in order.</summary>
    public IReadOnlyList<string> Messages => System.IO.Directory.GetFiles(MailDirectory, "*.eml")
        .OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f), System.Globalization.CultureInfo.InvariantCulture))
        .Select(File.ReadAllText)
        .ToList();

    /// <summary>Each accepted message's envelope: sender, recipients, whether the session was TLS, the authenticated user.</summary>
    public IReadOnlyList<JsonElement> Envelopes => System.IO.Directory.GetFiles(MailDirectory, "*.json")
        .OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f), System.Globalization.CultureInfo.InvariantCulture))
        .Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement.Clone())
        .ToList();

    public static async Task<SmtpTestServer> StartAsync()
    {
        var (root, script) = FindScript();
        var directory = Path.Combine(Path.GetTempPath(), "cm-smtp-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=smtp.test.local", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(TimeProvider.System.GetUtcNow().AddDays(-1), TimeProvider.System.GetUtcNow().AddDays(1));
        var keyFile = Path.Combine(directory, "key.pem");
        var certFile = Path.Combine(directory, "cert.pem");
        await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(certFile, certificate.ExportCertificatePem());
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { script, "--dir", Path.Combine(directory, "mail"), "--user", User, "--pass", Password, "--key", keyFile, "--cert", certFile })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
        if (line is null)
        {
            throw new InvalidOperationException("The SMTP test server did not start: " + await process.StandardError.ReadToEndAsync());
        }

        using var ready = JsonDocument.Parse(line);
        return new SmtpTestServer(process, ready.RootElement.GetProperty("port").GetInt32(), directory, certificate.RawData);
    }

    private static (string Root, string Script) FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var script = Path.Combine(dir.FullName, "tests", "tools", "smtp-server.mjs");
            if (File.Exists(script) && System.IO.Directory.Exists(Path.Combine(dir.FullName, "node_modules", "smtp-server")))
            {
                return (dir.FullName, script);
            }
        }

        throw new InvalidOperationException("smtp-server is not installed: run 'npm ci' at the repository root (scripts/test.sh does this for you).");
    }

    public ValueTask DisposeAsync()
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
        }

        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }
}
