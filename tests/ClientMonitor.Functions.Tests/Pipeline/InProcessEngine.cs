using System.Net;
using System.Net.Sockets;
using Microsoft.DurableTask.Testing;
using Microsoft.DurableTask;

namespace ClientMonitor.Functions.Tests.Pipeline;

/// <summary>
/// The in-process Durable engine on a port the system reports free. Left to itself it picks a random port between
/// 30000 and 40000, inside Linux's ephemeral range, and now and then collides with another test's connection.
/// </summary>
internal static class InProcessEngine
{
    public static Task<DurableTaskTestHost> StartAsync(Action<DurableTaskRegistry> registry)
        => DurableTaskTestHost.StartAsync(registry, new DurableTaskTestHostOptions { Port = FreePort() });

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
