using ClientMonitor.Core;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Preferences;
using ClientMonitor.Core.Tenancy;
using Azure.Data.Tables;
using ClientMonitor.Infrastructure.Storage;

namespace ClientMonitor.Infrastructure.Pipeline;

/// <summary>
/// Tables <c>businesses</c> (PK <c>business</c>, RK business id), <c>users</c> (PK business id, RK user id),
/// <c>clients</c> (PK business id, RK client id) and <c>userpreferences</c> (PK business id, RK user id): every
/// read names the business partition, so one tenant's query cannot reach another's rows. Each client also has a
/// list row keyed by its name (<c>~n_</c> + name key + id), written in the same transaction, which the clients
/// list pages through.
/// </summary>
public sealed class TenantTables(TableServiceClient tables) : ITenantStore, IUserStore, IClientStore, IPreferenceStore
{
    public const string BusinessesTable = "businesses";
    public const string UsersTable = "users";
    public const string ClientsTable = "clients";
    public const string PreferencesTable = "userpreferences";
    private const string BusinessPartition = "business";

    private readonly TableClient _businesses = tables.GetTableClient(BusinessesTable);
    private readonly TableClient _users = tables.GetTableClient(UsersTable);
    private readonly TableClient _clients = tables.GetTableClient(ClientsTable);
    private readonly TableClient _preferences = tables.GetTableClient(PreferencesTable);

    private readonly VersionedTable<User, UserEntity> _versionedUsers = new(tables.GetTableClient(UsersTable), UserEntity.From, u => u.ToUser());
    private readonly VersionedTable<Client, ClientEntity> _versionedClients = new(tables.GetTableClient(ClientsTable), ClientEntity.From, c => c.ToClient(), ClientEntity.ListRows, listKeysChange: true);
    private readonly VersionedTable<UserPreferences, PreferencesEntity> _versionedPreferences = new(
        tables.GetTableClient(PreferencesTable),
        p => new PreferencesEntity { PartitionKey = p.BusinessId, RowKey = p.UserId, Json = WireJson.Serialize(p) },
        e => WireJson.Deserialize<UserPreferences>(e.Json)!);

    public async Task<Business?> GetBusinessAsync(string businessId, CancellationToken cancellationToken)
    {
        var row = await _businesses.GetOrNullAsync<BusinessEntity>(BusinessPartition, businessId, cancellationToken).ConfigureAwait(false);
        return row is null ? null : new Business(row.RowKey, row.Name, row.CreatedAt);
    }

    public async Task<IReadOnlyList<Business>> ListBusinessesAsync(CancellationToken cancellationToken)
        => (await _businesses.ListAsync<BusinessEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {BusinessPartition}"), cancellationToken).ConfigureAwait(false))
            .Select(row => new Business(row.RowKey, row.Name, row.CreatedAt)).ToList();

    public async Task UpsertBusinessAsync(Business business, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(business);
        await _businesses.UpsertEntityAsync(new BusinessEntity { PartitionKey = BusinessPartition, RowKey = business.Id, Name = business.Name, CreatedAt = business.CreatedAt }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task<User?> GetUserAsync(string businessId, string userId, CancellationToken cancellationToken)
    {
        var row = await _users.GetOrNullAsync<UserEntity>(businessId, userId, cancellationToken).ConfigureAwait(false);
        return row?.ToUser();
    }

    public async Task<IReadOnlyList<User>> ListUsersAsync(string businessId, CancellationToken cancellationToken)
        => (await _users.ListAsync<UserEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {businessId}"), cancellationToken).ConfigureAwait(false)).Select(u => u.ToUser()).ToList();

    public async Task UpsertUserAsync(User user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        await _users.UpsertEntityAsync(UserEntity.From(user), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    Task<Versioned<User>?> IVersionedStore<User>.GetVersionedAsync(string businessId, string id, CancellationToken cancellationToken) => _versionedUsers.GetVersionedAsync(businessId, id, cancellationToken);

    Task<(WriteResult Result, string? ETag)> IVersionedStore<User>.CreateAsync(User value, CancellationToken cancellationToken) => _versionedUsers.CreateAsync(value, cancellationToken);

    Task<(WriteResult Result, string? ETag)> IVersionedStore<User>.ReplaceAsync(User value, string etag, CancellationToken cancellationToken) => _versionedUsers.ReplaceAsync(value, etag, cancellationToken);

    Task<WriteResult> IVersionedStore<User>.DeleteAsync(string businessId, string id, string? etag, CancellationToken cancellationToken) => _versionedUsers.DeleteAsync(businessId, id, etag, cancellationToken);

    Task<Versioned<Client>?> IVersionedStore<Client>.GetVersionedAsync(string businessId, string id, CancellationToken cancellationToken) => _versionedClients.GetVersionedAsync(businessId, id, cancellationToken);

    Task<(WriteResult Result, string? ETag)> IVersionedStore<Client>.CreateAsync(Client value, CancellationToken cancellationToken) => _versionedClients.CreateAsync(value, cancellationToken);

    Task<(WriteResult Result, string? ETag)> IVersionedStore<Client>.ReplaceAsync(Client value, string etag, CancellationToken cancellationToken) => _versionedClients.ReplaceAsync(value, etag, cancellationToken);

    Task<WriteResult> IVersionedStore<Client>.DeleteAsync(string businessId, string id, string? etag, CancellationToken cancellationToken) => _versionedClients.DeleteAsync(businessId, id, etag, cancellationToken);

    Task<Versioned<UserPreferences>?> IVersionedStore<UserPreferences>.GetVersionedAsync(string businessId, string id, CancellationToken cancellationToken) => _versionedPreferences.GetVersionedAsync(businessId, id, cancellationToken);

    Task<(WriteResult Result, string? ETag)> IVersionedStore<UserPreferences>.CreateAsync(UserPreferences value, CancellationToken cancellationToken) => _versionedPreferences.CreateAsync(value, cancellationToken);

    Task<(WriteResult Result, string? ETag)> IVersionedStore<UserPreferences>.ReplaceAsync(UserPreferences value, string etag, CancellationToken cancellationToken) => _versionedPreferences.ReplaceAsync(value, etag, cancellationToken);

    Task<WriteResult> IVersionedStore<UserPreferences>.DeleteAsync(string businessId, string id, string? etag, CancellationToken cancellationToken) => _versionedPreferences.DeleteAsync(businessId, id, etag, cancellationToken);

    async Task<Client?> IClientStore.GetAsync(string businessId, string clientId, CancellationToken cancellationToken)
        => (await _versionedClients.GetVersionedAsync(businessId, clientId, cancellationToken).ConfigureAwait(false))?.Value; // a list row's key is no client's id

    async Task<IReadOnlyList<Client>> IClientStore.ListAsync(string businessId, CancellationToken cancellationToken)
        => (await _versionedClients.ListAsync(businessId, cancellationToken).ConfigureAwait(false)).Select(c => c.Value).ToList();

    async Task<ListPage<Client>> IClientStore.PageAsync(string businessId, bool? isActive, int skip, int limit, string? cursor, CancellationToken cancellationToken)
    {
        var filter = TablePages.PrefixFilter(businessId, ClientEntity.NameList, cursor);
        if (isActive is { } active)
        {
            filter += TableClient.CreateQueryFilter($" and IsActive eq {active}");
        }

        return await _clients.ReadListPageAsync<ClientEntity, Client>(filter, skip, limit, cursor is not null, r => r.ToClient(), cancellationToken).ConfigureAwait(false);
    }

    Task IClientStore.UpsertAsync(Client client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        return _versionedClients.UpsertAsync(client, cancellationToken);
    }

    /// <summary>
    /// Gives clients stored before the clients list had list rows theirs (<c>migrate-lists</c>); returns how many.
    /// A client changed meanwhile keeps its change and got its row with that write.
    /// </summary>
    public Task<int> AddMissingClientListRowsAsync(CancellationToken cancellationToken)
        => _versionedClients.AddMissingListRowsAsync(row => row.ClientId is null, cancellationToken);

    async Task<UserPreferences?> IPreferenceStore.GetAsync(string businessId, string userId, CancellationToken cancellationToken)
    {
        var row = await _preferences.GetOrNullAsync<PreferencesEntity>(businessId, userId, cancellationToken).ConfigureAwait(false);
        return row is null ? null : WireJson.Deserialize<UserPreferences>(row.Json);
    }

    async Task<IReadOnlyList<UserPreferences>> IPreferenceStore.ListAsync(string businessId, CancellationToken cancellationToken)
        => (await _preferences.ListAsync<PreferencesEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {businessId}"), cancellationToken).ConfigureAwait(false))
            .Select(p => WireJson.Deserialize<UserPreferences>(p.Json)!).ToList();

    async Task IPreferenceStore.UpsertAsync(UserPreferences preferences, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(preferences);
        await _preferences.UpsertEntityAsync(
            new PreferencesEntity { PartitionKey = preferences.BusinessId, RowKey = preferences.UserId, Json = WireJson.Serialize(preferences) },
            TableUpdateMode.Replace,
            cancellationToken).ConfigureAwait(false);
    }

    private sealed class BusinessEntity : TableRow
    {
        public string Name { get; set; } = string.Empty;
        public DateTimeOffset CreatedAt { get; set; }
    }

    private sealed class UserEntity : TableRow
    {
        public string Email { get; set; } = string.Empty;
        public string Name { get; set; } = string.Empty;
        public UserRole Role { get; set; }
        public string TimeZone { get; set; } = "UTC";

        public User ToUser() => new(RowKey, PartitionKey, Email, Name, Role, TimeZone);

        public static UserEntity From(User u) => new() { PartitionKey = u.BusinessId, RowKey = u.Id, Email = u.Email, Name = u.Name, Role = u.Role, TimeZone = u.TimeZone };
    }

    private sealed class ClientEntity : TableRow
    {
        /// <summary>Where the clients list's rows start.</summary>
        public const string NameList = VersionedTable<Client, ClientEntity>.ListRowPrefix + "n_";

        /// <summary>The client's id, on its own row and its list row (whose row key is the list's order); null on rows stored before list rows.</summary>
        public string? ClientId { get; set; }

        public string Name { get; set; } = string.Empty;
        public string? Domain { get; set; }
        public string? Industry { get; set; }
        public string KeywordsJson { get; set; } = "[]";
        public string AssignedUserIdsJson { get; set; } = "[]";
        public string? SalesforceAccountId { get; set; }
        public string? HubSpotCompanyId { get; set; }
        public bool IsActive { get; set; }

        public static ClientEntity From(Client c) => new()
        {
            PartitionKey = c.BusinessId,
            RowKey = c.Id,
            ClientId = c.Id,
            Name = c.Name,
            Domain = c.Domain,
            Industry = c.Industry,
            KeywordsJson = WireJson.Serialize(c.Keywords),
            AssignedUserIdsJson = WireJson.Serialize(c.AssignedUserIds),
            SalesforceAccountId = c.SalesforceAccountId,
            HubSpotCompanyId = c.HubSpotCompanyId,
            IsActive = c.IsActive,
        };

        /// <summary>
        /// The list row: <see cref="NameKey"/> (200 characters at most), a space, then the id. Nothing for a row
        /// stored before list rows, which had none.
        /// </summary>
        public static IEnumerable<ClientEntity> ListRows(ClientEntity own)
        {
            if (own.ClientId is null)
            {
                yield break;
            }

            var copy = (ClientEntity)own.MemberwiseClone();
            copy.RowKey = NameList + NameKey(own.Name) + " " + own.ClientId;
            copy.ETag = default;
            yield return copy;
        }

        /// <summary>
        /// A name in key order: spaces and control characters become <c>!</c>, so nothing in a name sorts at or below
        /// the space that ends it and a name comes before the longer names it starts; <c>/ \ # ?</c>, which keys
        /// cannot hold, become the character below each.
        /// </summary>
        private static string NameKey(string name)
        {
            var upper = name.ToUpperInvariant(); // case ignored, as OrdinalIgnoreCase compares
            return string.Create(Math.Min(upper.Length, 200), upper, static (key, from) =>
            {
                for (var i = 0; i < key.Length; i++)
                {
                    var c = from[i];
                    key[i] = c switch
                    {
                        <= ' ' or (>= '\u007f' and <= '\u009f') => '!',
                        '/' or '\\' or '#' or '?' => (char)(c - 1),
                        _ => c,
                    };
                }
            });
        }

        public Client ToClient() => new(
            ClientId ?? RowKey, PartitionKey, Name, Domain, Industry,
            WireJson.Deserialize<List<string>>(KeywordsJson) ?? [], WireJson.Deserialize<List<string>>(AssignedUserIdsJson) ?? [],
            SalesforceAccountId, HubSpotCompanyId, IsActive);
    }

    /// <summary>Preferences are read and written whole, so one JSON column keeps the seed's shape exactly.</summary>
    private sealed class PreferencesEntity : TableRow
    {
        public string Json { get; set; } = "{}";
    }
}
