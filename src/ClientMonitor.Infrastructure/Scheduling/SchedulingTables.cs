using System.Globalization;
using Azure;
using ClientMonitor.Core;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Scheduling;
using ClientMonitor.Infrastructure.Pipeline;
using Azure.Data.Tables;
using ClientMonitor.Infrastructure.Storage;

namespace ClientMonitor.Infrastructure.Scheduling;

/// <summary>
/// <c>schedules</c>: PK business id, RK schedule id, the schedule as one JSON column.
/// <c>dueindex</c>: PK the kind (<c>schedule</c>, <c>rundeadline</c>), RK due time as 19-digit UTC ticks then the
/// business and target ids, so "everything due by now" is one range query that reads only due rows.
/// <c>schedulerstate</c>: one row, the last tick.
/// </summary>
public sealed class SchedulingTables(TableServiceClient tables) : IScheduleStore, IDueIndex, ISchedulerHeartbeatStore
{
    public const string SchedulesTable = "schedules";
    public const string DueIndexTable = "dueindex";
    public const string StateTable = "schedulerstate";

    private readonly VersionedTable<AutomationSchedule, JsonRowEntity> _schedules = new(
        tables.GetTableClient(SchedulesTable),
        s => new JsonRowEntity { PartitionKey = s.BusinessId, RowKey = s.Id, Json = WireJson.Serialize(s) },
        e => WireJson.Deserialize<AutomationSchedule>(e.Json)!);

    private readonly TableClient _due = tables.GetTableClient(DueIndexTable);
    private readonly TableClient _state = tables.GetTableClient(StateTable);

    public Task<Versioned<AutomationSchedule>?> GetVersionedAsync(string businessId, string id, CancellationToken cancellationToken)
        => _schedules.GetVersionedAsync(businessId, id, cancellationToken);

    public Task<IReadOnlyList<Versioned<AutomationSchedule>>> ListAsync(string businessId, CancellationToken cancellationToken)
        => _schedules.ListAsync(businessId, cancellationToken);

    public Task<(WriteResult Result, string? ETag)> CreateAsync(AutomationSchedule value, CancellationToken cancellationToken)
        => _schedules.CreateAsync(value, cancellationToken);

    public Task<(WriteResult Result, string? ETag)> ReplaceAsync(AutomationSchedule value, string etag, CancellationToken cancellationToken)
        => _schedules.ReplaceAsync(value, etag, cancellationToken);

    public Task<WriteResult> DeleteAsync(string businessId, string id, string? etag, CancellationToken cancellationToken)
        => _schedules.DeleteAsync(businessId, id, etag, cancellationToken);

    async Task IDueIndex.AddAsync(DueEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await _due.UpsertEntityAsync(DueEntity.From(entry), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    async Task<IReadOnlyList<DueEntry>> IDueIndex.ListDueAsync(DueKind kind, DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        // Row keys start with the due ticks, so every key below "ticks of now + 1" is due.
        var bound = (now.UtcTicks + 1).ToString("D19", CultureInfo.InvariantCulture);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {DueEntity.Partition(kind)} and RowKey lt {bound}");
        var entries = new List<DueEntry>();
        await foreach (var row in _due.QueryAsync<DueEntity>(filter, maxPerPage: Math.Min(max, 1000), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            entries.Add(row.ToEntry(kind));
            if (entries.Count >= max)
            {
                break;
            }
        }

        return entries;
    }

    async Task IDueIndex.RemoveAsync(DueEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var row = DueEntity.From(entry);
        await _due.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
    }

    async Task ISchedulerHeartbeatStore.SaveAsync(SchedulerHeartbeat heartbeat, CancellationToken cancellationToken)
        => await _state.UpsertEntityAsync(new JsonRowEntity { PartitionKey = "scheduler", RowKey = "tick", Json = WireJson.Serialize(heartbeat) }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);

    async Task<SchedulerHeartbeat?> ISchedulerHeartbeatStore.GetAsync(CancellationToken cancellationToken)
    {
        var row = await _state.GetOrNullAsync<JsonRowEntity>("scheduler", "tick", cancellationToken).ConfigureAwait(false);
        return row is null ? null : WireJson.Deserialize<SchedulerHeartbeat>(row.Json);
    }

    private sealed class DueEntity : TableRow
    {
        public string BusinessId { get; set; } = string.Empty;
        public string TargetId { get; set; } = string.Empty;
        public DateTimeOffset DueAt { get; set; }

        public static string Partition(DueKind kind) => kind == DueKind.Schedule ? "schedule" : "rundeadline";

        public static DueEntity From(DueEntry e) => new()
        {
            PartitionKey = Partition(e.Kind),
            RowKey = e.DueAt.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "_" + e.BusinessId + "_" + e.TargetId,
            BusinessId = e.BusinessId,
            TargetId = e.TargetId,
            DueAt = e.DueAt,
        };

        /// <summary>The due time comes from the key's ticks, exactly as written, not from a rounded date column.</summary>
        public DueEntry ToEntry(DueKind kind)
            => new(kind, new DateTimeOffset(long.Parse(RowKey.AsSpan(0, 19), CultureInfo.InvariantCulture), TimeSpan.Zero), BusinessId, TargetId);
    }
}
