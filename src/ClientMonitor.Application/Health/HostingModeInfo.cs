namespace ClientMonitor.Application.Health;

/// <summary>Who delivers the triggers: the Azure Functions host, or this process itself.</summary>
public enum HostingMode
{
    /// <summary>Started by the Functions host: listen on <c>FUNCTIONS_CUSTOMHANDLER_PORT</c> and serve its invocations.</summary>
    Functions,

    /// <summary>No host: run the timers and queue listeners of the function.json files in-process.</summary>
    Standalone,
}

/// <summary>The mode this process runs in, for health and status reports.</summary>
public sealed record HostingModeInfo(HostingMode Mode);
