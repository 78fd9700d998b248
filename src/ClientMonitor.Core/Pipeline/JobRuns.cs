namespace ClientMonitor.Core.Pipeline;

/// <summary>Stored and sent as snake_case (<c>client_monitoring</c>); <c>NotificationDigest</c> is run by the digest feature.</summary>
public enum JobType
{
    ClientMonitoring,
    SearchOnly,
    NotificationDigest,
}

public enum JobRunStatus
{
    Running,
    Completed,
    PartiallyFailed,
    Failed,
}

public enum ClientRunStatus
{
    Pending,
    Completed,
    Failed,
}

/// <summary>The counts a client run contributes to its job run.</summary>
public sealed record RunCounts(int ItemsFound, int NewItems, int EventsCreated, int InsightsGenerated, int NotificationsCreated, int EmailsQueued)
{
    public static readonly RunCounts Zero = new(0, 0, 0, 0, 0, 0);

    public RunCounts Add(RunCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(
            ItemsFound + other.ItemsFound,
            NewItems + other.NewItems,
            EventsCreated + other.EventsCreated,
            InsightsGenerated + other.InsightsGenerated,
            NotificationsCreated + other.NotificationsCreated,
            EmailsQueued + other.EmailsQueued);
    }
}

/// <summary>
/// One execution of a job over a set of clients, run by an orchestration whose instance id is the run's id. While
/// <c>Running</c> its counts stay zero (its client runs say how far it got); when the orchestration finishes it, they
/// are the sum of what its clients came to and the status is final: <c>Completed</c> when every client run completed
/// (some sources may have failed: see the client runs), <c>PartiallyFailed</c> when some client runs failed,
/// <c>Failed</c> when all did or the run timed out.
/// </summary>
public sealed record JobRun(
    string Id,
    string BusinessId,
    JobType JobType,
    JobRunStatus Status,
    string Trigger,
    string? ScheduleId,
    IReadOnlyList<string>? RequestedClientIds,
    bool ForceMock,
    bool UsedMockProviders,
    int ClientsTotal,
    int ClientsFinished,
    int ClientsFailed,
    RunCounts Counts,
    DateTimeOffset StartedAt,
    DateTimeOffset? CompletedAt,
    string? Error)
{
    public TimeSpan? Duration => CompletedAt - StartedAt;

    public bool IsFinished => Status != JobRunStatus.Running;

    /// <summary>The error of a run failed at its deadline.</summary>
    public static string TimeoutError(int minutes, int finishedClients, int totalClients)
        => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Timed out after {minutes} minute(s) with {finishedClients} of {totalClients} client run(s) finished.");
}

/// <summary>
/// The part of a job run for one client. <c>FailedSources</c> names each provider that failed and why
/// (<c>news_api: 429 rate limited</c>) while the run went on with the others. <c>Attempts</c> counts the tries of
/// the activity that finished it. <c>ProviderCalls</c> records each provider call with its duration.
/// </summary>
public sealed record ClientRun(
    string JobRunId,
    string BusinessId,
    string ClientId,
    string ClientName,
    ClientRunStatus Status,
    RunCounts Counts,
    IReadOnlyList<string> SourcesUsed,
    IReadOnlyList<string> FailedSources,
    string? CrmProvider,
    string? Error,
    int Attempts,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    IReadOnlyList<ProviderCall>? ProviderCalls = null)
{
    public bool IsFinished => Status != ClientRunStatus.Pending;

    public static ClientRun Pending(string jobRunId, string businessId, string clientId, string clientName) =>
        new(jobRunId, businessId, clientId, clientName, ClientRunStatus.Pending, RunCounts.Zero, [], [], null, null, 0, null, null);
}

/// <summary>What one client of a job run came to: an orchestration's fan-in sums these.</summary>
public sealed record ClientOutcome(string ClientId, ClientRunStatus Status, RunCounts Counts)
{
    public static ClientOutcome Of(ClientRun clientRun)
    {
        ArgumentNullException.ThrowIfNull(clientRun);
        return new(clientRun.ClientId, clientRun.Status, clientRun.Counts);
    }
}

/// <summary>
/// One provider call of a client run, for reports: the provider's name, what it was for (<c>search</c>, <c>crm</c>,
/// <c>ai</c>), whether it succeeded (an LLM answer replaced by the rule-based fallback did not), and how long it took.
/// </summary>
public sealed record ProviderCall(string Provider, string Kind, bool Succeeded, double DurationMs);
