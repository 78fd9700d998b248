using ClientMonitor.Application.Health;
using System.Collections.Concurrent;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Preferences;
using ClientMonitor.Core.Tenancy;
using ClientMonitor.Durable;
using ClientMonitor.Functions.Hosting;
using ClientMonitor.Application.Triggers;
using ClientMonitor.Functions.Invocations;
using ClientMonitor.Application.Storage;
using ClientMonitor.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClientMonitor.Functions.Tests.Pipeline;

/// <summary>
/// The real worker (Functions mode, so no listener competes for the shared Azurite's queues) with its pipeline on
/// Azurite. Queue sends are recorded instead of sent, and the test delivers them to the MonitorClient function
/// itself: that is what makes redelivery and ordering controllable.
/// </summary>
internal sealed class PipelineWorker(string storage, IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services) : WebApplicationFactory<Program>
{
    public RecordingDispatcher Dispatcher { get; } = new();

    public static async Task<PipelineWorker> StartAsync(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services = null, Azurite? storage = null)
    {
        var azurite = storage ?? await Azurite.SharedAsync();
        var worker = new PipelineWorker(azurite.ConnectionString, settings, services);
        _ = worker.Server;
        await worker.Services.GetRequiredService<StorageInitializer>().Ready.WaitAsync(TimeSpan.FromSeconds(30));
        return worker;
    }

    public PipelineStores Stores => Services.GetRequiredService<PipelineStores>();

    public JobRunService Jobs => Services.GetRequiredService<JobRunService>();

    /// <summary>The job run orchestration's activities over this worker's pipeline.</summary>
    public JobRunActivities Activities => new(Services.GetRequiredService<MonitorClientProcessor>(), Jobs);

    /// <summary>Records a run of every active client of <paramref name="business"/> and the orchestration input that runs it (deadline in an hour).</summary>
    public async Task<(JobRun Run, JobRunInput Input)> CreateRunAsync(string business)
    {
        var created = await Jobs.CreateAsync(new StartJobRequest(business, JobType.ClientMonitoring, null, false, "test"), CancellationToken.None);
        var run = created.JobRun!;
        return (run, new JobRunInput(business, run.Id, created.ClientIds, run.StartedAt, run.StartedAt.AddHours(1)));
    }

    public IQueueFunction MonitorClient => Services.GetServices<IQueueFunction>().Single(f => f.Name == "MonitorClient");

    /// <summary>A business with two users (one instant for everything, one narrow daily digest) and <paramref name="clients"/> clients.</summary>
    public async Task<string> SeedAsync(int clients)
    {
        var business = Azurite.UniqueName("biz");
        var now = new DateTimeOffset(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);
        await Stores.Tenants.UpsertBusinessAsync(new Business(business, "Test business", now), CancellationToken.None);
        await Stores.Tenants.UpsertUserAsync(new User("amy", business, "amy@test.example", "Amy", UserRole.Admin, "UTC"), CancellationToken.None);
        await Stores.Tenants.UpsertUserAsync(new User("bob", business, "bob@test.example", "Bob", UserRole.Member, "Europe/Paris"), CancellationToken.None);
        await Stores.Preferences.UpsertAsync(UserPreferences.Default(business, "amy", now) with { RelevanceThreshold = 0.0 }, CancellationToken.None);
        await Stores.Preferences.UpsertAsync(
            UserPreferences.Default(business, "bob", now) with { NotificationFrequency = NotificationFrequency.Daily, NotificationCategories = [EventCategory.Risk, EventCategory.Layoffs] },
            CancellationToken.None);
        await Parallel.ForAsync(0, clients, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var name = ClientNames[i % ClientNames.Length] + (i < ClientNames.Length ? string.Empty : " " + (i / ClientNames.Length));
            await Stores.Clients.UpsertAsync(new Client($"client-{i:D3}", business, name, null, "software", [], ["bob"], null, null, true), ct);
        });
        return business;
    }

    /// <summary>Delivers messages to MonitorClient as the queue would (JSON text, a dequeue count), a few at a time.</summary>
    public Task DeliverAsync(IEnumerable<MonitorClientMessage> messages, int dequeueCount = 1) => Parallel.ForEachAsync(
        messages,
        new ParallelOptions { MaxDegreeOfParallelism = 8 },
        async (message, ct) => await MonitorClient.RunAsync(
            new QueueInvocation("MonitorClient", WireJson.Serialize(message), Guid.NewGuid().ToString(), dequeueCount, null), ct));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("AzureWebJobsStorage", storage);
        builder.UseSetting(FunctionsHosting.ModeSetting, HostingMode.Functions.ToString());
        builder.UseSetting("Auth:SigningKey", TestAuth.SigningKey);
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(collection =>
        {
            collection.Replace(ServiceDescriptor.Singleton<IWorkDispatcher>(Dispatcher));
            collection.Replace(ServiceDescriptor.Singleton<INotificationOutbox>(Dispatcher));
            services?.Invoke(collection);
        });
    }

    private static readonly string[] ClientNames = ["Contoso", "Fabrikam", "Northwind Traders", "Tailspin Toys", "Woodgrove Bank", "Litware", "Relecloud", "Lamna Healthcare"];
}

/// <summary>Records both queues' messages: monitor-client messages, and every notifications message with its delay.</summary>
internal sealed class RecordingDispatcher : IWorkDispatcher, INotificationOutbox
{
    public ConcurrentQueue<(NotificationMessage Message, DateTimeOffset VisibleAt)> Notifications { get; } = new();

    /// <summary>The clock that says when a delayed message becomes visible (a test's manual clock, or the system's).</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    public ConcurrentQueue<MonitorClientMessage> MonitorMessages { get; } = new();

    public ConcurrentQueue<EmailRequest> Emails { get; } = new();

    public Task EnqueueMonitorClientAsync(MonitorClientMessage message, CancellationToken cancellationToken)
    {
        MonitorMessages.Enqueue(message);
        return Task.CompletedTask;
    }

    public Task EnqueueEmailAsync(EmailRequest request, CancellationToken cancellationToken) => EnqueueAsync(request, TimeSpan.Zero, cancellationToken);

    public Task EnqueueAsync(NotificationMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        if (message is EmailRequest email)
        {
            Emails.Enqueue(email);
        }

        Notifications.Enqueue((message, Clock.GetUtcNow() + delay));
        return Task.CompletedTask;
    }
}
