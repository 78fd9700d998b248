using ClientMonitor.Core.Operations;
using ClientMonitor.Functions.Invocations;

namespace ClientMonitor.Functions.Functions;

/// <summary>
/// A timer function whose whole job, for now, is to leave a heartbeat in the activity log so that operators and
/// the health check can see that the schedule runs. The report feature replaces it.
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

public static class FoundationFunctionsSetup
{
    public static IServiceCollection AddFoundationFunctions(this IServiceCollection services)
    {
        foreach (var name in new[] { "ReportTick" })
        {
            services.AddSingleton<ITimerFunction>(sp => new HeartbeatTimerFunction(name, sp.GetRequiredService<IFunctionActivityLog>(), sp.GetRequiredService<TimeProvider>()));
        }

        return services;
    }
}
