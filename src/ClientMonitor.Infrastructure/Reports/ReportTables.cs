using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Providers;
using ClientMonitor.Core.Reports;
using ClientMonitor.Infrastructure.Pipeline;
using ClientMonitor.Infrastructure.Providers;
using Azure.Data.Tables;
using ClientMonitor.Infrastructure.Storage;

namespace ClientMonitor.Infrastructure.Reports;

/// <summary>Table <c>reports</c>: PK business, RK report id (inverted ticks first, so newest first), the report as JSON.</summary>
public sealed class ReportTables(TableServiceClient tables) : IReportStore
{
    public const string TableName = "reports";
    private readonly TableClient _table = tables.GetTableClient(TableName);

    public async Task SaveAsync(AutomationReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        await _table.UpsertEntityAsync(new JsonRowEntity { PartitionKey = report.Metadata.BusinessId, RowKey = report.Id, Json = WireJson.Serialize(report) }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task<AutomationReport?> GetAsync(string businessId, string reportId, CancellationToken cancellationToken)
    {
        var row = await _table.GetOrNullAsync<JsonRowEntity>(businessId, reportId, cancellationToken).ConfigureAwait(false);
        return row is null ? null : WireJson.Deserialize<AutomationReport>(row.Json);
    }

    public async Task<(IReadOnlyList<AutomationReport> Items, int Total)> ListAsync(string businessId, int skip, int limit, CancellationToken cancellationToken)
    {
        var rows = await _table.ListAsync<JsonRowEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {businessId}"), cancellationToken).ConfigureAwait(false);
        return (rows.OrderBy(r => r.RowKey, StringComparer.Ordinal).Skip(skip).Take(limit).Select(r => WireJson.Deserialize<AutomationReport>(r.Json)!).ToList(), rows.Count);
    }
}

/// <summary>
/// The gateway's circuits and quotas, and every provider name a report can be for: each adapter the catalog has (a
/// provider configured earlier may still have calls in the window) and whatever it hands out now.
/// </summary>
public sealed class GatewayProviderStatus(ProviderGateway gateway, IProviderCatalog catalog) : IProviderStatusSource
{
    public IReadOnlyList<string> KnownProviders { get; } = ProviderCatalog.AdapterNames.Concat(Names(catalog.Resolve(false))).Concat(Names(catalog.Resolve(true))).Distinct(StringComparer.Ordinal).ToList();

    public async Task<IReadOnlyList<ProviderStatus>> SnapshotAsync(CancellationToken cancellationToken)
        => (await gateway.SnapshotAsync(cancellationToken).ConfigureAwait(false)).Select(h => new ProviderStatus(h.Provider, h.Circuit, h.QuotaUsed, h.DailyQuota)).ToList();

    private static IEnumerable<string> Names(ProviderSet set)
        => set.Search.Select(s => s.Name).Concat(set.Crm.Select(c => c.Name)).Append(set.Classifier.Name);
}
