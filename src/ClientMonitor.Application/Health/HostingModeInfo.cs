namespace ClientMonitor.Application.Health;

/// <summary>Who runs the functions: the Azure Functions host, or the local host where the Functions host is missing.</summary>
public enum HostingMode
{
    /// <summary>The isolated worker under the Functions host (Azure, or <c>func start</c>).</summary>
    Functions,

    /// <summary>ClientMonitor.LocalHost: the same functions, triggered by the local host on the same Durable engine.</summary>
    Local,
}

/// <summary>The mode this process runs in, for health and status reports.</summary>
public sealed record HostingModeInfo(HostingMode Mode);
