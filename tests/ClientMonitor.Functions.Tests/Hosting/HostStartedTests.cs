using ClientMonitor.Application;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClientMonitor.Functions.Tests.Hosting;

/// <summary>The wait that defers storage creation and the local Durable engine's start until the host has started.</summary>
public sealed class HostStartedTests
{
    private static ApplicationLifetime NewLifetime() => new(NullLogger<ApplicationLifetime>.Instance);

    [Fact]
    public async Task WaitsUntilTheHostHasStarted()
    {
        var lifetime = NewLifetime();

        var wait = lifetime.WhenStartedAsync(CancellationToken.None);
        await Task.Yield();
        Assert.False(wait.IsCompleted);

        lifetime.NotifyStarted();
        await wait.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task IsDoneAtOnce_WhenTheHostHasAlreadyStarted()
    {
        var lifetime = NewLifetime();
        lifetime.NotifyStarted();

        await lifetime.WhenStartedAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task EndsWhenTheHostStopsBeforeItStarted()
    {
        using var stopping = new CancellationTokenSource();
        var wait = NewLifetime().WhenStartedAsync(stopping.Token);
        await Task.Yield();
        Assert.False(wait.IsCompleted);

        await stopping.CancelAsync();
        await wait.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
