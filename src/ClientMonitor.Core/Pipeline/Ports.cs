using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Preferences;
using ClientMonitor.Core.Tenancy;

namespace ClientMonitor.Core.Pipeline;

/// <summary>Businesses and their users. Every read is scoped by business id.</summary>
public interface ITenantStore
{
    Task<Business?> GetBusinessAsync(string businessId, CancellationToken cancellationToken);

    /// <summary>Every business (the digest pass visits each).</summary>
    Task<IReadOnlyList<Business>> ListBusinessesAsync(CancellationToken cancellationToken);

    Task UpsertBusinessAsync(Business business, CancellationToken cancellationToken);

    Task<User?> GetUserAsync(string businessId, string userId, CancellationToken cancellationToken);

    Task<IReadOnlyList<User>> ListUsersAsync(string businessId, CancellationToken cancellationToken);

    Task UpsertUserAsync(User user, CancellationToken cancellationToken);
}

/// <summary>Users of a business with ETags (the admin API); the plain reads above serve the pipeline.</summary>
public interface IUserStore : IVersionedStore<User>;

public interface IClientStore : IVersionedStore<Client>
{
    Task<Client?> GetAsync(string businessId, string clientId, CancellationToken cancellationToken);

    Task<IReadOnlyList<Client>> ListAsync(string businessId, CancellationToken cancellationToken);

    Task UpsertAsync(Client client, CancellationToken cancellationToken);
}

/// <summary>One row per user: the versioned methods take the user id as the row id.</summary>
public interface IPreferenceStore : IVersionedStore<UserPreferences>
{
    Task<UserPreferences?> GetAsync(string businessId, string userId, CancellationToken cancellationToken);

    Task<IReadOnlyList<UserPreferences>> ListAsync(string businessId, CancellationToken cancellationToken);

    Task UpsertAsync(UserPreferences preferences, CancellationToken cancellationToken);
}

public interface IRawDataStore
{
    /// <summary>Saves the record unless one with its id exists; returns what is stored (the existing row if any).</summary>
    Task<RawDataRecord> AddIfAbsentAsync(RawDataRecord record, CancellationToken cancellationToken);

    Task MarkProcessedAsync(RawDataRecord record, string? eventId, DateTimeOffset processedAt, CancellationToken cancellationToken);

    Task<IReadOnlyList<RawDataRecord>> ListAsync(string businessId, string clientId, CancellationToken cancellationToken);
}

/// <summary>Filters for listing events; all optional. Dates bound <c>CreatedAt</c>, inclusive start, exclusive end.</summary>
public sealed record EventQuery(string? ClientId, EventCategory? Category, double? MinRelevance, DateTimeOffset? From, DateTimeOffset? To, int Skip, int Limit);

public interface IEventStore
{
    /// <summary>Writes the event under its id (a repeat writes the same row).</summary>
    Task UpsertAsync(MonitoringEvent monitoringEvent, CancellationToken cancellationToken);

    Task<MonitoringEvent?> GetAsync(string businessId, string eventId, CancellationToken cancellationToken);

    /// <summary>Newest first, with the total count of matches before paging.</summary>
    Task<(IReadOnlyList<MonitoringEvent> Items, int Total)> QueryAsync(string businessId, EventQuery query, CancellationToken cancellationToken);
}

public interface INotificationStore
{
    /// <summary>Inserts the notification unless its id exists; true when it was new.</summary>
    Task<bool> AddIfAbsentAsync(Notification notification, CancellationToken cancellationToken);

    Task<(IReadOnlyList<Notification> Items, int Total)> ListAsync(string businessId, string userId, bool unreadOnly, int skip, int limit, CancellationToken cancellationToken);

    /// <summary>Marks one notification read; false when the user has no notification with that id.</summary>
    Task<bool> MarkReadAsync(string businessId, string userId, string notificationId, DateTimeOffset at, CancellationToken cancellationToken);
}

public interface IJobRunStore
{
    /// <summary>Writes the client runs (pending) and then the job run.</summary>
    Task CreateAsync(JobRun jobRun, IReadOnlyList<ClientRun> clientRuns, CancellationToken cancellationToken);

    Task<JobRun?> GetAsync(string businessId, string jobRunId, CancellationToken cancellationToken);

    /// <summary>Newest first.</summary>
    Task<IReadOnlyList<JobRun>> ListRecentAsync(string businessId, int limit, CancellationToken cancellationToken);

    /// <summary>Every run started at or after <paramref name="from"/>, newest first (a range read: older runs are not touched).</summary>
    Task<IReadOnlyList<JobRun>> ListSinceAsync(string businessId, DateTimeOffset from, CancellationToken cancellationToken);

    /// <summary>
    /// Read-modify-write with an ETag check, retried on conflict: <paramref name="change"/> gets the current row and
    /// returns the new one, or null to leave it. Returns the stored row afterwards.
    /// </summary>
    Task<JobRun> UpdateAsync(string businessId, string jobRunId, Func<JobRun, JobRun?> change, CancellationToken cancellationToken);

    Task<ClientRun?> GetClientRunAsync(string jobRunId, string clientId, CancellationToken cancellationToken);

    Task<IReadOnlyList<ClientRun>> ListClientRunsAsync(string jobRunId, CancellationToken cancellationToken);

    Task SaveClientRunAsync(ClientRun clientRun, CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="finished"/> only if the stored client run is still pending (ETag-checked), and returns
    /// the stored one: of two attempts that finish the same client, the first to write wins and the other learns it.
    /// </summary>
    Task<ClientRun> FinishClientRunAsync(ClientRun finished, CancellationToken cancellationToken);
}
