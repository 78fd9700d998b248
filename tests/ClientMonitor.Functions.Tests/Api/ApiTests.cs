using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClientMonitor.Application.Api;
using ClientMonitor.Application.Scheduling;
using ClientMonitor.Application.Triggers;
using ClientMonitor.Functions.Tests.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace ClientMonitor.Functions.Tests.Api;

/// <summary>One worker for the API tests; each test seeds its own business (amy: admin, bob: member).</summary>
public sealed class ApiFixture : IAsyncLifetime
{
    internal PipelineWorker Worker { get; private set; } = null!;

    public async Task InitializeAsync() => Worker = await PipelineWorker.StartAsync(new Dictionary<string, string?> { ["Providers:UseMocks"] = "true" });

    public async Task DisposeAsync() => await Worker.DisposeAsync();
}

/// <summary>The management API through the real HTTP pipeline: authentication, validation, every endpoint's success path.</summary>
public sealed class ApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private PipelineWorker Worker => fixture.Worker;

    private async Task<(string Business, HttpClient Admin, HttpClient Member)> BusinessAsync(int clients = 2)
    {
        var business = await Worker.SeedAsync(clients);
        return (business, Worker.CreateClient().As("amy", business, "admin"), Worker.CreateClient().As("bob", business, "member"));
    }

    private static async Task<JsonObject> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text) as JsonObject ?? [];
    }

    /// <summary>Asserts an RFC 7807 problem with <paramref name="status"/>, naming <paramref name="field"/> if given.</summary>
    private static async Task<JsonObject> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await JsonAsync(response, status);
        Assert.Equal((int)status, (int)problem["status"]!);
        Assert.False(string.IsNullOrEmpty((string?)problem["title"]));
        if (field is not null)
        {
            var errors = problem["errors"]!.AsObject();
            Assert.True(errors.ContainsKey(field), $"Expected an error for '{field}', got: {problem.ToJsonString()}");
        }

        return problem;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static readonly string DailySchedule = """{"name":"Morning","schedule_type":"daily","hour_of_day":9,"time_zone":"Europe/London","config":{"force_mock":true}}""";

    [Fact]
    public async Task WithoutAValidToken_Every_Endpoint_Answers401()
    {
        var anonymous = Worker.CreateClient();
        var forged = Worker.CreateClient();
        forged.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", ApiAuth.MintDevelopmentToken(new() { SigningKey = ApiAuth.NewDevelopmentKey() }, "amy", "biz", "admin", TimeProvider.System.GetUtcNow(), TimeSpan.FromHours(1)));
        var expired = Worker.CreateClient();
        expired.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestAuth.Token("amy", "biz", "admin", TimeSpan.FromMinutes(5), TimeProvider.System.GetUtcNow().AddHours(-1)));

        foreach (var client in new[] { anonymous, forged, expired })
        {
            foreach (var path in new[] { "/api/v1/user-preferences/me", "/api/v1/automation-schedules/", "/api/v1/clients", "/api/v1/events", "/api/v1/scheduler/status" })
            {
                await ProblemAsync(await client.GetAsync(path), HttpStatusCode.Unauthorized);
            }
        }
    }

    [Fact]
    public async Task OpenApiDocument_IsPublic_AndListsTheEndpoints()
    {
        var document = await JsonAsync(await Worker.CreateClient().GetAsync("/api/v1/openapi.json"), HttpStatusCode.OK);

        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/api/v1/automation-schedules/{scheduleId}/trigger", paths);
        Assert.Contains("/api/v1/user-preferences/me", paths);
        Assert.Contains("/api/v1/monitoring-jobs/execute", paths);
    }

    [Fact]
    public async Task Preferences_Me_DefaultsThenPartialUpdate_WithETags()
    {
        var (business, _, member) = await BusinessAsync();

        // bob's seeded preferences exist; a user without any gets the defaults created on first read.
        await Worker.Stores.Preferences.DeleteAsync(business, "bob", null, CancellationToken.None);
        var first = await member.GetAsync("/api/v1/user-preferences/me");
        var defaults = await JsonAsync(first, HttpStatusCode.OK);
        Assert.Equal(0.7, (double)defaults["relevance_threshold"]!);
        Assert.Equal("instant", (string?)defaults["notification_frequency"]);
        Assert.Equal("09:00:00", (string?)defaults["digest_time"]);
        Assert.Equal(business, (string?)defaults["business_id"]);
        var etag = first.Headers.ETag!.Tag;

        using var put = new HttpRequestMessage(HttpMethod.Put, "/api/v1/user-preferences/me") { Content = Json("""{"relevance_threshold":0.8,"notification_categories":["risk","expansion"],"notification_frequency":"daily","digest_time":"10:00:00"}""") };
        put.Headers.IfMatch.Add(new EntityTagHeaderValue(etag));
        var updated = await JsonAsync(await member.SendAsync(put), HttpStatusCode.OK);
        Assert.Equal(0.8, (double)updated["relevance_threshold"]!);
        Assert.Equal("daily", (string?)updated["notification_frequency"]);
        Assert.Equal(["risk", "expansion"], updated["notification_categories"]!.AsArray().Select(c => (string)c!));
        Assert.True((bool)updated["notification_enabled"]!); // untouched

        using var stale = new HttpRequestMessage(HttpMethod.Put, "/api/v1/user-preferences/me") { Content = Json("""{"relevance_threshold":0.5}""") };
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue(etag));
        await ProblemAsync(await member.SendAsync(stale), HttpStatusCode.PreconditionFailed);
    }

    [Fact]
    public async Task Preferences_BadInput_IsRejectedNamingTheField()
    {
        var (_, _, member) = await BusinessAsync();

        await ProblemAsync(await member.PutAsync("/api/v1/user-preferences/me", Json("""{"relevance_threshold":1.5}""")), HttpStatusCode.UnprocessableEntity, "relevance_threshold");
        await ProblemAsync(await member.PutAsync("/api/v1/user-preferences/me", Json("""{"relevance_treshold":0.5}""")), HttpStatusCode.UnprocessableEntity, "relevance_treshold");
        var category = await ProblemAsync(await member.PutAsync("/api/v1/user-preferences/me", Json("""{"notification_categories":["gossip"]}""")), HttpStatusCode.UnprocessableEntity, "notification_categories[0]");
        var message = (string)category["errors"]!["notification_categories[0]"]![0]!;
        Assert.Contains("leadership_change", message, StringComparison.Ordinal);
        Assert.DoesNotContain("ClientMonitor", message, StringComparison.Ordinal);
        await ProblemAsync(await member.PutAsync("/api/v1/user-preferences/me", Json("""{"digest_day_of_week":7}""")), HttpStatusCode.UnprocessableEntity, "digest_day_of_week");
        await ProblemAsync(await member.PutAsync("/api/v1/user-preferences/me", Json("""{"notification_enabled":null}""")), HttpStatusCode.UnprocessableEntity, "notification_enabled");
        await ProblemAsync(await member.PutAsync("/api/v1/user-preferences/me", Json("""{"relevance_threshold": """)), HttpStatusCode.BadRequest);
        await ProblemAsync(await member.PutAsync("/api/v1/user-preferences/me", Json("[1,2]")), HttpStatusCode.BadRequest);
        var huge = """{"digest_time":"09:00:00","x":" """ + new string('a', 70_000) + "\"}";
        await ProblemAsync(await member.PutAsync("/api/v1/user-preferences/me", Json(huge)), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Preferences_OfOthers_AreForAdmins()
    {
        var (business, admin, member) = await BusinessAsync();
        await Worker.Stores.Tenants.UpsertUserAsync(new("cara", business, "cara@test.example", "Cara", Core.Tenancy.UserRole.Member, "UTC"), CancellationToken.None);

        await ProblemAsync(await member.GetAsync("/api/v1/user-preferences/amy"), HttpStatusCode.Forbidden);
        Assert.Equal("bob", (string?)(await JsonAsync(await admin.GetAsync("/api/v1/user-preferences/bob"), HttpStatusCode.OK))["user_id"]);
        await ProblemAsync(await admin.GetAsync("/api/v1/user-preferences/nobody"), HttpStatusCode.NotFound);

        await ProblemAsync(await member.PostAsync("/api/v1/user-preferences/", Json("""{"user_id":"cara"}""")), HttpStatusCode.Forbidden);
        var created = await JsonAsync(await admin.PostAsync("/api/v1/user-preferences/", Json("""{"user_id":"cara","relevance_threshold":0.9}""")), HttpStatusCode.Created);
        Assert.Equal(0.9, (double)created["relevance_threshold"]!);
        await ProblemAsync(await admin.PostAsync("/api/v1/user-preferences/", Json("""{"user_id":"cara"}""")), HttpStatusCode.Conflict);
        await ProblemAsync(await admin.PostAsync("/api/v1/user-preferences/", Json("""{"user_id":"ghost"}""")), HttpStatusCode.UnprocessableEntity, "user_id");

        await ProblemAsync(await member.DeleteAsync($"/api/v1/user-preferences/{created["id"]}"), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/user-preferences/{created["id"]}")).StatusCode);
        await ProblemAsync(await admin.DeleteAsync($"/api/v1/user-preferences/{created["id"]}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Schedules_Crud_Activate_Trigger()
    {
        var (_, admin, member) = await BusinessAsync();

        var createdResponse = await member.PostAsync("/api/v1/automation-schedules/", Json(DailySchedule));
        var created = await JsonAsync(createdResponse, HttpStatusCode.Created);
        var id = (string)created["id"]!;
        Assert.Equal("bob", (string?)created["created_by_user_id"]);
        Assert.Equal("client_monitoring", (string?)created["job_type"]);
        Assert.True((bool)created["is_active"]!);
        var next = DateTimeOffset.Parse((string)created["next_run_at"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0, next.Minute);
        Assert.True(next.Hour is 8 or 9, "09:00 in London is 08:00 or 09:00 UTC");

        var got = await member.GetAsync($"/api/v1/automation-schedules/{id}");
        Assert.Equal("Morning", (string?)(await JsonAsync(got, HttpStatusCode.OK))["name"]);

        using var update = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/automation-schedules/{id}") { Content = Json("""{"schedule_type":"custom","cron_expression":"30 7 * * 1-5","hour_of_day":null}""") };
        update.Headers.IfMatch.Add(got.Headers.ETag!);
        var updated = await JsonAsync(await member.SendAsync(update), HttpStatusCode.OK);
        Assert.Equal("custom", (string?)updated["schedule_type"]);
        Assert.Equal("Morning", (string?)updated["name"]);
        Assert.Equal(30, DateTimeOffset.Parse((string)updated["next_run_at"]!, System.Globalization.CultureInfo.InvariantCulture).Minute);

        using var stale = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/automation-schedules/{id}") { Content = Json("""{"name":"Renamed"}""") };
        stale.Headers.IfMatch.Add(got.Headers.ETag!);
        await ProblemAsync(await member.SendAsync(stale), HttpStatusCode.PreconditionFailed);

        var deactivated = await JsonAsync(await member.PostAsync($"/api/v1/automation-schedules/{id}/deactivate", null), HttpStatusCode.OK);
        Assert.False((bool)deactivated["is_active"]!);
        Assert.Null(deactivated["next_run_at"]);
        Assert.NotNull((await JsonAsync(await member.PostAsync($"/api/v1/automation-schedules/{id}/activate", null), HttpStatusCode.OK))["next_run_at"]);

        var trigger = await JsonAsync(await member.PostAsync($"/api/v1/automation-schedules/{id}/trigger", null), HttpStatusCode.Accepted);
        Assert.Equal(2, (int)trigger["clients_total"]!);
        await ProblemAsync(await member.PostAsync($"/api/v1/automation-schedules/{id}/trigger", null), HttpStatusCode.Conflict);
        Assert.Equal(id, (string?)(await JsonAsync(await member.GetAsync($"/api/v1/job-runs/{trigger["job_run_id"]}"), HttpStatusCode.OK))["schedule_id"]);

        // amy (admin) may delete bob's schedule; bob may not delete amy's.
        var amys = (string)(await JsonAsync(await admin.PostAsync("/api/v1/automation-schedules/", Json(DailySchedule)), HttpStatusCode.Created))["id"]!;
        await ProblemAsync(await member.DeleteAsync($"/api/v1/automation-schedules/{amys}"), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/automation-schedules/{id}")).StatusCode);
        await ProblemAsync(await member.GetAsync($"/api/v1/automation-schedules/{id}"), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("""{"name":"x","schedule_type":"custom","cron_expression":"61 * * * *"}""", "cron_expression")]
    [InlineData("""{"name":"x","schedule_type":"custom","cron_expression":"0 9 * *"}""", "cron_expression")]
    [InlineData("""{"name":"x","schedule_type":"daily","hour_of_day":9,"time_zone":"Mars/Base"}""", "time_zone")]
    [InlineData("""{"name":"x","schedule_type":"daily","hour_of_day":24}""", "hour_of_day")]
    [InlineData("""{"name":"x","schedule_type":"weekly","hour_of_day":9}""", "day_of_week")]
    [InlineData("""{"name":"x","schedule_type":"monthly","hour_of_day":9,"day_of_month":32}""", "day_of_month")]
    [InlineData("""{"name":"x","schedule_type":"fortnightly"}""", "schedule_type")]
    [InlineData("""{"name":"x"}""", "schedule_type")]
    [InlineData("""{"schedule_type":"manual"}""", "name")]
    [InlineData("""{"name":"x","schedule_type":"manual","client_ids":["nope"]}""", "client_ids")]
    [InlineData("""{"name":"x","schedule_type":"manual","config":{"force_mock":true,"turbo":1}}""", "config.turbo")]
    [InlineData("""{"name":"x","schedule_type":"manual","config":{"timeout_minutes":0}}""", "config.timeout_minutes")]
    [InlineData("""{"name":"x","schedule_type":"manual","job_type":"notification_digest"}""", "job_type")]
    [InlineData("""{"name":"x","schedule_type":"manual","business_id":"someone-else"}""", "business_id")]
    [InlineData("""{"name":"x","schedule_type":"manual","hour_of_day":"nine"}""", "hour_of_day")]
    public async Task Schedules_InvalidValues_Are422NamingTheField(string body, string field)
    {
        var (_, _, member) = await BusinessAsync();

        await ProblemAsync(await member.PostAsync("/api/v1/automation-schedules/", Json(body)), HttpStatusCode.UnprocessableEntity, field);
    }

    [Fact]
    public async Task Schedules_List_FiltersAndPages()
    {
        var (_, admin, _) = await BusinessAsync();
        for (var i = 0; i < 3; i++)
        {
            await JsonAsync(await admin.PostAsync("/api/v1/automation-schedules/", Json(DailySchedule)), HttpStatusCode.Created);
        }

        await JsonAsync(await admin.PostAsync("/api/v1/automation-schedules/", Json("""{"name":"Search","schedule_type":"hourly","job_type":"search_only","is_active":false}""")), HttpStatusCode.Created);

        var page = await JsonAsync(await admin.GetAsync("/api/v1/automation-schedules/?skip=1&limit=2"), HttpStatusCode.OK);
        Assert.Equal(4, (int)page["total"]!);
        Assert.Equal(2, page["schedules"]!.AsArray().Count);
        Assert.Equal(1, (int)page["skip"]!);
        Assert.Equal(50, (int)(await JsonAsync(await admin.GetAsync("/api/v1/automation-schedules/"), HttpStatusCode.OK))["limit"]!);
        Assert.Equal(1, (int)(await JsonAsync(await admin.GetAsync("/api/v1/automation-schedules/?is_active=false"), HttpStatusCode.OK))["total"]!);
        Assert.Equal(3, (int)(await JsonAsync(await admin.GetAsync("/api/v1/automation-schedules/?job_type=client_monitoring"), HttpStatusCode.OK))["total"]!);
        Assert.Equal(100, (int)(await JsonAsync(await admin.GetAsync("/api/v1/automation-schedules/?limit=100"), HttpStatusCode.OK))["limit"]!);

        await ProblemAsync(await admin.GetAsync("/api/v1/automation-schedules/?limit=101"), HttpStatusCode.UnprocessableEntity, "limit");
        await ProblemAsync(await admin.GetAsync("/api/v1/automation-schedules/?limit=0"), HttpStatusCode.UnprocessableEntity, "limit");
        await ProblemAsync(await admin.GetAsync("/api/v1/automation-schedules/?skip=-1"), HttpStatusCode.UnprocessableEntity, "skip");
        await ProblemAsync(await admin.GetAsync("/api/v1/automation-schedules/?is_active=maybe"), HttpStatusCode.UnprocessableEntity, "is_active");
        await ProblemAsync(await admin.GetAsync("/api/v1/automation-schedules/?job_type=digest"), HttpStatusCode.UnprocessableEntity, "job_type");
    }

    [Fact]
    public async Task Schedules_Bulk_IsForAdmins()
    {
        var (_, admin, member) = await BusinessAsync();
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            ids.Add((string)(await JsonAsync(await member.PostAsync("/api/v1/automation-schedules/", Json(DailySchedule)), HttpStatusCode.Created))["id"]!);
        }

        var body = JsonSerializer.Serialize(new { schedule_ids = ids.Append("missing") });
        await ProblemAsync(await member.PostAsync("/api/v1/automation-schedules/bulk/deactivate", Json(body)), HttpStatusCode.Forbidden);

        var result = await JsonAsync(await admin.PostAsync("/api/v1/automation-schedules/bulk/deactivate", Json(body)), HttpStatusCode.OK);
        Assert.Equal(ids, result["succeeded"]!.AsArray().Select(x => (string)x!));
        Assert.Equal(["missing"], result["not_found"]!.AsArray().Select(x => (string)x!));
        Assert.Equal(2, (int)(await JsonAsync(await admin.GetAsync("/api/v1/automation-schedules/?is_active=false"), HttpStatusCode.OK))["total"]!);
        await JsonAsync(await admin.PostAsync("/api/v1/automation-schedules/bulk/activate", Json(body)), HttpStatusCode.OK);
        await JsonAsync(await admin.PostAsync("/api/v1/automation-schedules/bulk/delete", Json(body)), HttpStatusCode.OK);
        Assert.Equal(0, (int)(await JsonAsync(await admin.GetAsync("/api/v1/automation-schedules/"), HttpStatusCode.OK))["total"]!);
        await ProblemAsync(await admin.PostAsync("/api/v1/automation-schedules/bulk/delete", Json("""{"schedule_ids":[]}""")), HttpStatusCode.UnprocessableEntity, "schedule_ids");
    }

    [Fact]
    public async Task Clients_Crud()
    {
        var (_, admin, member) = await BusinessAsync(0);

        await ProblemAsync(await member.PostAsync("/api/v1/clients", Json("""{"name":"Contoso"}""")), HttpStatusCode.Forbidden);
        await ProblemAsync(await admin.PostAsync("/api/v1/clients", Json("""{"name":"Contoso","domain":"https://contoso.com/"}""")), HttpStatusCode.UnprocessableEntity, "domain");
        await ProblemAsync(await admin.PostAsync("/api/v1/clients", Json("""{"name":"Contoso","assigned_user_ids":["zed"]}""")), HttpStatusCode.UnprocessableEntity, "assigned_user_ids");
        var created = await JsonAsync(await admin.PostAsync("/api/v1/clients", Json("""{"name":"Contoso","domain":"contoso.com","keywords":["Contoso Cloud"],"assigned_user_ids":["bob"]}""")), HttpStatusCode.Created);
        var id = (string)created["id"]!;

        var list = await JsonAsync(await member.GetAsync("/api/v1/clients"), HttpStatusCode.OK);
        Assert.Equal(1, (int)list["total"]!);
        var updated = await JsonAsync(await admin.PutAsync($"/api/v1/clients/{id}", Json("""{"industry":"software","is_active":false}""")), HttpStatusCode.OK);
        Assert.Equal("software", (string?)updated["industry"]);
        Assert.Equal("contoso.com", (string?)updated["domain"]);
        Assert.False((bool)updated["is_active"]!);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/clients/{id}")).StatusCode);
        await ProblemAsync(await member.GetAsync($"/api/v1/clients/{id}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task MonitoringJob_Execute_ThenRunEventsAndNotifications()
    {
        var (_, admin, member) = await BusinessAsync(2);

        var started = await JsonAsync(await member.PostAsync("/api/v1/monitoring-jobs/execute", Json("""{"force_mock":true}""")), HttpStatusCode.Accepted);
        var runId = (string)started["id"]!;
        Assert.Equal("running", (string?)started["status"]);
        await Worker.WaitForOrchestrationAsync(runId);

        var run = await JsonAsync(await member.GetAsync($"/api/v1/job-runs/{runId}"), HttpStatusCode.OK);
        Assert.Equal("completed", (string?)run["status"]);
        Assert.Equal("Completed", (string?)run["orchestration_status"]);
        Assert.Equal(2, run["client_runs"]!.AsArray().Count);
        var recent = await JsonAsync(await member.GetAsync("/api/v1/scheduler/jobs/recent?limit=5"), HttpStatusCode.OK);
        Assert.Equal(runId, (string?)recent["jobs"]![0]!["id"]);

        var events = await JsonAsync(await member.GetAsync("/api/v1/events?limit=100"), HttpStatusCode.OK);
        Assert.True((int)events["total"]! > 0);
        var first = events["events"]![0]!;
        Assert.Equal((string?)first["id"], (string?)(await JsonAsync(await member.GetAsync($"/api/v1/events/{first["id"]}"), HttpStatusCode.OK))["id"]);
        var category = (string)first["category"]!;
        var filtered = await JsonAsync(await member.GetAsync($"/api/v1/events?category={category}"), HttpStatusCode.OK);
        Assert.All(filtered["events"]!.AsArray(), e => Assert.Equal(category, (string?)e!["category"]));
        await ProblemAsync(await member.GetAsync("/api/v1/events?category=gossip"), HttpStatusCode.UnprocessableEntity, "category");
        await ProblemAsync(await member.GetAsync("/api/v1/events?min_relevance=2"), HttpStatusCode.UnprocessableEntity, "min_relevance");

        // amy's threshold is 0: she has notifications; reading one marks it read.
        var notifications = await JsonAsync(await admin.GetAsync("/api/v1/notifications?unread_only=true"), HttpStatusCode.OK);
        var unread = (int)notifications["total"]!;
        Assert.True(unread > 0);
        var notificationId = (string)notifications["notifications"]![0]!["id"]!;
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/v1/notifications/{notificationId}/read", null)).StatusCode);
        Assert.Equal(unread - 1, (int)(await JsonAsync(await admin.GetAsync("/api/v1/notifications?unread_only=true"), HttpStatusCode.OK))["total"]!);
        // bob cannot mark amy's notification.
        await ProblemAsync(await member.PostAsync($"/api/v1/notifications/{notificationId}/read", null), HttpStatusCode.NotFound);

        var single = await JsonAsync(await member.PostAsync("/api/v1/monitoring-jobs/execute-for-client/client-001", null), HttpStatusCode.Accepted);
        Assert.Equal(1, (int)single["clients_total"]!);
        Assert.True((bool)(await JsonAsync(await member.PostAsync("/api/v1/monitoring-jobs/test", null), HttpStatusCode.Accepted))["force_mock"]!);
        await ProblemAsync(await member.PostAsync("/api/v1/monitoring-jobs/execute-for-client/nope", null), HttpStatusCode.NotFound);
        await ProblemAsync(await member.PostAsync("/api/v1/monitoring-jobs/execute", Json("""{"client_ids":["nope"]}""")), HttpStatusCode.UnprocessableEntity, "client_ids");
        await ProblemAsync(await member.GetAsync("/api/v1/job-runs/not-a-run-id"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task SchedulerStatus_ReportsTheLastTick_AndTheBusinessesNextRuns()
    {
        var (_, _, member) = await BusinessAsync();
        var id = (string)(await JsonAsync(await member.PostAsync("/api/v1/automation-schedules/", Json(DailySchedule)), HttpStatusCode.Created))["id"]!;

        var tick = Worker.Services.GetRequiredService<ScheduleTickHandler>();
        await tick.RunAsync(new TimerInvocation("ScheduleTick", TimeProvider.System.GetUtcNow().AddSeconds(-1), false), Worker.Launcher, CancellationToken.None);
        var status = await JsonAsync(await member.GetAsync("/api/v1/scheduler/status"), HttpStatusCode.OK);

        Assert.True((bool)status["running"]!);
        Assert.Equal(1, (int)status["total_jobs"]!);
        Assert.Equal(id, (string?)status["jobs"]![0]!["id"]);
        Assert.NotNull(status["jobs"]![0]!["next_run"]);
        Assert.True((double)status["tick_lag_seconds"]! >= 0);
    }

    [Fact]
    public async Task Onboarding_ByAnOperator_ThenTheAdminAddsAUser()
    {
        var operatorClient = Worker.CreateClient().As("ops-1", null, "operator");
        var (_, admin, _) = await BusinessAsync(0);

        await ProblemAsync(await admin.PostAsync("/api/v1/businesses", Json("""{"name":"Acme","admin":{"email":"a@acme.example","name":"A"}}""")), HttpStatusCode.Forbidden);
        await ProblemAsync(await operatorClient.PostAsync("/api/v1/businesses", Json("""{"name":"Acme","admin":{"email":"not-an-email","name":"A"}}""")), HttpStatusCode.UnprocessableEntity, "admin.email");
        var onboarded = await JsonAsync(await operatorClient.PostAsync("/api/v1/businesses", Json("""{"name":"Acme","admin":{"email":"a@acme.example","name":"A","time_zone":"Europe/Paris"}}""")), HttpStatusCode.Created);
        var business = (string)onboarded["business"]!["id"]!;
        var adminId = (string)onboarded["admin"]!["id"]!;
        Assert.Equal("admin", (string?)onboarded["admin"]!["role"]);

        var acme = Worker.CreateClient().As(adminId, business, "admin");
        Assert.Equal("Acme", (string?)(await JsonAsync(await acme.GetAsync("/api/v1/businesses/me"), HttpStatusCode.OK))["name"]);
        var user = await JsonAsync(await acme.PostAsync("/api/v1/users", Json("""{"email":"m@acme.example","name":"M","time_zone":"America/New_York"}""")), HttpStatusCode.Created);
        Assert.Equal("member", (string?)user["role"]);
        await ProblemAsync(await acme.PostAsync("/api/v1/users", Json("""{"email":"m@acme.example","name":"M2"}""")), HttpStatusCode.Conflict);
        await ProblemAsync(await acme.PostAsync("/api/v1/users", Json("""{"email":"x@acme.example","name":"X","time_zone":"Eastern Standard Time"}""")), HttpStatusCode.UnprocessableEntity, "time_zone");
        var users = await JsonAsync(await acme.GetAsync("/api/v1/users"), HttpStatusCode.OK);
        Assert.Equal(["a@acme.example", "m@acme.example"], users["users"]!.AsArray().Select(u => (string)u!["email"]!));
        Assert.Equal((2, 0, 50), ((int)users["total"]!, (int)users["skip"]!, (int)users["limit"]!));
        var second = await JsonAsync(await acme.GetAsync("/api/v1/users?skip=1&limit=1"), HttpStatusCode.OK);
        Assert.Equal(["m@acme.example"], second["users"]!.AsArray().Select(u => (string)u!["email"]!));

        var memberClient = Worker.CreateClient().As((string)user["id"]!, business, "member");
        await ProblemAsync(await memberClient.PutAsync($"/api/v1/users/{user["id"]}", Json("""{"role":"admin"}""")), HttpStatusCode.Forbidden);
        Assert.Equal("Mo", (string?)(await JsonAsync(await memberClient.PutAsync($"/api/v1/users/{user["id"]}", Json("""{"name":"Mo"}""")), HttpStatusCode.OK))["name"]);
        Assert.Equal(HttpStatusCode.NoContent, (await acme.DeleteAsync($"/api/v1/users/{user["id"]}")).StatusCode);
    }
}
