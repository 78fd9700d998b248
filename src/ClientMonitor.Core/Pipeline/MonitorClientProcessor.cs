using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Preferences;
using ClientMonitor.Core.Providers;
using ClientMonitor.Core.Tenancy;

namespace ClientMonitor.Core.Pipeline;

/// <summary>Tunables of one client run; the defaults are the seed's.</summary>
public sealed class PipelineOptions
{
    /// <summary>At most this many events per client per run, most relevant first (seed: 5).</summary>
    public int MaxEventsPerClient { get; set; } = 5;

    /// <summary>Events at or above this relevance get insights (seed: 0.7).</summary>
    public double InsightThreshold { get; set; } = 0.7;

    public int MaxResultsPerSource { get; set; } = 10;

    /// <summary>How many items are classified at once (LLM calls in flight per client).</summary>
    public int ClassificationParallelism { get; set; } = 4;
}

/// <summary>The storage a client run reads and writes.</summary>
public sealed record PipelineStores(
    ITenantStore Tenants,
    IClientStore Clients,
    IPreferenceStore Preferences,
    IRawDataStore RawData,
    IEventStore Events,
    INotificationStore Notifications,
    IEmailLogStore EmailLogs,
    IJobRunStore JobRuns,
    Notifications.INotificationOutbox Queue);

/// <summary>A message that can never succeed (its job run or client run does not exist); retrying will not help.</summary>
public sealed class UnprocessableMessageException(string message) : Exception(message);

/// <summary>
/// Runs one client of a job run: search all sources in parallel → deduplicate → save raw data → CRM enrichment →
/// classify new items → at most N events, most relevant first → insights for relevant events → in-app
/// notifications and instant emails. Every row written has an id derived from its natural key, so an activity that
/// runs again writes nothing new; a client run already finished is not run again.
/// </summary>
public sealed class MonitorClientProcessor(
    PipelineStores stores, IProviderCatalog catalog, PipelineOptions options, TimeProvider timeProvider, InstantEmailGate? instantEmails = null,
    Operations.IMonitoringTelemetry? telemetry = null)
{
    /// <summary>
    /// Runs one client of a job run for an orchestration, which retries a failure and sums what each client returns
    /// (no counters here). The finished client run is stored; a client run that is already finished is returned as
    /// stored, so an activity that runs twice gives the same answer twice. A failure is thrown for the caller's
    /// retry policy; after its last attempt the caller records it with <see cref="RecordFailedAsync"/>.
    /// </summary>
    public async Task<ClientOutcome> RunClientAsync(string businessId, string jobRunId, string clientId, CancellationToken cancellationToken)
    {
        var scope = await ScopeAsync(businessId, jobRunId, cancellationToken).ConfigureAwait(false);
        var (clientRun, etag) = await ClientRunAsync(jobRunId, clientId, cancellationToken).ConfigureAwait(false);
        if (!clientRun.IsFinished)
        {
            var executed = await ExecuteAsync(scope, clientRun with { Attempts = clientRun.Attempts + 1 }, cancellationToken).ConfigureAwait(false);
            clientRun = await stores.JobRuns.FinishClientRunAsync(executed, etag, cancellationToken).ConfigureAwait(false);
        }

        return ClientOutcome.Of(clientRun);
    }

    /// <summary>Records a client that failed every attempt (unless it finished meanwhile) and returns what it came to.</summary>
    public async Task<ClientOutcome> RecordFailedAsync(string businessId, string jobRunId, string clientId, string error, int attempts, CancellationToken cancellationToken)
    {
        var (clientRun, etag) = await ClientRunAsync(jobRunId, clientId, cancellationToken).ConfigureAwait(false);
        if (!clientRun.IsFinished)
        {
            var failed = clientRun with { Status = ClientRunStatus.Failed, Error = error, Attempts = attempts, CompletedAt = timeProvider.GetUtcNow() };
            clientRun = await stores.JobRuns.FinishClientRunAsync(failed, etag, cancellationToken).ConfigureAwait(false);
            (telemetry ?? Operations.NoTelemetry.Instance).ClientProcessed(clientRun, [], 0);
        }

        return ClientOutcome.Of(clientRun);
    }

    private async Task<(ClientRun Run, string ETag)> ClientRunAsync(string jobRunId, string clientId, CancellationToken cancellationToken)
        => await stores.JobRuns.GetClientRunVersionedAsync(jobRunId, clientId, cancellationToken).ConfigureAwait(false) is { } read
            ? (read.Value, read.ETag)
            : throw new UnprocessableMessageException($"Client {clientId} is not part of job run {jobRunId}.");

    /// <summary>The client pipeline for one client run: returns the run finished (completed, or failed for a missing client or when every source failed).</summary>
    private async Task<ClientRun> ExecuteAsync(RunScope scope, ClientRun clientRun, CancellationToken cancellationToken)
    {
        var jobRun = scope.JobRun;
        clientRun = clientRun with { StartedAt = clientRun.StartedAt ?? timeProvider.GetUtcNow() };
        List<EventCategory> categories = [];
        var client = await stores.Clients.GetAsync(jobRun.BusinessId, clientRun.ClientId, cancellationToken).ConfigureAwait(false);
        var finished = client is null
            ? clientRun with { Status = ClientRunStatus.Failed, Error = "The client no longer exists.", CompletedAt = timeProvider.GetUtcNow() }
            : await RunAsync(scope, clientRun, client, categories, cancellationToken).ConfigureAwait(false);
        (telemetry ?? Operations.NoTelemetry.Instance).ClientProcessed(finished, categories, finished.Counts.InsightsGenerated);
        return finished;
    }

    // categories receives the category of each event created, for telemetry.
    private async Task<ClientRun> RunAsync(RunScope scope, ClientRun clientRun, Client client, List<EventCategory> categories, CancellationToken cancellationToken)
    {
        var jobRun = scope.JobRun;
        var providers = catalog.Resolve(jobRun.UsedMockProviders);
        var failedSources = new List<string>();
        var calls = new System.Collections.Concurrent.ConcurrentQueue<ProviderCall>();

        // 1. Search every source at once; a failing source is recorded and the others carry on.
        var request = new SearchRequest(client, DateOnly.FromDateTime(jobRun.StartedAt.UtcDateTime), options.MaxResultsPerSource);
        var outcomes = await Task.WhenAll(providers.Search.Select(p => TimedAsync(calls, p.Name, "search", () => SearchAsync(p, request, cancellationToken), o => o.Error is null))).ConfigureAwait(false);
        failedSources.AddRange(outcomes.Where(o => o.Error is not null).Select(o => o.Error!));
        var sourcesUsed = outcomes.Where(o => o.Error is null).Select(o => o.Source).ToList();
        if (sourcesUsed.Count == 0 && providers.Search.Count > 0)
        {
            return clientRun with
            {
                Status = ClientRunStatus.Failed,
                FailedSources = failedSources,
                Error = "Every search source failed.",
                CompletedAt = timeProvider.GetUtcNow(),
                ProviderCalls = [.. calls],
            };
        }

        // 2. Deduplicate across sources; 3. which items were seen before (one read for the client's items).
        var items = Deduplication.Distinct(outcomes.SelectMany(o => o.Items));
        var now = timeProvider.GetUtcNow();
        var (pending, resumed) = await SortOutAsync(client, jobRun, items, now, cancellationToken).ConfigureAwait(false);

        var counts = RunCounts.Zero with { ItemsFound = items.Count, NewItems = pending.Count + resumed.Count };
        if (jobRun.JobType == JobType.SearchOnly)
        {
            await stores.RawData.SaveAsync(pending.Where(p => !p.WasStored).Select(p => (p.Raw, false)).ToList(), cancellationToken).ConfigureAwait(false);
            return Finish(clientRun, counts, sourcesUsed, failedSources, null, calls);
        }

        // 4. CRM enrichment from the first CRM that knows the client.
        CrmContext? crm = null;
        var crmProvider = providers.Crm.FirstOrDefault(c => c.CanEnrich(client));
        if (crmProvider is not null)
        {
            var started = timeProvider.GetTimestamp();
            try
            {
                crm = await crmProvider.EnrichAsync(client, cancellationToken).ConfigureAwait(false);
                calls.Enqueue(new ProviderCall(crmProvider.Name, "crm", true, timeProvider.GetElapsedTime(started).TotalMilliseconds));
            }
            catch (ProviderException ex)
            {
                calls.Enqueue(new ProviderCall(crmProvider.Name, "crm", false, timeProvider.GetElapsedTime(started).TotalMilliseconds));
                failedSources.Add($"{crmProvider.Name}: {ex.Kind}: {ex.Message}");
            }
        }

        // 5. Classify new items; 6. keep the most relevant as events.
        var classified = await ClassifyAsync(providers.Classifier, pending.Select(p => (p.Item, p.Raw)).ToList(), client, now, calls, cancellationToken).ConfigureAwait(false);
        var chosen = classified
            .OrderByDescending(c => c.Classification.Relevance)
            .ThenByDescending(c => c.Item.PublishedAt)
            .ThenBy(c => c.Raw.Id, StringComparer.Ordinal)
            .Take(Math.Max(0, options.MaxEventsPerClient - resumed.Count))
            .ToList();

        // Every item in its final state, before the events: processed, into its event if chosen. An item whose event
        // an earlier attempt did not get to write keeps the time it was first processed, so its event's list rows
        // are the same rows whenever it is written. Items another run stored meanwhile are that run's to turn into events.
        var wasStored = pending.Where(p => p.WasStored).Select(p => p.Raw.Id).ToHashSet(StringComparer.Ordinal);
        var chosenIds = chosen.Select(c => c.Raw.Id).ToHashSet(StringComparer.Ordinal);
        var final = classified.Select(c => (Record: c.Raw with
        {
            IsProcessed = true,
            ProcessedIntoEventId = chosenIds.Contains(c.Raw.Id) ? StableId.From("event", c.Raw.Id) : null,
            ProcessedAt = c.Raw.ProcessedAt ?? now,
        }, WasStored: wasStored.Contains(c.Raw.Id))).ToList();
        var taken = (await stores.RawData.SaveAsync(final, cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        chosen.RemoveAll(c => taken.Contains(c.Raw.Id));

        var (_, users, preferences) = scope;
        var events = 0;
        var insights = 0;
        var notifications = 0;
        var emails = 0;

        // Events an earlier attempt of this run already wrote count again, and their recipients are made sure of.
        foreach (var earlier in resumed)
        {
            events++;
            insights += earlier.Insight is null ? 0 : 1;
            categories.Add(earlier.Category);
            var (n, e) = await NotifyAsync(jobRun, client, earlier, true, users, preferences, now, cancellationToken).ConfigureAwait(false);
            notifications += n;
            emails += e;
        }

        foreach (var (item, raw, classification) in chosen)
        {
            var monitoringEvent = new MonitoringEvent(
                StableId.From("event", raw.Id), client.BusinessId, client.Id, jobRun.Id, item.Title, item.Snippet, item.Url, item.Source, item.PublishedAt,
                classification.Category, classification.Relevance, classification.Sentiment, classification.Risk, classification.Classifier, classification.Note, crm, null,
                raw.ProcessedAt ?? now);

            // 8. Insights for the relevant ones (computed before saving so the event is written once).
            if (monitoringEvent.Relevance >= options.InsightThreshold)
            {
                monitoringEvent = monitoringEvent with { Insight = await providers.Insights.GenerateAsync(monitoringEvent, client, crm, cancellationToken).ConfigureAwait(false) };
                insights++;
            }

            await stores.Events.UpsertAsync(monitoringEvent, cancellationToken).ConfigureAwait(false);
            events++;
            categories.Add(monitoringEvent.Category);

            // 7. Recipients by preference; 9. in-app notifications and instant emails.
            var (n, e) = await NotifyAsync(jobRun, client, monitoringEvent, false, users, preferences, now, cancellationToken).ConfigureAwait(false);
            notifications += n;
            emails += e;
        }

        counts = counts with { EventsCreated = events, InsightsGenerated = insights, NotificationsCreated = notifications, EmailsQueued = emails };
        return Finish(clientRun, counts, sourcesUsed, failedSources, crmProvider?.Name, calls);
    }

    /// <summary>What every client of a job run reads alike: the run itself and the business's users and their preferences.</summary>
    private sealed record RunScope(JobRun JobRun, IReadOnlyList<User> Users, IReadOnlyList<UserPreferences> Preferences);

    /// <summary>
    /// The job run and the business's users and preferences: read once per run in this process and kept for
    /// <see cref="ScopeFor"/>, not once per client. What the pipeline takes from the job run (its business, type,
    /// start and providers) never changes; a change to users or preferences made during a run reaches its clients
    /// within that time. A failed read (a job run that does not exist, a storage error) is not kept.
    /// </summary>
    private async Task<RunScope> ScopeAsync(string businessId, string jobRunId, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        foreach (var (key, entry) in _scopes)
        {
            if (entry.Until <= now)
            {
                _scopes.TryRemove(key, out _);
            }
        }

        var cached = _scopes.GetOrAdd((businessId, jobRunId), _ => (now + ScopeFor, LoadAsync()));
        try
        {
            return await cached.Load.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch when (cached.Load.IsFaulted)
        {
            _scopes.TryRemove(new KeyValuePair<(string, string), (DateTimeOffset, Task<RunScope>)>((businessId, jobRunId), cached));
            throw;
        }

        async Task<RunScope> LoadAsync()
        {
            // Not the caller's token: the load is shared by every client of the run that asks meanwhile.
            var jobRun = await stores.JobRuns.GetAsync(businessId, jobRunId, CancellationToken.None).ConfigureAwait(false)
                ?? throw new UnprocessableMessageException($"Job run {jobRunId} does not exist in business {businessId}.");
            var users = await stores.Tenants.ListUsersAsync(businessId, CancellationToken.None).ConfigureAwait(false);
            var preferences = await stores.Preferences.ListAsync(businessId, CancellationToken.None).ConfigureAwait(false);
            return new RunScope(jobRun, users, preferences);
        }
    }

    /// <summary>How long a job run's scope, once read, serves its clients in this process.</summary>
    public static readonly TimeSpan ScopeFor = TimeSpan.FromMinutes(2);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string BusinessId, string JobRunId), (DateTimeOffset Until, Task<RunScope> Load)> _scopes = new();

    /// <summary>
    /// Sorts the client's items by what is stored: new items, and items stored but not processed (a search-only
    /// run's), are pending; a processed item whose event this run already wrote (an earlier attempt) is resumed; a
    /// processed item whose event does not exist (an attempt that failed between the two writes) is pending again,
    /// keeping its first processing time; anything else was handled by an earlier run. Two reads for the client.
    /// </summary>
    private async Task<(List<(SearchItem Item, RawDataRecord Raw, bool WasStored)> Pending, List<MonitoringEvent> Resumed)> SortOutAsync(
        Client client, JobRun jobRun, IReadOnlyList<SearchItem> items, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var candidates = items.Select(item =>
        {
            var hash = Deduplication.ContentHash(item);
            return (Item: item, Raw: new RawDataRecord(StableId.From("raw", client.BusinessId, client.Id, hash), client.BusinessId, client.Id, item.Source, item.RawJson, hash, false, null, now, null));
        }).ToList();
        var stored = candidates.Count == 0
            ? new Dictionary<string, RawDataRecord>()
            : await stores.RawData.FindAsync(client.BusinessId, client.Id, candidates.Select(c => c.Raw.Id).ToList(), cancellationToken).ConfigureAwait(false);
        var eventIds = stored.Values.Where(r => r.IsProcessed && r.ProcessedIntoEventId is not null).Select(r => r.ProcessedIntoEventId!).ToList();
        var events = eventIds.Count == 0
            ? new Dictionary<string, MonitoringEvent>()
            : await stores.Events.FindAsync(client.BusinessId, eventIds, cancellationToken).ConfigureAwait(false);

        var pending = new List<(SearchItem Item, RawDataRecord Raw, bool WasStored)>();
        var resumed = new List<MonitoringEvent>();
        foreach (var (item, raw) in candidates)
        {
            if (!stored.TryGetValue(raw.Id, out var found))
            {
                pending.Add((item, raw, false));
            }
            else if (!found.IsProcessed)
            {
                pending.Add((item, found, true));
            }
            else if (found.ProcessedIntoEventId is { } eventId)
            {
                if (!events.TryGetValue(eventId, out var earlier))
                {
                    pending.Add((item, found with { IsProcessed = false, ProcessedIntoEventId = null }, true));
                }
                else if (earlier.JobRunId == jobRun.Id)
                {
                    resumed.Add(earlier);
                }
            }
        }

        return (pending, resumed);
    }

    /// <summary>Runs one provider call and records its name, kind, outcome and duration.</summary>
    private async Task<T> TimedAsync<T>(System.Collections.Concurrent.ConcurrentQueue<ProviderCall> calls, string provider, string kind, Func<Task<T>> call, Func<T, bool> succeeded)
    {
        var started = timeProvider.GetTimestamp();
        var result = await call().ConfigureAwait(false);
        calls.Enqueue(new ProviderCall(provider, kind, succeeded(result), timeProvider.GetElapsedTime(started).TotalMilliseconds));
        return result;
    }

    private ClientRun Finish(ClientRun clientRun, RunCounts counts, List<string> sourcesUsed, List<string> failedSources, string? crmProvider, IEnumerable<ProviderCall> calls) => clientRun with
    {
        ProviderCalls = [.. calls],
        Status = ClientRunStatus.Completed,
        Counts = counts,
        SourcesUsed = sourcesUsed,
        FailedSources = failedSources,
        CrmProvider = crmProvider,
        CompletedAt = timeProvider.GetUtcNow(),
    };

    private async Task<(int Notifications, int Emails)> NotifyAsync(
        JobRun jobRun, Client client, MonitoringEvent monitoringEvent, bool writtenBefore, IReadOnlyList<User> users, IReadOnlyList<UserPreferences> preferences, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var notifications = 0;
        var emails = 0;
        foreach (var user in users)
        {
            var userPreferences = preferences.FirstOrDefault(p => p.UserId == user.Id) ?? UserPreferences.Default(user.BusinessId, user.Id, now);
            var decision = NotificationRules.Decide(userPreferences, client, monitoringEvent);
            if (decision is null)
            {
                continue;
            }

            if (decision.InApp)
            {
                var notification = new Notification(
                    StableId.From("notification", monitoringEvent.Id, user.Id), user.BusinessId, user.Id, monitoringEvent.Id, client.Id,
                    monitoringEvent.Title, monitoringEvent.Category, monitoringEvent.Relevance, false, now, null);
                // Counted whether added now or by an earlier attempt of this run: the totals are what exists.
                await stores.Notifications.AddIfAbsentAsync(notification, cancellationToken).ConfigureAwait(false);
                notifications++;
            }

            // Daily and weekly users get the event in their digest instead.
            if (decision.Email && decision.Frequency == NotificationFrequency.Instant)
            {
                var emailId = StableId.From("email", EmailTypes.EventNotification, monitoringEvent.Id, user.Id);
                // Only an event an earlier attempt wrote can have its email already (the email follows the event).
                if (instantEmails is not null && !await instantEmails.AllowAsync(user.BusinessId, user.Id, emailId, writtenBefore, now, cancellationToken).ConfigureAwait(false))
                {
                    continue; // past the user's hourly budget: the next digest pass sends a catch-up digest instead
                }

                var log = new EmailLog(
                    emailId, user.BusinessId, user.Id, monitoringEvent.Id, jobRun.Id, EmailTypes.EventNotification, user.Email,
                    Subject(client, monitoringEvent), Preview(monitoringEvent.Summary), EmailStatus.Pending, now);
                await stores.EmailLogs.AddPendingIfAbsentAsync(log, cancellationToken).ConfigureAwait(false);
                emails++;

                // Queued even when the log existed: a crash may have come between the two. The sender sends each
                // email id once, so a second message is harmless, and a lost one would not be.
                await stores.Queue.EnqueueAsync(new EmailRequest(emailId, EmailTypes.EventNotification, user.BusinessId, user.Id, monitoringEvent.Id, jobRun.Id), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            }
        }

        return (notifications, emails);
    }

    private static string Subject(Client client, MonitoringEvent monitoringEvent)
    {
        var subject = $"[{client.Name}] {monitoringEvent.Title}";
        return subject.Length <= 150 ? subject : subject[..147] + "...";
    }

    private static string? Preview(string? text) => text is { Length: > 200 } ? text[..200] : text;

    private async Task<List<(SearchItem Item, RawDataRecord Raw, Classification Classification)>> ClassifyAsync(
        IEventClassifier classifier, List<(SearchItem Item, RawDataRecord Raw)> pending, Client client, DateTimeOffset now,
        System.Collections.Concurrent.ConcurrentQueue<ProviderCall> calls, CancellationToken cancellationToken)
    {
        var results = new (SearchItem, RawDataRecord, Classification)[pending.Count];
        await Parallel.ForAsync(
            0,
            pending.Count,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.ClassificationParallelism), CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var (item, raw) = pending[i];
                var input = new ClassificationInput(item.Title, item.Snippet, item.Source, item.Publisher, item.PublishedAt, client, now);
                // A classification that fell back to the rule-based classifier counts as a failed call of the LLM.
                results[i] = (item, raw, await TimedAsync(calls, classifier.Name, "ai", () => classifier.ClassifyAsync(input, ct), c => c.Classifier == classifier.Name).ConfigureAwait(false));
            }).ConfigureAwait(false);
        return [.. results];
    }

    private static async Task<(string Source, IReadOnlyList<SearchItem> Items, string? Error)> SearchAsync(ISearchProvider provider, SearchRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return (provider.Name, await provider.SearchAsync(request, cancellationToken).ConfigureAwait(false), null);
        }
        catch (ProviderException ex)
        {
            return (provider.Name, [], $"{provider.Name}: {ex.Kind}: {ex.Message}");
        }
    }
}
