using Azure.Data.Tables;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Preferences;
using ClientMonitor.Core.Tenancy;
using ClientMonitor.Infrastructure.Pipeline;

namespace ClientMonitor.Benchmarks;

/// <summary>Seeds a business through the app's own stores, as the tests do (PipelineWorker.SeedAsync).</summary>
internal static class Seeder
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    /// <summary>The business, its admin <c>amy</c> (instant notifications for everything) and <paramref name="clients"/> clients.</summary>
    public static async Task SeedBusinessAsync(TableServiceClient tables, string business, int clients)
    {
        foreach (var table in new[] { TenantTables.BusinessesTable, TenantTables.UsersTable, TenantTables.ClientsTable, TenantTables.PreferencesTable, MonitoringTables.EventsTable })
        {
            await tables.GetTableClient(table).CreateIfNotExistsAsync();
        }

        var tenants = new TenantTables(tables);
        await tenants.UpsertBusinessAsync(new Business(business, "Bench business", Now), CancellationToken.None);
        await tenants.UpsertUserAsync(new User("amy", business, "amy@bench.example", "Amy", UserRole.Admin, "UTC"), CancellationToken.None);
        await ((IPreferenceStore)tenants).UpsertAsync(UserPreferences.Default(business, "amy", Now), CancellationToken.None);
        await Parallel.ForAsync(0, clients, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            await ((IClientStore)tenants).UpsertAsync(new Client($"client-{i:D5}", business, $"Client {i}", $"client{i}.example", "software", [], ["amy"], null, null, true), ct));
    }

    /// <summary>
    /// Up to <paramref name="events"/> events over the business's first 1,000 clients, by parallel upserts (the event
    /// store has no batch write). Stops at <paramref name="budget"/>; returns how many were written.
    /// </summary>
    public static async Task<int> SeedEventsAsync(TableServiceClient tables, string business, int clients, int events, TimeSpan budget)
    {
        var store = new MonitoringTables(tables);
        var written = 0;
        using var stop = new CancellationTokenSource(budget);
        try
        {
            await Parallel.ForAsync(0, events, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = stop.Token }, async (i, _) =>
            {
                var at = Now.AddMinutes(-i);
                await store.UpsertAsync(
                    new MonitoringEvent($"evt-{i:D7}", business, $"client-{i % clients:D5}", "seed", $"Event {i}", "A seeded event for the benchmarks.",
                        $"https://news.example/{i}", "bench", at, (EventCategory)(i % 5), 0.5 + (i % 50) / 100.0, 0.1, default, "bench", null, null, null, at),
                    CancellationToken.None);
                Interlocked.Increment(ref written);
            });
        }
        catch (OperationCanceledException)
        {
            // The budget ran out: the caller reports how many were written.
        }

        return written;
    }
}
