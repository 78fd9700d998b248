using Azure.Core;

namespace ClientMonitor.Infrastructure.Storage;

/// <summary>
/// Options of the Table and Queue clients. Retries come from <see cref="ClientOptions.Retry"/> (Azure.Core's
/// exponential policy: 3 retries by default on 408, 429, 500, 502, 503, 504 and transport failures); no other
/// layer retries storage calls.
/// </summary>
public sealed class StorageClientOptions : ClientOptions
{
    /// <summary>The clock used for request dates. Defaults to <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
