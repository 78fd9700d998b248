using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ClientMonitor.Functions.Tests.Pipeline;

namespace ClientMonitor.Functions.Tests.Api;

/// <summary>
/// Business A's admin against every kind of business B's resource: nothing can be read, changed, deleted or
/// triggered, every attempt answers 404 exactly as for an id that does not exist, and B's data is unchanged.
/// </summary>
public sealed class TenantIsolationTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private PipelineWorker Worker => fixture.Worker;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonObject> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    [Fact]
    public async Task ABusinessesUser_CannotReadChangeOrTriggerAnotherBusinessesResources()
    {
        var a = await Worker.SeedAsync(1);
        var b = await Worker.SeedAsync(1);
        var alice = Worker.CreateClient().As("amy", a, "admin"); // admin of A: the strongest tenant role
        var bAdmin = Worker.CreateClient().As("amy", b, "admin");

        var schedule = await ReadAsync(await bAdmin.PostAsync("/api/v1/automation-schedules/", Json("""{"name":"B's","schedule_type":"daily","hour_of_day":9,"config":{"force_mock":true}}""")));
        var scheduleId = (string)schedule["id"]!;
        var run = await ReadAsync(await bAdmin.PostAsync("/api/v1/monitoring-jobs/execute", Json("""{"force_mock":true}""")));
        await Worker.WaitForOrchestrationAsync((string)run["id"]!);
        var bEvents = await ReadAsync(await bAdmin.GetAsync("/api/v1/events"));
        var eventId = (string)bEvents["events"]![0]!["id"]!;
        var notificationId = (string)(await ReadAsync(await bAdmin.GetAsync("/api/v1/notifications")))["notifications"]![0]!["id"]!;
        // Ids that exist only in B (the seeded client-000, amy and bob exist in both businesses).
        var clientId = (string)(await ReadAsync(await bAdmin.PostAsync("/api/v1/clients", Json("""{"name":"Globex","domain":"globex.example"}"""))))["id"]!;
        var userId = (string)(await ReadAsync(await bAdmin.PostAsync("/api/v1/users", Json("""{"email":"zoe@b.example","name":"Zoe"}"""))))["id"]!;
        var prefsId = (string)(await ReadAsync(await bAdmin.PostAsync("/api/v1/user-preferences/", Json($$"""{"user_id":"{{userId}}"}"""))))["id"]!;

        var attempts = new (HttpMethod Method, string Path, string? Body)[]
        {
            (HttpMethod.Get, $"/api/v1/automation-schedules/{scheduleId}", null),
            (HttpMethod.Put, $"/api/v1/automation-schedules/{scheduleId}", """{"name":"hijacked"}"""),
            (HttpMethod.Delete, $"/api/v1/automation-schedules/{scheduleId}", null),
            (HttpMethod.Post, $"/api/v1/automation-schedules/{scheduleId}/deactivate", null),
            (HttpMethod.Post, $"/api/v1/automation-schedules/{scheduleId}/trigger", null),
            (HttpMethod.Get, $"/api/v1/clients/{clientId}", null),
            (HttpMethod.Put, $"/api/v1/clients/{clientId}", """{"name":"hijacked"}"""),
            (HttpMethod.Delete, $"/api/v1/clients/{clientId}", null),
            (HttpMethod.Post, $"/api/v1/monitoring-jobs/execute-for-client/{clientId}", null),
            (HttpMethod.Get, $"/api/v1/job-runs/{run["id"]}", null),
            (HttpMethod.Get, $"/api/v1/events/{eventId}", null),
            (HttpMethod.Post, $"/api/v1/notifications/{notificationId}/read", null),
            (HttpMethod.Get, $"/api/v1/user-preferences/{userId}", null),
            (HttpMethod.Delete, $"/api/v1/user-preferences/{prefsId}", null),
            (HttpMethod.Get, $"/api/v1/users/{userId}", null),
            (HttpMethod.Put, $"/api/v1/users/{userId}", """{"name":"hijacked"}"""),
            (HttpMethod.Delete, $"/api/v1/users/{userId}", null),
        };
        foreach (var (method, path, body) in attempts)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : Json(body) };
            var response = await alice.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path} answered {(int)response.StatusCode}");
        }

        // Business B's ids in A's writes are unknown too.
        var execute = await alice.PostAsync("/api/v1/monitoring-jobs/execute", Json($$"""{"client_ids":["{{clientId}}"],"force_mock":true}"""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, execute.StatusCode);
        var scheduleForB = await alice.PostAsync("/api/v1/automation-schedules/", Json($$"""{"name":"x","schedule_type":"manual","client_ids":["{{clientId}}"]}"""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, scheduleForB.StatusCode);
        var assign = await alice.PostAsync("/api/v1/clients", Json($$"""{"name":"x","assigned_user_ids":["{{userId}}"]}"""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, assign.StatusCode);
        var bulk = await ReadAsync(await alice.PostAsync("/api/v1/automation-schedules/bulk/delete", Json($$"""{"schedule_ids":["{{scheduleId}}"]}""")));
        Assert.Equal([scheduleId], bulk["not_found"]!.AsArray().Select(x => (string)x!));

        // A's lists do not include B's rows, and B's rows are as they were.
        Assert.Equal(0, (int)(await ReadAsync(await alice.GetAsync("/api/v1/automation-schedules/")))["total"]!);
        Assert.DoesNotContain(eventId, (await ReadAsync(await alice.GetAsync("/api/v1/events?limit=100")))["events"]!.AsArray().Select(e => (string)e!["id"]!));
        var after = await ReadAsync(await bAdmin.GetAsync($"/api/v1/automation-schedules/{scheduleId}"));
        Assert.Equal("B's", (string?)after["name"]);
        Assert.True((bool)after["is_active"]!);
        Assert.Null(after["last_run_job_id"]);
        Assert.False((bool)(await ReadAsync(await bAdmin.GetAsync("/api/v1/notifications?limit=100")))["notifications"]!.AsArray().Single(n => (string)n!["id"]! == notificationId)!["is_read"]!);
        Assert.Equal("Globex", (string?)(await ReadAsync(await bAdmin.GetAsync($"/api/v1/clients/{clientId}")))["name"]);
        Assert.Equal("Zoe", (string?)(await ReadAsync(await bAdmin.GetAsync($"/api/v1/users/{userId}")))["name"]);
        Assert.Equal(prefsId, (string?)(await ReadAsync(await bAdmin.GetAsync($"/api/v1/user-preferences/{userId}")))["id"]);
    }
}
