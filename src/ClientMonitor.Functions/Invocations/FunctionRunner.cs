using ClientMonitor.Application.Triggers;
using ClientMonitor.Functions.Hosting;

namespace ClientMonitor.Functions.Invocations;

/// <summary>
/// Runs a function's handler with the host's function timeout and logging. Both entry paths use it: the Functions
/// host's invocation endpoints and the standalone triggers, so a function behaves the same under either.
/// </summary>
public sealed partial class FunctionRunner
{
    private readonly Dictionary<string, IQueueFunction> _queueFunctions;
    private readonly Dictionary<string, ITimerFunction> _timerFunctions;
    private readonly HostSettings _settings;
    private readonly ILogger<FunctionRunner> _logger;

    public FunctionRunner(IEnumerable<IQueueFunction> queueFunctions, IEnumerable<ITimerFunction> timerFunctions, HostSettings settings, ILogger<FunctionRunner> logger)
    {
        _queueFunctions = queueFunctions.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);
        _timerFunctions = timerFunctions.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);
        _settings = settings;
        _logger = logger;
    }

    public IReadOnlyCollection<string> QueueFunctionNames => _queueFunctions.Keys;

    public IReadOnlyCollection<string> TimerFunctionNames => _timerFunctions.Keys;

    public Task RunQueueAsync(QueueInvocation invocation, CancellationToken cancellationToken)
    {
        var handler = _queueFunctions.GetValueOrDefault(invocation.FunctionName)
            ?? throw new InvalidOperationException($"No queue function named '{invocation.FunctionName}' is registered.");
        Log.QueueInvocationStarted(_logger, invocation.FunctionName, invocation.MessageId, invocation.DequeueCount);
        return RunWithTimeoutAsync(invocation.FunctionName, token => handler.RunAsync(invocation, token), cancellationToken);
    }

    public Task RunTimerAsync(TimerInvocation invocation, CancellationToken cancellationToken)
    {
        var handler = _timerFunctions.GetValueOrDefault(invocation.FunctionName)
            ?? throw new InvalidOperationException($"No timer function named '{invocation.FunctionName}' is registered.");
        Log.TimerInvocationStarted(_logger, invocation.FunctionName, invocation.ScheduledFor, invocation.IsPastDue);
        return RunWithTimeoutAsync(invocation.FunctionName, token => handler.RunAsync(invocation, token), cancellationToken);
    }

    private async Task RunWithTimeoutAsync(string functionName, Func<CancellationToken, Task> run, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_settings.FunctionTimeout);
        try
        {
            await run(timeout.Token);
            Log.InvocationSucceeded(_logger, functionName);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.InvocationFailed(_logger, functionName, ex);
            throw;
        }
    }

    /// <summary>
    /// Checks that every non-HTTP function in the catalog has a handler of its trigger kind and every handler has
    /// a function.json; a mismatch would leave a queue unserved or a handler unreachable, so start-up fails.
    /// </summary>
    public void EnsureMatches(FunctionCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var problems = new List<string>();
        foreach (var function in catalog.All)
        {
            var registered = function.Trigger switch
            {
                Core.Operations.TriggerKind.Queue => _queueFunctions.ContainsKey(function.Name),
                Core.Operations.TriggerKind.Timer => _timerFunctions.ContainsKey(function.Name),
                _ => true,
            };
            if (!registered)
            {
                problems.Add($"function.json '{function.Name}' ({function.Trigger}) has no registered handler");
            }
        }

        foreach (var name in _queueFunctions.Keys.Where(n => catalog.Find(n)?.Trigger != Core.Operations.TriggerKind.Queue))
        {
            problems.Add($"queue handler '{name}' has no queue-triggered function.json");
        }

        foreach (var name in _timerFunctions.Keys.Where(n => catalog.Find(n)?.Trigger != Core.Operations.TriggerKind.Timer))
        {
            problems.Add($"timer handler '{name}' has no timer-triggered function.json");
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Functions and handlers disagree: " + string.Join("; ", problems) + ".");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1001, LogLevel.Information, "Running {Function} for message {MessageId} (try {DequeueCount})")]
        public static partial void QueueInvocationStarted(ILogger logger, string function, string messageId, long dequeueCount);

        [LoggerMessage(1002, LogLevel.Information, "Running {Function} for {ScheduledFor:o} (past due: {IsPastDue})")]
        public static partial void TimerInvocationStarted(ILogger logger, string function, DateTimeOffset scheduledFor, bool isPastDue);

        [LoggerMessage(1003, LogLevel.Debug, "{Function} succeeded")]
        public static partial void InvocationSucceeded(ILogger logger, string function);

        [LoggerMessage(1004, LogLevel.Error, "{Function} failed")]
        public static partial void InvocationFailed(ILogger logger, string function, Exception exception);
    }
}
