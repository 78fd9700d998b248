using System.Collections.Concurrent;
using ClientMonitor.Application.Storage;
using ClientMonitor.Core.Clients;
using ClientMonitor.Core.Notifications;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Core.Preferences;
using ClientMonitor.Core.Tenancy;
using ClientMonitor.Durable;
using Microsoft.DurableTask.Client;
using ClientMonitor.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClientMonitor.Functions.Tests.Pipeline;

/// <summary>
/// The local host with the app's pipeline on Azurite, its triggers off (no listener competes for the shared Azurite's
/// queues). Notifications queue sends are recorded instead of sent, and the test runs a job's activities itself
/// (<see cref="RunJobAsync"/>): that is what makes redelivery and ordering controllable. The Durable engine is
/// there too, for the API's job runs.
/// </summary>
internal sealed class PipelineWorker(string storage, IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services) : WebApplicationFactory<ClientMonitor.LocalHost.LocalHostEntryPoint>
{
    public RecordingDispatcher Dispatcher { get; } = new();

    public static async Task<PipelineWorker> StartAsync(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services = null, Azurite? storage = null)
    {
        var azurite = storage ?? await Azurite.SharedAsync();
        var worker = new PipelineWorker(azurite.ConnectionString, settings, services);
        _ = worker.Server;
        await worker.Services.GetRequiredService<StorageInitializer>().Ready.WaitAsync(TimeSpan.FromSeconds(30));
        await worker.Services.GetRequiredService<ClientMonitor.LocalHost.Durable.LocalDurableEngineHost>().Ready.WaitAsync(TimeSpan.FromSeconds(60));
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

    /// <summary>Records the runs the scheduler or the API launch; <see cref="RunLaunchedAsync"/> runs them.</summary>
    public RecordingLauncher Launcher { get; } = new();

    /// <summary>Runs a job over every active client of <paramref name="business"/> (see <see cref="RunAsync"/>). Returns the finished run.</summary>
    public async Task<JobRun> RunJobAsync(string business, int deliveries = 1)
    {
        var (run, input) = await CreateRunAsync(business);
        await RunAsync(input, deliveries);
        return (await Stores.JobRuns.GetAsync(business, run.Id, CancellationToken.None))!;
    }

    /// <summary>Waits for the orchestration of a run that the API or the scheduler started on the local host's engine.</summary>
    public async Task<OrchestrationMetadata> WaitForOrchestrationAsync(string jobRunId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        return await Services.GetRequiredService<DurableTaskClient>().WaitForInstanceCompletionAsync(jobRunId, timeout.Token);
    }

    /// <summary>Runs every run launched through <see cref="Launcher"/> so far.</summary>
    public async Task RunLaunchedAsync()
    {
        while (Launcher.Launched.TryDequeue(out var input))
        {
            await RunAsync(input, 1);
        }
    }

    /// <summary>
    /// Runs a job as the orchestration does: the <c>MonitorClient</c> activity for each client
    /// (<paramref name="deliveries"/> times: activities run at least once), then <c>FinishJobRun</c> with what the
    /// activities returned.
    /// </summary>
    public async Task RunAsync(JobRunInput input, int deliveries)
    {
        var outcomes = new ConcurrentDictionary<string, ClientOutcome>();
        for (var i = 0; i < deliveries; i++)
        {
            await Parallel.ForEachAsync(input.ClientIds, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (clientId, ct)
                => outcomes[clientId] = await Activities.MonitorClientAsync(new ClientWork(input.BusinessId, input.JobRunId, clientId), ct));
        }

        await Activities.FinishJobRunAsync(new JobRunFinish(input.BusinessId, input.JobRunId, outcomes.Values.ToList(), null), CancellationToken.None);
    }

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

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        LocalHostSettings.Apply(builder, storage, triggers: false, settings);
        builder.ConfigureTestServices(collection =>
        {
            collection.Replace(ServiceDescriptor.Singleton<INotificationOutbox>(Dispatcher));
            services?.Invoke(collection);
        });
    }

    private static readonly string[] ClientNames = ["Contoso", "Fabrikam", "Northwind Traders", "Tailspin Toys", "Woodgrove Bank", "Litware", "Relecloud", "Lamna Healthcare"];
}

/// <summary>Records launched job runs instead of starting orchestrations.</summary>
internal sealed class RecordingLauncher : IJobRunLauncher
{
    public ConcurrentQueue<JobRunInput> Launched { get; } = new();

    public Task LaunchAsync(JobRun jobRun, IReadOnlyList<string> clientIds, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        Launched.Enqueue(new JobRunInput(jobRun.BusinessId, jobRun.Id, clientIds, jobRun.StartedAt, deadline));
        return Task.CompletedTask;
    }

    public Task<string?> GetRuntimeStatusAsync(string jobRunId, CancellationToken cancellationToken) => Task.FromResult<string?>(null);
}

/// <summary>Records every notifications message with its delay instead of sending it.</summary>
internal sealed class RecordingDispatcher : INotificationOutbox
{
    public ConcurrentQueue<(NotificationMessage Message, DateTimeOffset VisibleAt)> Notifications { get; } = new();

    /// <summary>The clock that says when a delayed message becomes visible (a test's manual clock, or the system's).</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    public ConcurrentQueue<EmailRequest> Emails { get; } = new();

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
