using System.Collections.Concurrent;
using System.Globalization;
using ClientMonitor.Core;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;
using ClientMonitor.Infrastructure.Providers;
using Microsoft.Extensions.Options;

namespace ClientMonitor.Application.Cli;

/// <summary>
/// <c>run --dry-run</c>: one monitoring job through the real pipeline code with the configured providers, reading
/// the business, its clients, users, preferences and already-seen items from storage, while every write (job and
/// client runs, raw data, events, notifications, email logs, queue messages, provider quota counters) goes to
/// memory and is thrown away. It prints what the run would have created and who would have been told.
/// </summary>
internal static class DryRun
{
    public static async Task<int> RunAsync(IServiceProvider services, string businessId, IReadOnlyList<string>? clientIds, TextWriter output, CancellationToken cancellationToken)
    {
        var real = services.GetRequiredService<PipelineStores>();
        var time = services.GetRequiredService<TimeProvider>();
        if (await real.Tenants.GetBusinessAsync(businessId, cancellationToken) is null)
        {
            await output.WriteLineAsync($"No business '{businessId}' in this storage (seed the demo with: seed-demo).");
            return 1;
        }

        var jobRuns = new MemoryJobRuns();
        var queue = new MemoryQueue();
        var stores = real with
        {
            RawData = new OverlayRawData(real.RawData),
            Events = new MemoryEvents(real.Events),
            Notifications = new MemoryNotifications(),
            EmailLogs = new MemoryEmailLogs(),
            JobRuns = jobRuns,
            Queue = queue,
        };

        var options = services.GetRequiredService<IOptions<ProvidersOptions>>().Value;
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var gateway = new ProviderGateway(options.ResilienceFor, new MemoryQuota(services.GetRequiredService<IProviderQuota>()), time);
        using var catalog = new ProviderCatalog(options, http, gateway, new Azure.Identity.DefaultAzureCredential(), time);
        var jobs = new JobRunService(real.Clients, jobRuns, catalog, time);
        var processor = new MonitorClientProcessor(stores, catalog, services.GetRequiredService<IOptions<PipelineOptions>>().Value, time);

        var started = await jobs.CreateAsync(new StartJobRequest(businessId, JobType.ClientMonitoring, clientIds, false, "dry-run"), cancellationToken);
        if (started.JobRun is not { } run)
        {
            await output.WriteLineAsync($"{started.Field}: {started.Error}");
            return 1;
        }

        // What the orchestration does, one client after the other, over the in-memory stores.
        var outcomes = new List<ClientOutcome>();
        foreach (var clientId in started.ClientIds)
        {
            outcomes.Add(await processor.RunClientAsync(businessId, run.Id, clientId, cancellationToken));
        }

        await jobs.FinishAsync(businessId, run.Id, outcomes, null, cancellationToken);

        var finished = (await jobRuns.GetAsync(businessId, run.Id, cancellationToken))!;
        var clientRuns = await jobRuns.ListClientRunsAsync(run.Id, cancellationToken);
        var events = ((MemoryEvents)stores.Events).Created;
        var inv = CultureInfo.InvariantCulture;
        await output.WriteLineAsync(string.Create(inv, $"Dry run for {businessId}: nothing was written or sent."));
        await output.WriteAsync(Demo.DemoData.Summary(finished, clientRuns, events, (await real.Tenants.ListUsersAsync(businessId, cancellationToken)).Count));
        foreach (var c in clientRuns.OrderBy(c => c.ClientName, StringComparer.Ordinal))
        {
            var calls = string.Join(", ", (c.ProviderCalls ?? []).GroupBy(p => p.Provider).Select(g => $"{g.Key} {g.Count(p => p.Succeeded)}/{g.Count()}"));
            await output.WriteLineAsync(string.Create(inv, $"  {c.ClientName}: {c.Status.ToString().ToLowerInvariant()}, {c.Counts.NewItems} new of {c.Counts.ItemsFound} items; calls: {calls}{(c.Error is null ? string.Empty : "; error: " + c.Error)}"));
        }

        foreach (var e in events.OrderByDescending(e => e.Relevance))
        {
            var told = ((MemoryNotifications)stores.Notifications).For(e.Id);
            var emailed = ((MemoryEmailLogs)stores.EmailLogs).For(e.Id);
            await output.WriteLineAsync(string.Create(inv, $"  event {WireJson.Name(e.Category)} {e.Relevance:0.00}: {e.Title}"));
            await output.WriteLineAsync(string.Create(inv, $"    notify: {(told.Count == 0 ? "nobody" : string.Join(", ", told))}; email now: {(emailed.Count == 0 ? "nobody" : string.Join(", ", emailed))}"));
        }

        return 0;
    }

    /// <summary>Sends nothing: the dry run's emails exist only as its in-memory email logs.</summary>
    private sealed class MemoryQueue : INotificationOutbox
    {
        public Task EnqueueAsync(NotificationMessage message, TimeSpan delay, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class MemoryJobRuns : IJobRunStore
    {
        private readonly ConcurrentDictionary<string, JobRun> _runs = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<(string, string), ClientRun> _clientRuns = new();

        public Task CreateAsync(JobRun jobRun, IReadOnlyList<ClientRun> clientRuns, CancellationToken cancellationToken)
        {
            foreach (var c in clientRuns)
            {
                _clientRuns[(c.JobRunId, c.ClientId)] = c;
            }

            _runs[jobRun.Id] = jobRun;
            return Task.CompletedTask;
        }

        public Task<JobRun?> GetAsync(string businessId, string jobRunId, CancellationToken cancellationToken) => Task.FromResult(_runs.GetValueOrDefault(jobRunId));

        public Task<IReadOnlyList<JobRun>> ListRecentAsync(string businessId, int limit, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<JobRun>>([.. _runs.Values.Take(limit)]);

        public Task<IReadOnlyList<JobRun>> ListSinceAsync(string businessId, DateTimeOffset from, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<JobRun>>([.. _runs.Values]);

        public Task<JobRun> UpdateAsync(string businessId, string jobRunId, Func<JobRun, JobRun?> change, CancellationToken cancellationToken)
            => Task.FromResult(_runs.AddOrUpdate(jobRunId, _ => throw new InvalidOperationException("no such run"), (_, current) => change(current) ?? current));

        public Task<ClientRun?> GetClientRunAsync(string jobRunId, string clientId, CancellationToken cancellationToken) => Task.FromResult(_clientRuns.GetValueOrDefault((jobRunId, clientId)));

        public Task<IReadOnlyList<ClientRun>> ListClientRunsAsync(string jobRunId, CancellationToken cancellationToken)
            => Task.FromResult<IReadOnlyList<ClientRun>>([.. _clientRuns.Values.Where(c => c.JobRunId == jobRunId)]);

        public Task SaveClientRunAsync(ClientRun clientRun, CancellationToken cancellationToken)
        {
            _clientRuns[(clientRun.JobRunId, clientRun.ClientId)] = clientRun;
            return Task.CompletedTask;
        }

        public Task<Versioned<ClientRun>?> GetClientRunVersionedAsync(string jobRunId, string clientId, CancellationToken cancellationToken)
            => Task.FromResult(_clientRuns.TryGetValue((jobRunId, clientId), out var run) ? new Versioned<ClientRun>(run, "*") : null);

        public Task<ClientRun> FinishClientRunAsync(ClientRun finished, string? pendingETag, CancellationToken cancellationToken)
            => Task.FromResult(_clientRuns.AddOrUpdate(
                (finished.JobRunId, finished.ClientId),
                finished,
                (_, stored) => stored.Status == ClientRunStatus.Pending ? finished : stored));
    }

    /// <summary>Items seen by earlier real runs count as seen; new ones are kept in memory.</summary>
    private sealed class OverlayRawData(IRawDataStore real) : IRawDataStore
    {
        private readonly ConcurrentDictionary<string, RawDataRecord> _added = new(StringComparer.Ordinal);

        public async Task<IReadOnlyDictionary<string, RawDataRecord>> FindAsync(string businessId, string clientId, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
        {
            var found = (await real.FindAsync(businessId, clientId, ids, cancellationToken)).ToDictionary(StringComparer.Ordinal);
            foreach (var id in ids)
            {
                if (_added.TryGetValue(id, out var added))
                {
                    found[id] = added;
                }
            }

            return found;
        }

        public Task<IReadOnlyList<string>> SaveAsync(IReadOnlyList<(RawDataRecord Record, bool WasStored)> records, CancellationToken cancellationToken)
        {
            foreach (var (record, _) in records)
            {
                _added[record.Id] = record;
            }

            return Task.FromResult<IReadOnlyList<string>>([]);
        }

        public Task<IReadOnlyList<RawDataRecord>> ListAsync(string businessId, string clientId, CancellationToken cancellationToken) => real.ListAsync(businessId, clientId, cancellationToken);
    }

    private sealed class MemoryEvents(IEventStore real) : IEventStore
    {
        private readonly ConcurrentDictionary<string, MonitoringEvent> _events = new(StringComparer.Ordinal);

        public IReadOnlyList<MonitoringEvent> Created => [.. _events.Values];

        public Task UpsertAsync(MonitoringEvent monitoringEvent, CancellationToken cancellationToken)
        {
            _events[monitoringEvent.Id] = monitoringEvent;
            return Task.CompletedTask;
        }

        public async Task<MonitoringEvent?> GetAsync(string businessId, string eventId, CancellationToken cancellationToken)
            => _events.GetValueOrDefault(eventId) ?? await real.GetAsync(businessId, eventId, cancellationToken);

        public async Task<IReadOnlyDictionary<string, MonitoringEvent>> FindAsync(string businessId, IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
        {
            var found = (await real.FindAsync(businessId, eventIds, cancellationToken)).ToDictionary(StringComparer.Ordinal);
            foreach (var id in eventIds)
            {
                if (_events.TryGetValue(id, out var created))
                {
                    found[id] = created;
                }
            }

            return found;
        }

        public Task<ListPage<MonitoringEvent>> QueryAsync(string businessId, EventQuery query, CancellationToken cancellationToken)
            => Task.FromResult(new ListPage<MonitoringEvent>([.. _events.Values], _events.Count, null));
    }

    private sealed class MemoryNotifications : INotificationStore
    {
        private readonly ConcurrentDictionary<string, Notification> _notifications = new(StringComparer.Ordinal);

        public IReadOnlyList<string> For(string eventId) => [.. _notifications.Values.Where(n => n.EventId == eventId).Select(n => n.UserId).Order(StringComparer.Ordinal)];

        public Task<bool> AddIfAbsentAsync(Notification notification, CancellationToken cancellationToken) => Task.FromResult(_notifications.TryAdd(notification.Id, notification));

        public Task<ListPage<Notification>> ListAsync(string businessId, string userId, bool unreadOnly, int skip, int limit, string? cursor, CancellationToken cancellationToken)
            => Task.FromResult(new ListPage<Notification>([], 0, null));

        public Task<bool> MarkReadAsync(string businessId, string userId, string notificationId, DateTimeOffset at, CancellationToken cancellationToken) => Task.FromResult(false);
    }

    private sealed class MemoryEmailLogs : IEmailLogStore
    {
        private readonly ConcurrentDictionary<string, EmailLog> _logs = new(StringComparer.Ordinal);

        public IReadOnlyList<string> For(string eventId) => [.. _logs.Values.Where(l => l.EventId == eventId).Select(l => l.RecipientEmail).Order(StringComparer.Ordinal)];

        public Task<bool> AddPendingIfAbsentAsync(EmailLog log, CancellationToken cancellationToken) => Task.FromResult(_logs.TryAdd(log.Id, log));

        public Task<ListPage<EmailLog>> QueryAsync(string businessId, EmailLogQuery query, CancellationToken cancellationToken)
            => Task.FromResult(new ListPage<EmailLog>([.. _logs.Values], _logs.Count, null));

        public Task<Versioned<EmailLog>?> GetVersionedAsync(string businessId, string id, CancellationToken cancellationToken)
            => Task.FromResult(_logs.TryGetValue(id, out var log) ? new Versioned<EmailLog>(log, "memory") : null);

        public Task<(WriteResult Result, string? ETag)> CreateAsync(EmailLog value, CancellationToken cancellationToken)
            => Task.FromResult(_logs.TryAdd(value.Id, value) ? (WriteResult.Done, (string?)"memory") : (WriteResult.Exists, null));

        public Task<(WriteResult Result, string? ETag)> ReplaceAsync(EmailLog value, string etag, CancellationToken cancellationToken)
        {
            _logs[value.Id] = value;
            return Task.FromResult((WriteResult.Done, (string?)"memory"));
        }

        public Task<WriteResult> DeleteAsync(string businessId, string id, string? etag, CancellationToken cancellationToken)
        {
            _logs.TryRemove(id, out _);
            return Task.FromResult(WriteResult.Done);
        }
    }

    /// <summary>Counts in memory, starting from what storage says is used today, so a dry run respects quotas without spending them.</summary>
    private sealed class MemoryQuota(IProviderQuota stored) : IProviderQuota
    {
        private readonly ConcurrentDictionary<string, int> _extra = new(StringComparer.Ordinal);

        public async Task<bool> TryConsumeAsync(string provider, int dailyLimit, CancellationToken cancellationToken)
        {
            var used = await stored.UsedTodayAsync(provider, cancellationToken).ConfigureAwait(false) + _extra.GetValueOrDefault(provider);
            if (used >= dailyLimit)
            {
                return false;
            }

            _extra.AddOrUpdate(provider, 1, (_, n) => n + 1);
            return true;
        }

        public async Task<int> UsedTodayAsync(string provider, CancellationToken cancellationToken)
            => await stored.UsedTodayAsync(provider, cancellationToken).ConfigureAwait(false) + _extra.GetValueOrDefault(provider);
    }
}
