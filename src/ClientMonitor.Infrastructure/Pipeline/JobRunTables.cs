using Azure;
using ClientMonitor.Core;
using ClientMonitor.Core.Pipeline;
using Azure.Data.Tables;
using ClientMonitor.Infrastructure.Storage;

namespace ClientMonitor.Infrastructure.Pipeline;

/// <summary>
/// <c>jobruns</c>: PK business, RK job run id (inverted ticks first, so a partition reads newest first).
/// <c>clientruns</c>: PK job run id, RK client id (a job run's clients are one partition, read whole for its progress).
/// </summary>
public sealed class JobRunTables(TableServiceClient tables) : IJobRunStore
{
    public const string JobRunsTable = "jobruns";
    public const string ClientRunsTable = "clientruns";

    private readonly TableClient _jobRuns = tables.GetTableClient(JobRunsTable);
    private readonly TableClient _clientRuns = tables.GetTableClient(ClientRunsTable);

    public async Task CreateAsync(JobRun jobRun, IReadOnlyList<ClientRun> clientRuns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobRun);
        ArgumentNullException.ThrowIfNull(clientRuns);
        // Client runs first: once the job run is visible, every client it counts exists. They share the job run's
        // partition, so they go 100 to a transaction (upserts: a start that is tried again writes the same rows).
        await Parallel.ForEachAsync(
            clientRuns.Chunk(100),
            new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (chunk, ct) => await _clientRuns.SubmitTransactionAsync(
                chunk.Select(run => new TableTransactionAction(TableTransactionActionType.UpsertReplace, ClientRunEntity.From(run))), ct).ConfigureAwait(false)).ConfigureAwait(false);
        await _jobRuns.AddEntityAsync(JobRunEntity.From(jobRun), cancellationToken).ConfigureAwait(false);
    }

    public async Task<JobRun?> GetAsync(string businessId, string jobRunId, CancellationToken cancellationToken)
        => (await _jobRuns.GetOrNullAsync<JobRunEntity>(businessId, jobRunId, cancellationToken).ConfigureAwait(false))?.ToJobRun();

    public async Task<IReadOnlyList<JobRun>> ListSinceAsync(string businessId, DateTimeOffset from, CancellationToken cancellationToken)
    {
        // Ids start with inverted ticks: runs started at or after `from` have ids below the inverted ticks of `from` + 1.
        var bound = (DateTimeOffset.MaxValue.UtcTicks - from.UtcTicks + 1).ToString("D19", System.Globalization.CultureInfo.InvariantCulture);
        return (await _jobRuns.ListAsync<JobRunEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {businessId} and RowKey lt {bound}"), cancellationToken).ConfigureAwait(false))
            .Select(r => r.ToJobRun()).Where(r => r.StartedAt >= from).ToList();
    }

    public async Task<IReadOnlyList<JobRun>> ListRecentAsync(string businessId, int limit, CancellationToken cancellationToken)
    {
        var result = new List<JobRun>();
        await foreach (var row in _jobRuns.QueryAsync<JobRunEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {businessId}"), maxPerPage: Math.Min(limit, 1000), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            result.Add(row.ToJobRun());
            if (result.Count >= limit)
            {
                break;
            }
        }

        return result;
    }

    public async Task<JobRun> UpdateAsync(string businessId, string jobRunId, Func<JobRun, JobRun?> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var row = await _jobRuns.UpdateWithRetryAsync<JobRunEntity>(
            businessId,
            jobRunId,
            entity =>
            {
                var updated = change(entity.ToJobRun());
                if (updated is null)
                {
                    return false;
                }

                entity.CopyFrom(updated);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
        return row.ToJobRun();
    }

    public async Task<ClientRun?> GetClientRunAsync(string jobRunId, string clientId, CancellationToken cancellationToken)
        => (await _clientRuns.GetOrNullAsync<ClientRunEntity>(jobRunId, clientId, cancellationToken).ConfigureAwait(false))?.ToClientRun();

    public async Task<IReadOnlyList<ClientRun>> ListClientRunsAsync(string jobRunId, CancellationToken cancellationToken)
        => (await _clientRuns.ListAsync<ClientRunEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {jobRunId}"), cancellationToken).ConfigureAwait(false)).Select(r => r.ToClientRun()).ToList();

    public async Task SaveClientRunAsync(ClientRun clientRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clientRun);
        await _clientRuns.UpsertEntityAsync(ClientRunEntity.From(clientRun), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Versioned<ClientRun>?> GetClientRunVersionedAsync(string jobRunId, string clientId, CancellationToken cancellationToken)
        => await _clientRuns.GetOrNullAsync<ClientRunEntity>(jobRunId, clientId, cancellationToken).ConfigureAwait(false) is { } row
            ? new Versioned<ClientRun>(row.ToClientRun(), row.ETag.ToString())
            : null;

    public async Task<ClientRun> FinishClientRunAsync(ClientRun finished, string? pendingETag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(finished);
        if (pendingETag is not null)
        {
            try
            {
                await _clientRuns.ReplaceIfMatchAsync(ClientRunEntity.From(finished), new ETag(pendingETag), cancellationToken).ConfigureAwait(false);
                return finished;
            }
            catch (RequestFailedException ex) when (ex.Status == TableStoreSupport.PreconditionFailed)
            {
                // Changed since it was read (another attempt finished it, most likely): decided on the stored row below.
            }
        }

        var row = await _clientRuns.UpdateWithRetryAsync<ClientRunEntity>(
            finished.JobRunId,
            finished.ClientId,
            stored =>
            {
                if (stored.Status != ClientRunStatus.Pending)
                {
                    return false;
                }

                stored.CopyFrom(finished);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
        return row.ToClientRun();
    }

    private sealed class JobRunEntity : TableRow
    {
        public JobType JobType { get; set; }
        public JobRunStatus Status { get; set; }
        public string Trigger { get; set; } = string.Empty;
        public string? ScheduleId { get; set; }
        public string? RequestedClientIdsJson { get; set; }
        public bool ForceMock { get; set; }
        public bool UsedMockProviders { get; set; }
        public int ClientsTotal { get; set; }
        public int ClientsFinished { get; set; }
        public int ClientsFailed { get; set; }
        public string CountsJson { get; set; } = "{}";
        public DateTimeOffset StartedAt { get; set; }
        public DateTimeOffset? CompletedAt { get; set; }
        public string? Error { get; set; }

        public static JobRunEntity From(JobRun run)
        {
            var entity = new JobRunEntity { PartitionKey = run.BusinessId, RowKey = run.Id };
            entity.CopyFrom(run);
            return entity;
        }

        public void CopyFrom(JobRun run)
        {
            JobType = run.JobType;
            Status = run.Status;
            Trigger = run.Trigger;
            ScheduleId = run.ScheduleId;
            RequestedClientIdsJson = run.RequestedClientIds is null ? null : WireJson.Serialize(run.RequestedClientIds);
            ForceMock = run.ForceMock;
            UsedMockProviders = run.UsedMockProviders;
            ClientsTotal = run.ClientsTotal;
            ClientsFinished = run.ClientsFinished;
            ClientsFailed = run.ClientsFailed;
            CountsJson = WireJson.Serialize(run.Counts);
            StartedAt = run.StartedAt;
            CompletedAt = run.CompletedAt;
            Error = run.Error;
        }

        public JobRun ToJobRun() => new(
            RowKey, PartitionKey, JobType, Status, Trigger, ScheduleId,
            RequestedClientIdsJson is null ? null : WireJson.Deserialize<List<string>>(RequestedClientIdsJson),
            ForceMock, UsedMockProviders, ClientsTotal, ClientsFinished, ClientsFailed,
            WireJson.Deserialize<RunCounts>(CountsJson) ?? RunCounts.Zero, StartedAt, CompletedAt, Error);
    }

    private sealed class ClientRunEntity : TableRow
    {
        public string BusinessId { get; set; } = string.Empty;
        public string ClientName { get; set; } = string.Empty;
        public ClientRunStatus Status { get; set; }
        public string CountsJson { get; set; } = "{}";
        public string SourcesUsedJson { get; set; } = "[]";
        public string FailedSourcesJson { get; set; } = "[]";
        public string? CrmProvider { get; set; }
        public string? Error { get; set; }
        public int Attempts { get; set; }
        public DateTimeOffset? StartedAt { get; set; }
        public DateTimeOffset? CompletedAt { get; set; }
        public string? ProviderCallsJson { get; set; }

        public static ClientRunEntity From(ClientRun r)
        {
            var entity = new ClientRunEntity { PartitionKey = r.JobRunId, RowKey = r.ClientId };
            entity.CopyFrom(r);
            return entity;
        }

        public void CopyFrom(ClientRun r)
        {
            BusinessId = r.BusinessId;
            ClientName = r.ClientName;
            Status = r.Status;
            CountsJson = WireJson.Serialize(r.Counts);
            SourcesUsedJson = WireJson.Serialize(r.SourcesUsed);
            FailedSourcesJson = WireJson.Serialize(r.FailedSources);
            CrmProvider = r.CrmProvider;
            Error = r.Error is { Length: > 4000 } e ? e[..4000] : r.Error;
            Attempts = r.Attempts;
            StartedAt = r.StartedAt;
            CompletedAt = r.CompletedAt;
            ProviderCallsJson = r.ProviderCalls is null ? null : WireJson.Serialize(r.ProviderCalls.Take(MaxProviderCalls));
        }

        public ClientRun ToClientRun() => new(
            PartitionKey, BusinessId, RowKey, ClientName, Status, WireJson.Deserialize<RunCounts>(CountsJson) ?? RunCounts.Zero,
            WireJson.Deserialize<List<string>>(SourcesUsedJson) ?? [], WireJson.Deserialize<List<string>>(FailedSourcesJson) ?? [],
            CrmProvider, Error, Attempts, StartedAt, CompletedAt,
            ProviderCallsJson is null ? null : WireJson.Deserialize<List<ProviderCall>>(ProviderCallsJson));

        // Each call is about 80 characters of JSON: 300 of them stay well inside a 64 KiB table property.
        private const int MaxProviderCalls = 300;
    }
}
