using Azure.Data.Tables;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Preferences;
using ClientMonitor.Core.Tenancy;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Infrastructure.Notifications;
using ClientMonitor.Infrastructure.Pipeline;

namespace ClientMonitor.Benchmarks;

/// <summary>Seeds a business through the app's own stores, as the tests do (PipelineWorker.SeedAsync).</summary>
internal static class Seeder
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    /// <summary>The business, its admin <c>amy</c> (instant notifications for everything) and <paramref name="clients"/> clients.</summary>
    public static async Task SeedBusinessAsync(TableServiceClient tables, string business, int clients)
    {
        foreach (var table in new[] { TenantTables.BusinessesTable, TenantTables.UsersTable, TenantTables.ClientsTable, TenantTables.PreferencesTable, MonitoringTables.EventsTable, MonitoringTables.NotificationsTable, NotificationTables.EmailLogsTable })
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
    /// Up to <paramref name="events"/> events over the business's clients, by parallel upserts (each one transaction
    /// of the event's rows). Stops at <paramref name="budget"/>; returns how many were written.
    /// </summary>
    public static Task<int> SeedEventsAsync(TableServiceClient tables, string business, int clients, int events, TimeSpan budget)
    {
        var store = new MonitoringTables(tables);
        return WriteAsync(events, budget, async i =>
        {
            var at = Now.AddMinutes(-i);
            await store.UpsertAsync(
                new MonitoringEvent($"evt-{i:D7}", business, $"client-{i % clients:D5}", "seed", $"Event {i}", "A seeded event for the benchmarks.",
                    $"https://news.example/{i}", "bench", at, (EventCategory)(i % 5), 0.5 + (i % 50) / 100.0, 0.1, default, "bench", null, null, null, at),
                CancellationToken.None);
        });
    }

    /// <summary>Up to <paramref name="count"/> sent email logs to amy, one a minute back from the seed time; returns how many.</summary>
    public static Task<int> SeedEmailLogsAsync(TableServiceClient tables, string business, int count, TimeSpan budget)
    {
        var store = new NotificationTables(tables);
        return WriteAsync(count, budget, async i => await store.AddPendingIfAbsentAsync(
            new EmailLog($"mail-{i:D7}", business, "amy", $"evt-{i:D7}", "seed", EmailTypes.EventNotification, "amy@bench.example", $"Event {i}", null, EmailStatus.Sent, Now.AddMinutes(-i)),
            CancellationToken.None));
    }

    /// <summary>Up to <paramref name="count"/> notifications in amy's inbox, every other one read; returns how many.</summary>
    public static Task<int> SeedNotificationsAsync(TableServiceClient tables, string business, int count, TimeSpan budget)
    {
        var store = new MonitoringTables(tables);
        return WriteAsync(count, budget, async i => await store.AddIfAbsentAsync(
            new Notification($"note-{i:D7}", business, "amy", $"evt-{i:D7}", $"client-{i % 1000:D5}", $"Event {i}", (EventCategory)(i % 5), 0.7, i % 2 == 0, Now.AddMinutes(-i), null),
            CancellationToken.None));
    }

    /// <summary>Runs <paramref name="write"/> for 0..count-1, 16 at a time, until done or out of time; returns how many finished.</summary>
    private static async Task<int> WriteAsync(int count, TimeSpan budget, Func<int, Task> write)
    {
        var written = 0;
        using var stop = new CancellationTokenSource(budget);
        try
        {
            await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = stop.Token }, async (i, _) =>
            {
                await write(i);
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
