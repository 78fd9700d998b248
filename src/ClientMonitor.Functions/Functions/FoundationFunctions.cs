using ClientMonitor.Core.Operations;
using ClientMonitor.Functions.Invocations;

namespace ClientMonitor.Functions.Functions;

/// <summary>
/// A timer function whose whole job, for now, is to leave a heartbeat in the activity log so that operators and
/// the health check can see that the schedule runs. The scheduling, digest and report features replace these.
/// </summary>
public sealed class HeartbeatTimerFunction(string name, IFunctionActivityLog activity, TimeProvider time) : ITimerFunction
{
    public string Name { get; } = name;

    public Task RunAsync(TimerInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        return activity.RecordAsync(new FunctionActivity(Name, TriggerKind.Timer, invocation.OccurrenceId, time.GetUtcNow(), 0, null), cancellationToken);
    }
}

/// <summary>
/// A queue function that, for now, records every message it receives in the activity log, so a message is seen to
/// arrive and nothing is dropped. The notification feature replaces it.
/// </summary>
public sealed class RecordingQueueFunction(string name, IFunctionActivityLog activity, TimeProvider time) : IQueueFunction
{
    public string Name { get; } = name;

    public Task RunAsync(QueueInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        return activity.RecordAsync(
            new FunctionActivity(Name, TriggerKind.Queue, invocation.MessageId, time.GetUtcNow(), invocation.DequeueCount, invocation.MessageText),
            cancellationToken);
    }
}

public static class FoundationFunctionsSetup
{
    public static IServiceCollection AddFoundationFunctions(this IServiceCollection services)
    {
        foreach (var name in new[] { "DigestTick", "ReportTick" })
        {
            services.AddSingleton<ITimerFunction>(sp => new HeartbeatTimerFunction(name, sp.GetRequiredService<IFunctionActivityLog>(), sp.GetRequiredService<TimeProvider>()));
        }

        foreach (var name in new[] { "DeliverNotification" })
        {
            services.AddSingleton<IQueueFunction>(sp => new RecordingQueueFunction(name, sp.GetRequiredService<IFunctionActivityLog>(), sp.GetRequiredService<TimeProvider>()));
        }

        return services;
    }
}
