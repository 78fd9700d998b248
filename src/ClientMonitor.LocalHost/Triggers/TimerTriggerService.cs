using ClientMonitor.Application.Triggers;
using Microsoft.Azure.Functions.Worker;
using NCrontab;

namespace ClientMonitor.LocalHost.Triggers;

/// <summary>
/// Runs one timer function on its NCRONTAB schedule from <c>functions.metadata</c> (6 fields, seconds first, UTC),
/// as the Functions host does: a failed run is logged and the next occurrence still runs; the run is limited to
/// the host's function timeout.
/// </summary>
public sealed partial class TimerTriggerService : BackgroundService
{
    // A run that starts later than this after its occurrence is reported as past due, like the host's IsPastDue.
    private static readonly TimeSpan PastDueTolerance = TimeSpan.FromSeconds(5);
    private readonly FunctionInvoker _function;
    private readonly CrontabSchedule _schedule;
    private readonly IServiceScopeFactory _scopes;
    private readonly HostSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger<TimerTriggerService> _logger;

    public TimerTriggerService(FunctionInvoker function, IServiceScopeFactory scopes, HostSettings settings, TimeProvider time, ILogger<TimerTriggerService> logger)
    {
        ArgumentNullException.ThrowIfNull(function);
        _function = function;
        _schedule = ParseSchedule(function.Function);
        _scopes = scopes;
        _settings = settings;
        _time = time;
        _logger = logger;
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>, in UTC.</summary>
    public DateTimeOffset NextOccurrence(DateTimeOffset after)
        => new(DateTime.SpecifyKind(_schedule.GetNextOccurrence(after.UtcDateTime), DateTimeKind.Utc));

    public static CrontabSchedule ParseSchedule(FunctionMetadata function)
    {
        ArgumentNullException.ThrowIfNull(function);
        var schedule = CrontabSchedule.TryParse(function.Trigger.Schedule, new CrontabSchedule.ParseOptions { IncludingSeconds = true });
        return schedule ?? throw new InvalidOperationException(
            $"The schedule '{function.Trigger.Schedule}' of {function.Name} is not a 6-field NCRONTAB expression (second minute hour day month weekday).");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var next = NextOccurrence(_time.GetUtcNow());
        var last = default(DateTime);
        Log.Scheduled(_logger, _function.Function.Name, next);
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
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                timeout.CancelAfter(_settings.FunctionTimeout);
                await using var scope = _scopes.CreateAsyncScope();
                var timer = new TimerInfo
                {
                    IsPastDue = pastDue,
                    ScheduleStatus = new ScheduleStatus { Last = last, Next = NextOccurrence(next).UtcDateTime, LastUpdated = _time.GetUtcNow().UtcDateTime },
                };
                await _function.InvokeAsync(scope.ServiceProvider, timer, timeout.Token);
                last = next.UtcDateTime;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A timer has no retry: the next occurrence is the retry.
                Log.RunFailed(_logger, _function.Function.Name, next, ex);
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
