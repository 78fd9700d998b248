using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ClientMonitor.Core.Pipeline;
using ClientMonitor.Functions.Tests.Pipeline;
using ClientMonitor.Testing;

namespace ClientMonitor.Functions.Tests.Hosting;

/// <summary>
/// The local host as a real process, killed with SIGKILL in the middle of a 200-client job started over HTTP, then
/// started again on the same storage and task hub: the job completes, every client is counted once, and its totals
/// are the rows in the tables (no duplicate event, notification or email). The host is started from another working
/// directory and still reads its own settings (the mock providers of appsettings.Development.json), and the status URL
/// it answers with is the address it listens on.
/// </summary>
public sealed class LocalHostCrashTests
{
    [Fact]
    public async Task AKilledLocalHost_ResumesItsRunWhenStartedAgain_WithNoClientLostOrDuplicated()
    {
        await using var azurite = await Azurite.StartPrivateAsync();
        // Seeds the business and reads the tables; an in-process host on a task hub of its own, its triggers off.
        await using var tables = await PipelineWorker.StartAsync(new Dictionary<string, string?> { ["Providers:UseMocks"] = "true" }, storage: azurite);
        var business = await tables.SeedAsync(clients: 200);

        var hub = Azurite.UniqueName("crash");
        var port = AppProcess.FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        http.As("amy", business, "admin");

        string runId;
        using (var first = StartHost(azurite, hub, port))
        {
            await first.WaitForAsync(() => first.IsOkAsync("/api/health/live"), TimeSpan.FromMinutes(2));
            var started = await http.PostAsJsonAsync("/api/v1/monitoring-jobs/execute", new { force_mock = true });
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
            runId = (string)(await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
            Assert.Equal(new Uri($"http://127.0.0.1:{port}/api/v1/job-runs/{runId}"), started.Headers.Location);
            var stores = tables.Stores;
            await first.WaitForAsync(async () => (await stores.JobRuns.ListClientRunsAsync(runId, CancellationToken.None)).Count(c => c.IsFinished) >= 20, TimeSpan.FromMinutes(3));
            first.Kill(); // SIGKILL: no shutdown, work items stay taken until their lease ends
        }

        var finishedBeforeRestart = (await tables.Stores.JobRuns.ListClientRunsAsync(runId, CancellationToken.None)).Count(c => c.IsFinished);
        Assert.True(finishedBeforeRestart < 200, "the host was killed before the run finished");

        using var second = StartHost(azurite, hub, port);
        var pipeline = tables.Stores;
        await second.WaitForAsync(async () => (await pipeline.JobRuns.GetAsync(business, runId, CancellationToken.None))!.IsFinished, TimeSpan.FromMinutes(6));
        var status = await WaitForOrchestrationAsync(http, runId);
        second.Kill();

        var run = (await pipeline.JobRuns.GetAsync(business, runId, CancellationToken.None))!;
        var clientRuns = await pipeline.JobRuns.ListClientRunsAsync(runId, CancellationToken.None);
        var events = (await pipeline.Events.QueryAsync(business, new EventQuery(null, null, null, null, null, 0, int.MaxValue), CancellationToken.None)).Items.Count;
        var amy = (await pipeline.Notifications.ListAsync(business, "amy", false, 0, int.MaxValue, null, CancellationToken.None)).Items.Count;
        var bob = (await pipeline.Notifications.ListAsync(business, "bob", false, 0, int.MaxValue, null, CancellationToken.None)).Items.Count;
        var emails = (await pipeline.EmailLogs.QueryAsync(business, new ClientMonitor.Core.Notifications.EmailLogQuery(Limit: int.MaxValue), CancellationToken.None)).Items;
        Assert.Equal("Completed", status);
        Assert.Equal((JobRunStatus.Completed, 200, 0), (run.Status, run.ClientsFinished, run.ClientsFailed));
        Assert.Equal(200, clientRuns.Count(c => c.Status == ClientRunStatus.Completed));
        Assert.Equal((run.Counts.EventsCreated, run.Counts.NotificationsCreated, run.Counts.EmailsQueued), (events, amy + bob, emails.Count));
    }

    /// <summary>Timers and the notifications listener off (the emails stay queued); what a killed host had taken comes back after 10 s instead of 5 minutes.</summary>
    private static AppProcess StartHost(Azurite azurite, string hub, int port) => LocalHostProcess.Start(azurite, hub, port, new Dictionary<string, string>
    {
        ["LocalHost__Triggers"] = "false",
        ["LocalHost__WorkItemVisibilitySeconds"] = "10",
        ["LocalHost__ControlQueueVisibilitySeconds"] = "10",
    });

    private static async Task<string?> WaitForOrchestrationAsync(HttpClient http, string runId)
    {
        string? status = null;
        for (var i = 0; i < 120 && status != "Completed"; i++)
        {
            var run = await http.GetFromJsonAsync<JsonObject>($"/api/v1/job-runs/{runId}");
            status = (string?)run!["orchestration_status"];
            if (status != "Completed")
            {
                await Task.Delay(500);
            }
        }

        return status;
    }
}
