namespace ClientMonitor.Core.Operations;

/// <summary>How a function was started.</summary>
public enum TriggerKind
{
    Http,
    Timer,
    Queue,
}

/// <summary>
/// One invocation of a function as the operations log keeps it: what ran, when, on which message.
/// <c>InvocationId</c> is the queue message id or, for timers, the scheduled occurrence; a redelivered message is a
/// new activity with a higher <c>DequeueCount</c>.
/// </summary>
public sealed record FunctionActivity(
    string FunctionName,
    TriggerKind Trigger,
    string InvocationId,
    DateTimeOffset At,
    long DequeueCount,
    string? Payload);

/// <summary>The log of function invocations that health and operators read ("did the tick run?").</summary>
public interface IFunctionActivityLog
{
    /// <summary>Records an invocation. Recording the same function, time and invocation id again keeps one row.</summary>
    Task RecordAsync(FunctionActivity activity, CancellationToken cancellationToken);

    /// <summary>The most recent invocations of one function, newest first.</summary>
    Task<IReadOnlyList<FunctionActivity>> RecentAsync(string functionName, int max, CancellationToken cancellationToken);
}
