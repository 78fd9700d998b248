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

    /// <summary>Every client of the business (a job run's fan-out), in no particular order.</summary>
    Task<IReadOnlyList<Client>> ListAsync(string businessId, CancellationToken cancellationToken);

    /// <summary>
    /// One page of the business's clients by name, case ignored (ties by id); only active or inactive ones when
    /// <paramref name="isActive"/> is set. <paramref name="cursor"/> is a page's <see cref="ListPage{T}.Next"/>.
    /// </summary>
    Task<ListPage<Client>> PageAsync(string businessId, bool? isActive, int skip, int limit, string? cursor, CancellationToken cancellationToken);

    Task UpsertAsync(Client client, CancellationToken cancellationToken);
}

/// <summary>One row per user: the versioned methods take the user id as the row id.</summary>
public interface IPreferenceStore : IVersionedStore<UserPreferences>
{
    Task<UserPreferences?> GetAsync(string businessId, string userId, CancellationToken cancellationToken);

    Task<IReadOnlyList<UserPreferences>> ListAsync(string businessId, CancellationToken cancellationToken);

    Task UpsertAsync(UserPreferences preferences, CancellationToken cancellationToken);
}

/// <summary>
/// Raw items per client. An item is written once, in its final state: processed (with its event, if it became one)
/// before that event is written, so a retried client run finds it and looks for the event instead of starting over.
/// </summary>
public interface IRawDataStore
{
    /// <summary>The stored records among <paramref name="ids"/> (one client's), by id: one read per few ids, not one per item.</summary>
    Task<IReadOnlyDictionary<string, RawDataRecord>> FindAsync(string businessId, string clientId, IReadOnlyCollection<string> ids, CancellationToken cancellationToken);

    /// <summary>
    /// Writes one client's records in a few requests: records that were not stored are inserted, and if another
    /// run stored any of them first nothing is written and their ids are returned (that run has them); records
    /// read from the store are replaced. Returns the ids another run took.
    /// </summary>
    Task<IReadOnlyList<string>> SaveAsync(IReadOnlyList<(RawDataRecord Record, bool WasStored)> records, CancellationToken cancellationToken);

    Task<IReadOnlyList<RawDataRecord>> ListAsync(string businessId, string clientId, CancellationToken cancellationToken);
}

/// <summary>
/// Filters for listing events; all optional. Dates bound <c>CreatedAt</c>, inclusive start, exclusive end.
/// <paramref name="Cursor"/> is a page's <see cref="ListPage{T}.Next"/>: the list goes on after it (and <paramref name="Skip"/> from there).
/// </summary>
public sealed record EventQuery(string? ClientId, EventCategory? Category, double? MinRelevance, DateTimeOffset? From, DateTimeOffset? To, int Skip, int Limit, string? Cursor = null);

/// <summary>
/// One page of a list. <c>Next</c> is an opaque cursor for the rest, null on the last page. <c>Total</c> is the
/// number of matches, known only when the page reached the end without a cursor: counting would read the whole
/// history, which is what a page must not cost.
/// </summary>
public sealed record ListPage<T>(IReadOnlyList<T> Items, int? Total, string? Next);

/// <summary>A cursor that no page of this list gave out (tampered with, or from another list or filter).</summary>
public sealed class InvalidCursorException(string message) : Exception(message);

public interface IEventStore
{
    /// <summary>Writes the event under its id (a repeat writes the same row).</summary>
    Task UpsertAsync(MonitoringEvent monitoringEvent, CancellationToken cancellationToken);

    Task<MonitoringEvent?> GetAsync(string businessId, string eventId, CancellationToken cancellationToken);

    /// <summary>The stored events among <paramref name="eventIds"/>, by id: one read per few ids.</summary>
    Task<IReadOnlyDictionary<string, MonitoringEvent>> FindAsync(string businessId, IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken);

    /// <summary>Newest first (then most relevant); reads about one page of rows, whatever the history's size.</summary>
    Task<ListPage<MonitoringEvent>> QueryAsync(string businessId, EventQuery query, CancellationToken cancellationToken);
}

public interface INotificationStore
{
    /// <summary>Inserts the notification unless its id exists; true when it was new.</summary>
    Task<bool> AddIfAbsentAsync(Notification notification, CancellationToken cancellationToken);

    /// <summary>The user's inbox (or its unread part), newest first; reads about one page of rows. <paramref name="cursor"/>: a page's next.</summary>
    Task<ListPage<Notification>> ListAsync(string businessId, string userId, bool unreadOnly, int skip, int limit, string? cursor, CancellationToken cancellationToken);

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

    /// <summary>The client run with its row's ETag, for <see cref="FinishClientRunAsync"/>.</summary>
    Task<Versioned<ClientRun>?> GetClientRunVersionedAsync(string jobRunId, string clientId, CancellationToken cancellationToken);

    Task<IReadOnlyList<ClientRun>> ListClientRunsAsync(string jobRunId, CancellationToken cancellationToken);

    Task SaveClientRunAsync(ClientRun clientRun, CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="finished"/> only if the stored client run is still pending (ETag-checked), and returns
    /// the stored one: of two attempts that finish the same client, the first to write wins and the other learns it.
    /// <paramref name="pendingETag"/>, the ETag of a read that found it pending, saves a read when nothing changed
    /// since; null reads the row first.
    /// </summary>
    Task<ClientRun> FinishClientRunAsync(ClientRun finished, string? pendingETag, CancellationToken cancellationToken);
}
