using ClientMonitor.Functions.Hosting;
using ClientMonitor.Application.Triggers;
using ClientMonitor.Functions.Invocations;
using NCrontab;

namespace ClientMonitor.Functions.Standalone;

/// <summary>
/// Runs one timer function on its function.json NCRONTAB schedule (6 fields, seconds first, UTC) when no Functions
/// host is there to do it. A failed run is logged and the next occurrence still runs, as under the host.
/// </summary>
public sealed partial class TimerTriggerService : BackgroundService
{
    // A run that starts later than this after its occurrence is reported as past due, like the host's IsPastDue.
    private static readonly TimeSpan PastDueTolerance = TimeSpan.FromSeconds(5);
    private readonly FunctionDefinition _function;
    private readonly CrontabSchedule _schedule;
    private readonly FunctionRunner _runner;
    private readonly TimeProvider _time;
    private readonly ILogger<TimerTriggerService> _logger;

    public TimerTriggerService(FunctionDefinition function, FunctionRunner runner, TimeProvider time, ILogger<TimerTriggerService> logger)
    {
        ArgumentNullException.ThrowIfNull(function);
        _function = function;
        _schedule = ParseSchedule(function);
        _runner = runner;
        _time = time;
        _logger = logger;
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>, in UTC.</summary>
    public DateTimeOffset NextOccurrence(DateTimeOffset after)
        => new(DateTime.SpecifyKind(_schedule.GetNextOccurrence(after.UtcDateTime), DateTimeKind.Utc));

    public static CrontabSchedule ParseSchedule(FunctionDefinition function)
    {
        ArgumentNullException.ThrowIfNull(function);
        var schedule = CrontabSchedule.TryParse(function.Schedule, new CrontabSchedule.ParseOptions { IncludingSeconds = true });
        return schedule ?? throw new InvalidOperationException(
            $"The schedule '{function.Schedule}' of {function.Name} is not a 6-field NCRONTAB expression (second minute hour day month weekday).");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var next = NextOccurrence(_time.GetUtcNow());
        Log.Scheduled(_logger, _function.Name, next);
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = next - _time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, _time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            var pastDue = _time.GetUtcNow() - next > PastDueTolerance;
            try
            {
                await _runner.RunTimerAsync(new TimerInvocation(_function.Name, next, pastDue), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Logged by the runner too; a timer has no retry, the next occurrence is the retry.
                Log.RunFailed(_logger, _function.Name, next, ex);
            }

            // Occurrences missed while a run overran are skipped, not run back to back (the host does the same).
            next = NextOccurrence(_time.GetUtcNow() > next ? _time.GetUtcNow() : next);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1201, LogLevel.Information, "Timer {Function} next runs at {Next:o}")]
        public static partial void Scheduled(ILogger logger, string function, DateTimeOffset next);

        [LoggerMessage(1202, LogLevel.Warning, "Timer {Function} run for {Occurrence:o} failed")]
        public static partial void RunFailed(ILogger logger, string function, DateTimeOffset occurrence, Exception exception);
    }
}
