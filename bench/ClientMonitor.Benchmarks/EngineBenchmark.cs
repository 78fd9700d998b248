using System.Diagnostics;
using ClientMonitor.LocalHost;
using ClientMonitor.Testing;
using DurableTask.AzureStorage;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClientMonitor.Benchmarks;

/// <summary>
/// The engine's own ceiling: no-op activities per second for one orchestration that fans out 1,000 of them, on the
/// local host's Durable engine (<see cref="LocalDurableEngine"/>, Azure Storage provider) over the suite's Azurite,
/// with the engine settings the local host uses.
/// </summary>
internal static class EngineBenchmark
{
    private const string FanOut = nameof(BenchFanOutOrchestrator);

    public static async Task<double> RunAsync(Azurite azurite, int activities, BenchResults results)
    {
        await using var engine = await LocalDurableEngine.StartAsync(new LocalDurableEngineOptions(new StorageAccountClientProvider(azurite.ConnectionString), "benchengine"));
        using var channel = engine.CreateChannel();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDurableTaskWorker(b => b.UseGrpc(channel).AddTasks(tasks =>
        {
            tasks.AddOrchestrator<BenchFanOutOrchestrator>();
            tasks.AddActivity<BenchNoOpActivity>();
        }));
        builder.Services.AddDurableTaskClient(b => b.UseGrpc(channel));
        using var host = builder.Build();
        await host.StartAsync();
        var client = host.Services.GetRequiredService<DurableTaskClient>();

        // Warm-up: a small fan-out, so the measured run does not pay for JIT and the task hub's first leases.
        await RunOnceAsync(client, 10);
        var elapsed = await RunOnceAsync(client, activities);
        await host.StopAsync();

        var perSecond = BenchResults.Round(activities / elapsed.TotalSeconds);
        results.Set("engine_activities_per_s", perSecond);
        results.Set("engine_fan_out", new System.Text.Json.Nodes.JsonObject { ["activities"] = activities, ["seconds"] = BenchResults.Round(elapsed.TotalSeconds) });
        return perSecond;
    }

    private static async Task<TimeSpan> RunOnceAsync(DurableTaskClient client, int activities)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var watch = Stopwatch.StartNew();
        var id = await client.ScheduleNewOrchestrationInstanceAsync(FanOut, activities, timeout.Token);
        var metadata = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
        if (metadata.RuntimeStatus != OrchestrationRuntimeStatus.Completed || metadata.ReadOutputAs<int>() != activities)
        {
            throw new InvalidOperationException($"fan-out {id}: {metadata.RuntimeStatus}");
        }

        return watch.Elapsed;
    }
}

/// <summary>Calls <see cref="BenchNoOpActivity"/> as many times as its input says, all at once; returns how many completed.</summary>
internal sealed class BenchFanOutOrchestrator : TaskOrchestrator<int, int>
{
    public override async Task<int> RunAsync(TaskOrchestrationContext context, int input)
    {
        var done = await Task.WhenAll(Enumerable.Range(0, input).Select(i => context.CallActivityAsync<int>(nameof(BenchNoOpActivity), i)));
        return done.Length;
    }
}

/// <summary>Does nothing: returns its input.</summary>
internal sealed class BenchNoOpActivity : TaskActivity<int, int>
{
    public override Task<int> RunAsync(TaskActivityContext context, int input) => Task.FromResult(input);
}
