using System.Globalization;
using ClientMonitor.Core.Operations;
using Azure.Data.Tables;
using ClientMonitor.Infrastructure.Storage;

namespace ClientMonitor.Infrastructure.Operations;

/// <summary>
/// Function activity in table <c>functionactivity</c>: PartitionKey = function name, RowKey = inverted ticks of the
/// time plus the invocation id, so that a partition reads newest first.
/// </summary>
public sealed class TableFunctionActivityLog(TableServiceClient tables) : IFunctionActivityLog
{
    public const string TableName = "functionactivity";
    private const int MaxPayloadChars = 16_000;
    private readonly TableClient _table = tables.GetTableClient(TableName);

    public async Task RecordAsync(FunctionActivity activity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(activity);
        var payload = activity.Payload is { Length: > MaxPayloadChars } p ? p[..MaxPayloadChars] : activity.Payload;
        await _table.UpsertEntityAsync(
            new ActivityEntity
            {
                PartitionKey = activity.FunctionName,
                RowKey = RowKey(activity.At, activity.InvocationId),
                Trigger = activity.Trigger,
                InvocationId = activity.InvocationId,
                At = activity.At,
                DequeueCount = activity.DequeueCount,
                Payload = payload,
            },
            TableUpdateMode.Replace,
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<FunctionActivity>> RecentAsync(string functionName, int max, CancellationToken cancellationToken)
    {
        var result = new List<FunctionActivity>();
        await foreach (var row in _table.QueryAsync<ActivityEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {functionName}"), maxPerPage: max, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            result.Add(new FunctionActivity(row.PartitionKey, row.Trigger, row.InvocationId, row.At, row.DequeueCount, row.Payload));
            if (result.Count >= max)
            {
                break;
            }
        }

        return result;
    }

    private static string RowKey(DateTimeOffset at, string invocationId)
        => (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + "_" + invocationId;

    private sealed class ActivityEntity : TableRow
    {
        public TriggerKind Trigger { get; set; }
        public string InvocationId { get; set; } = string.Empty;
        public DateTimeOffset At { get; set; }
        public long DequeueCount { get; set; }
        public string? Payload { get; set; }
    }
}
