using System.Collections.Concurrent;
using System.Net;
using ClientMonitor.Core.Providers;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace ClientMonitor.Infrastructure.Providers;

/// <summary>Resilience settings of one provider; the defaults suit public HTTP APIs.</summary>
public sealed class ProviderResilienceOptions
{
    /// <summary>Each attempt is cancelled after this long (default 15 s).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Retries after the first attempt for 408, 429, 5xx, network errors and attempt timeouts (default 3).</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>First backoff delay; it doubles each retry, with jitter (default 1 s).</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between attempts, also the cap on a provider's Retry-After (default 30 s).</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Calls the breaker must see in its window before it may open (default 5).</summary>
    public int BreakerMinimumThroughput { get; set; } = 5;

    /// <summary>Share of failed calls in the window that opens the circuit (default 0.5).</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long an open circuit rejects calls before one trial call (default 60 s).</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Calls allowed per UTC day, or null for no limit (Google Custom Search's free tier: 100).</summary>
    public int? DailyQuota { get; set; }
}

/// <summary>A non-success answer from a provider, before it is mapped to a <see cref="ProviderException"/>.</summary>
public sealed class ProviderHttpException(string provider, HttpStatusCode status, string detail, TimeSpan? retryAfter) : Exception($"{provider} answered {(int)status}: {detail}")
{
    public string Provider { get; } = provider;

    public HttpStatusCode Status { get; } = status;

    public TimeSpan? RetryAfter { get; } = retryAfter;

    public bool IsTransient => Status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)Status >= 500;
}

/// <summary>State of a provider as the health check reports it.</summary>
public sealed record ProviderHealth(string Provider, string Circuit, int? QuotaUsed, int? DailyQuota, DateTimeOffset? LastFailureAt, string? LastFailure);

/// <summary>
/// Runs every provider call through that provider's pipeline: daily quota, then retries (exponential backoff with
/// jitter, honouring Retry-After up to <see cref="ProviderResilienceOptions.MaxDelay"/>), a circuit breaker and a
/// per-attempt timeout. 401/403 are configuration errors: not retried, not counted by the breaker. Every failure
/// leaves as a <see cref="ProviderException"/> whose message is safe to store. <paramref name="circuitChanged"/> hears
/// when a provider's circuit opens (true) or closes again (false); its exceptions never fail the call, so it should
/// log its own.
/// </summary>
public sealed class ProviderGateway(
    Func<string, ProviderResilienceOptions> optionsFor, IProviderQuota quota, TimeProvider timeProvider, Func<string, bool, CancellationToken, Task>? circuitChanged = null)
{
    private readonly ConcurrentDictionary<string, ResiliencePipeline> _pipelines = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ProviderHealth> _health = new(StringComparer.Ordinal);

    public async Task<T> ExecuteAsync<T>(string provider, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var options = optionsFor(provider);
        if (options.DailyQuota is { } limit && !await quota.TryConsumeAsync(provider, limit, cancellationToken).ConfigureAwait(false))
        {
            throw Fail(provider, new ProviderException(provider, ProviderFailureKind.QuotaExhausted, $"daily quota of {limit} calls used up"));
        }

        var pipeline = _pipelines.GetOrAdd(provider, p => Build(p, options));
        try
        {
            return await pipeline.ExecuteAsync(async ct => await call(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (BrokenCircuitException ex)
        {
            throw Fail(provider, new ProviderException(provider, ProviderFailureKind.CircuitOpen, "circuit open after repeated failures; calls are paused", ex));
        }
        catch (TimeoutRejectedException ex)
        {
            throw Fail(provider, new ProviderException(provider, ProviderFailureKind.Timeout, $"no answer within {options.AttemptTimeout.TotalSeconds:0.#} s", ex));
        }
        catch (ProviderHttpException ex)
        {
            var kind = ex.Status switch
            {
                HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => ProviderFailureKind.Configuration,
                HttpStatusCode.TooManyRequests => ProviderFailureKind.RateLimited,
                _ when ex.IsTransient => ProviderFailureKind.Unavailable,
                _ => ProviderFailureKind.InvalidResponse,
            };
            var message = kind == ProviderFailureKind.Configuration
                ? $"{(int)ex.Status}: the credentials were refused; check the provider's key or token settings"
                : ex.Message;
            throw Fail(provider, new ProviderException(provider, kind, message, ex) { RetryAfter = ex.RetryAfter });
        }
        catch (HttpRequestException ex)
        {
            throw Fail(provider, new ProviderException(provider, ProviderFailureKind.Unavailable, "network error: " + ex.Message, ex));
        }
        catch (ProviderException ex)
        {
            throw Fail(provider, ex);
        }
    }

    /// <summary>Circuit state and quota use of every provider called so far.</summary>
    public async Task<IReadOnlyList<ProviderHealth>> SnapshotAsync(CancellationToken cancellationToken)
    {
        var result = new List<ProviderHealth>();
        foreach (var (provider, health) in _health.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var options = optionsFor(provider);
            var used = options.DailyQuota is null ? (int?)null : await quota.UsedTodayAsync(provider, cancellationToken).ConfigureAwait(false);
            result.Add(health with { QuotaUsed = used, DailyQuota = options.DailyQuota });
        }

        return result;
    }

    private ProviderException Fail(string provider, ProviderException ex)
    {
        _health.AddOrUpdate(
            provider,
            p => new ProviderHealth(p, "closed", null, null, timeProvider.GetUtcNow(), ex.Message),
            (_, h) => h with { LastFailureAt = timeProvider.GetUtcNow(), LastFailure = ex.Message });
        return ex;
    }

    private void SetCircuit(string provider, string state)
        => _health.AddOrUpdate(provider, p => new ProviderHealth(p, state, null, null, null, null), (_, h) => h with { Circuit = state });

    private ResiliencePipeline Build(string provider, ProviderResilienceOptions options)
    {
        SetCircuit(provider, "closed");
        var transient = new PredicateBuilder()
            .Handle<ProviderHttpException>(e => e.IsTransient)
            .Handle<HttpRequestException>()
            .Handle<TimeoutRejectedException>();
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider, Name = provider };
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = transient,
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                DelayGenerator = args => ValueTask.FromResult(RetryAfterDelay(args.Outcome.Exception, options.MaxDelay)),
            });
        }

        return builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = transient,
                FailureRatio = options.BreakerFailureRatio,
                MinimumThroughput = Math.Max(2, options.BreakerMinimumThroughput),
                SamplingDuration = options.BreakerSamplingDuration,
                BreakDuration = options.BreakDuration,
                OnOpened = async args => { SetCircuit(provider, "open"); await NotifyAsync(provider, true, args.Context.CancellationToken).ConfigureAwait(false); },
                OnHalfOpened = _ => { SetCircuit(provider, "half_open"); return ValueTask.CompletedTask; },
                OnClosed = async args => { SetCircuit(provider, "closed"); await NotifyAsync(provider, false, args.Context.CancellationToken).ConfigureAwait(false); },
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();
    }

    private async Task NotifyAsync(string provider, bool opened, CancellationToken cancellationToken)
    {
        if (circuitChanged is null)
        {
            return;
        }

        try
        {
            await circuitChanged(provider, opened, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The alert is about the provider; failing to raise it must not fail the provider call as well. The
            // observer logs its own failures (see PipelineSetup).
        }
    }

    /// <summary>The provider's Retry-After, capped; null lets the exponential backoff decide.</summary>
    internal static TimeSpan? RetryAfterDelay(Exception? exception, TimeSpan max)
        => exception is ProviderHttpException { RetryAfter: { } wait } ? (wait > max ? max : wait < TimeSpan.Zero ? TimeSpan.Zero : wait) : null;
}
