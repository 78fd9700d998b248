namespace ClientMonitor.Application.Triggers;

/// <summary>A queue message handed to a function, already decoded from the host's or the listener's form.</summary>
public sealed record QueueInvocation(string FunctionName, string MessageText, string MessageId, long DequeueCount, DateTimeOffset? InsertionTime);

/// <summary>A timer firing. <c>ScheduledFor</c> is the occurrence being run; <c>IsPastDue</c> says it runs late.</summary>
public sealed record TimerInvocation(string FunctionName, DateTimeOffset ScheduledFor, bool IsPastDue)
{
    /// <summary>The occurrence as an id for the activity log: <c>yyyyMMddTHHmmssZ</c> in UTC.</summary>
    public string OccurrenceId => ScheduledFor.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A function started by a queue message. Throwing makes the message retry and, after the limit, go to poison.</summary>
public interface IQueueFunction
{
    string Name { get; }

    Task RunAsync(QueueInvocation invocation, CancellationToken cancellationToken);
}

/// <summary>A function started by its timer schedule. Runs must be idempotent: the host may run a past-due occurrence.</summary>
public interface ITimerFunction
{
    string Name { get; }

    Task RunAsync(TimerInvocation invocation, CancellationToken cancellationToken);
}

/// <summary>A message that can never be processed, whatever the number of tries (malformed, unknown version).</summary>
public sealed class InvalidMessageException(string message) : Exception(message);
