namespace ClientMonitor.Application;

public static class HostStarted
{
    /// <summary>
    /// Completes when the host has started (every hosted service's start has returned), or when
    /// <paramref name="stoppingToken"/> is cancelled first. Background work that can wait (creating storage, starting
    /// the local Durable engine) awaits it, so that it does not compete with the host's own start for the CPU.
    /// </summary>
    public static async Task WhenStartedAsync(this IHostApplicationLifetime lifetime, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(lifetime);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // A token already cancelled runs its callback at once.
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        using var onStopping = stoppingToken.Register(() => started.TrySetResult());
        await started.Task.ConfigureAwait(false);
    }
}
