using System.Globalization;
using System.Text.Json;

namespace ClientMonitor.Application.Triggers;

/// <summary>
/// The <c>host.json</c> settings that the local host honours the way the Functions host does (and the queue functions read for their last try): the queue trigger's
/// polling, visibility, batch and dequeue limits, and the function timeout. Defaults are the Queues extension's.
/// </summary>
public sealed record HostSettings
{
    /// <summary>Longest idle wait between polls of an empty queue (host default 1 minute).</summary>
    public TimeSpan MaxPollingInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a failed message stays hidden before its next try (host default zero).</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.Zero;

    /// <summary>Messages fetched and run in parallel per queue (host default 16, at most 32).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Tries before a message goes to the poison queue (host default 5).</summary>
    public int MaxDequeueCount { get; init; } = 5;

    /// <summary>Longest a function may run; also how long a received message stays hidden while it runs.</summary>
    public TimeSpan FunctionTimeout { get; init; } = TimeSpan.FromMinutes(30);

    public static HostSettings Load(string hostJsonPath)
    {
        if (!File.Exists(hostJsonPath))
        {
            throw new InvalidOperationException($"host.json was not found at '{hostJsonPath}'.");
        }

        using var document = JsonDocument.Parse(File.ReadAllText(hostJsonPath));
        var root = document.RootElement;
        var settings = new HostSettings();
        if (root.TryGetProperty("functionTimeout", out var timeout))
        {
            settings = settings with { FunctionTimeout = TimeSpan.Parse(timeout.GetString()!, CultureInfo.InvariantCulture) };
        }

        if (root.TryGetProperty("extensions", out var extensions) && extensions.TryGetProperty("queues", out var queues))
        {
            foreach (var property in queues.EnumerateObject())
            {
                settings = property.Name switch
                {
                    "maxPollingInterval" => settings with { MaxPollingInterval = TimeSpan.Parse(property.Value.GetString()!, CultureInfo.InvariantCulture) },
                    "visibilityTimeout" => settings with { VisibilityTimeout = TimeSpan.Parse(property.Value.GetString()!, CultureInfo.InvariantCulture) },
                    "batchSize" => settings with { BatchSize = Math.Clamp(property.Value.GetInt32(), 1, 32) },
                    "maxDequeueCount" => settings with { MaxDequeueCount = Math.Max(1, property.Value.GetInt32()) },
                    _ => settings,
                };
            }
        }

        return settings;
    }
}
