using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClientMonitor.Application.Api;
using ClientMonitor.Functions.Tests.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace ClientMonitor.Functions.Tests.Api;

/// <summary>
/// The fuzz test's worker: the API's own, with the per-caller rate limit raised out of the way (it has a test of its
/// own; here it would turn most of the budget into 429s) and the host's error logs kept, so a 500 comes with the
/// exception behind it.
/// </summary>
public sealed class ApiFuzzFixture : IAsyncLifetime
{
    internal PipelineWorker Worker { get; private set; } = null!;

    internal ErrorLog Errors { get; } = new();

    public async Task InitializeAsync() => Worker = await PipelineWorker.StartAsync(
        new Dictionary<string, string?> { ["Providers:UseMocks"] = "true", ["Api:RateLimit:PermitsPerMinute"] = "1000000" },
        services => services.AddSingleton<ILoggerProvider>(Errors));

    public async Task DisposeAsync() => await Worker.DisposeAsync();
}

/// <summary>
/// Every operation the OpenAPI document lists, called with hostile input generated from a fixed seed: wrong JSON types,
/// nulls, odd Unicode, malformed, deep and huge bodies, wrong content types, route values that cannot be ids, bad
/// query values and headers, and callers who should be refused. Proves no answer is a server error and every 4xx is
/// problem details (<c>application/problem+json</c> with <c>status</c> and <c>title</c>). An operation added to the
/// API is fuzzed without anyone listing it here. <c>CLIENTMONITOR_FUZZ_REQUESTS</c> (default 2,000) and
/// <c>CLIENTMONITOR_FUZZ_SEED</c> set the budget and the seed.
/// </summary>
public sealed class ApiFuzzTests(ApiFuzzFixture fixture, ITestOutputHelper output) : IClassFixture<ApiFuzzFixture>
{
    private const int DefaultRequests = 2_000;
    private const int DefaultSeed = 20_261_122;

    private PipelineWorker Worker => fixture.Worker;

    [Fact]
    public async Task EveryDocumentedOperation_AnswersHostileRequests_Below500_WithProblemDetails()
    {
        var seed = Setting("CLIENTMONITOR_FUZZ_SEED", DefaultSeed);
        var budget = Setting("CLIENTMONITOR_FUZZ_REQUESTS", DefaultRequests);
        using var http = Worker.CreateClient();
        http.Timeout = TimeSpan.FromSeconds(60);
        var document = JsonNode.Parse(await http.GetStringAsync("/api/v1/openapi.json"))!;
        var operations = ApiOperation.ReadAll(document);
        Assert.NotEmpty(operations);

        var session = new FuzzSession(http, fixture.Errors, seed);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < operations.Count; i++)
        {
            var share = (budget / operations.Count) + (i < budget % operations.Count ? 1 : 0);
            await FuzzAsync(session, operations, operations[i], new Random(unchecked(seed + (i * 7_919))), share);
        }

        clock.Stop();
        output.WriteLine($"seed {seed}: {session.Sent} requests over {operations.Count} operations in {clock.Elapsed.TotalSeconds:F1} s");
        output.WriteLine("status histogram: " + string.Join(", ", session.Histogram.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{h.Key}: {h.Value}")));
        output.WriteLine("by kind of input: " + string.Join(", ", session.Kinds.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{h.Key}: {h.Value}")));
        foreach (var finding in session.Findings.Take(300))
        {
            output.WriteLine($"FINDING {finding.Problem}: {finding.Status} {finding.Request.Method} {Excerpt(finding.Target, 200)} [{finding.Request.Kind}]");
        }

        Assert.True(session.Findings.Count == 0, session.Report());
    }

    private async Task FuzzAsync(FuzzSession session, IReadOnlyList<ApiOperation> all, ApiOperation operation, Random random, int share)
    {
        // A business of its own per operation, with a run's events and notifications: deletes and updates happen, and spoil nothing else.
        var business = await Worker.SeedAsync(2);
        await Worker.RunJobAsync(business);
        var callers = new Callers(business);
        var end = session.Sent + share;

        var known = await HarvestAsync(session, all, operation, callers.Admin, end);
        var plan = new CasePlan(all, operation, known, session.Seen.Fields, session.Decks, callers, random);
        if (session.Sent >= end)
        {
            return;
        }

        // Whoever the operation is for: an admin of the business, or an operator for the operations admins may not call.
        var probe = await session.SendAsync(operation, plan.Baseline("probe"));
        if (probe.Status is 401 or 403 && session.Sent < end)
        {
            var asOperator = await session.SendAsync(operation, plan.Baseline("probe") with { Caller = callers.Operator });
            if (asOperator.Status is not (401 or 403))
            {
                plan.Primary = callers.Operator;
            }
        }

        foreach (var (field, _) in (probe.Json as JsonObject)?["errors"] as JsonObject ?? [])
        {
            known.AddField(field.Split('.', '[')[0], "any");
        }

        while (session.Sent < end)
        {
            await session.SendAsync(operation, plan.Next());
        }

        var ids = string.Join(", ", operation.PathParameters.Select(p => $"{p}: {known.IdsFor(p).Count}"));
        output.WriteLine($"{operation}: {share} requests as {plan.Primary.Name}; {known.Fields.Count} body fields known{(ids.Length > 0 ? "; ids " + ids : string.Empty)}");
    }

    /// <summary>
    /// Ids and field names the API itself shows: the operation's resource and the collections its route values name
    /// (<c>{userId}</c>: a GET whose path says <c>user</c>; <c>{jobRunId}</c>: <c>job-run</c>, or else <c>job</c>), read as
    /// the admin. Each read counts against the budget and is checked like every other request. Every property seen
    /// also goes to the session's fields, for operations whose own resource shows none.
    /// </summary>
    private static async Task<Known> HarvestAsync(FuzzSession session, IReadOnlyList<ApiOperation> all, ApiOperation operation, Caller admin, int end)
    {
        var known = new Known();
        foreach (var field in operation.BodyFields)
        {
            known.AddField(field.Name, field.Kind, field.Schema);
        }

        var stems = operation.PathParameters.ToDictionary(p => p, Stem, StringComparer.Ordinal);
        var reads = all.Where(o => o.Method == "GET" && o.PathParameters.Count == 0)
            .Where(o => o.Resource == operation.Resource || stems.Values.Any(s => Names(o.Path, s)))
            .Select(o => o.Path)
            .Distinct(StringComparer.Ordinal)
            .Take(5);
        foreach (var path in reads)
        {
            if (session.Sent >= end)
            {
                break;
            }

            var read = await session.SendAsync(operation, new FuzzRequest("harvest", admin, "GET", path, [], null, null, true));
            if (read.Json is null)
            {
                continue;
            }

            foreach (var (parameter, stem) in stems)
            {
                var snake = JsonNamingPolicy.SnakeCaseLower.ConvertName(parameter);
                known.AddIds(parameter, Values(read.Json, key => (key == "id" && Names(path, stem)) || key == snake));
            }

            foreach (var (name, kind) in Properties(read.Json))
            {
                session.Seen.AddField(name, kind);
                if (path.StartsWith(operation.Resource, StringComparison.Ordinal))
                {
                    known.AddField(name, kind);
                }
            }
        }

        return known;
    }

    private static bool Names(string path, string stem)
        => stem.Length > 0 && (path.Contains(stem, StringComparison.Ordinal) || path.Contains(stem.Split('-')[0], StringComparison.Ordinal));

    /// <summary><c>jobRunId</c> → <c>job-run</c>, <c>alertKey</c> → <c>alert</c>.</summary>
    private static string Stem(string parameter)
    {
        var name = parameter.EndsWith("Id", StringComparison.Ordinal) ? parameter[..^2]
            : parameter.EndsWith("Key", StringComparison.Ordinal) ? parameter[..^3]
            : parameter;
        return JsonNamingPolicy.KebabCaseLower.ConvertName(name);
    }

    private static IEnumerable<string> Values(JsonNode? node, Func<string, bool> key) => node switch
    {
        JsonObject obj => obj.SelectMany(p => p.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String && key(p.Key) ? [(string)v!] : Values(p.Value, key)),
        JsonArray array => array.SelectMany(item => Values(item, key)),
        _ => [],
    };

    private static IEnumerable<(string Name, string Kind)> Properties(JsonNode? node) => node switch
    {
        JsonObject obj => obj.SelectMany(p => Properties(p.Value).Prepend((p.Key, p.Value?.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Array => "array",
            JsonValueKind.Object => "object",
            _ => "any",
        }))),
        JsonArray array => array.SelectMany(Properties),
        _ => [],
    };

    private static int Setting(string name, int fallback)
        => int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    /// <summary>Printable ASCII as it is, everything else as <c>\uXXXX</c>; cut at <paramref name="max"/> characters.</summary>
    internal static string Excerpt(string text, int max)
    {
        var builder = new StringBuilder();
        foreach (var c in text.Length > max ? text[..max] : text)
        {
            builder.Append(c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:x4}");
        }

        return text.Length > max ? builder.Append(CultureInfo.InvariantCulture, $"… ({text.Length:N0} chars)").ToString() : builder.ToString();
    }
}

/// <summary>A caller: a name for the report and the Authorization header it sends (none: anonymous).</summary>
internal sealed record Caller(string Name, string? Authorization);

/// <summary>The callers of one business: its admin and member, an operator, nobody, and tokens that are wrong in every way a token can be.</summary>
internal sealed class Callers
{
    public Callers(string business)
    {
        var now = TimeProvider.System.GetUtcNow();
        var admin = TestAuth.Token("amy", business, "admin");
        Admin = new("admin", "Bearer " + admin);
        Member = new("member", "Bearer " + TestAuth.Token("bob", business, "member"));
        Operator = new("operator", "Bearer " + TestAuth.Token("ops-fuzz", null, "operator"));
        Others =
        [
            Member, Member, Member, Operator, new("anonymous", null), new("anonymous", null),
            new("bearer without token", "Bearer"),
            new("not a JWT", "Bearer not.a.jwt"),
            new("basic", "Basic YW15OnB3"),
            new("8 KB token", "Bearer " + new string('A', 8 * 1024)),
            new("tampered signature", "Bearer " + admin[..^2] + (admin[^2] == 'A' ? "B" : "A") + admin[^1]),
            new("expired", "Bearer " + TestAuth.Token("amy", business, "admin", TimeSpan.FromMinutes(5), now.AddHours(-1))),
            new("another key", "Bearer " + ApiAuth.MintDevelopmentToken(new() { SigningKey = ApiAuth.NewDevelopmentKey() }, "amy", business, "admin", now, TimeSpan.FromHours(1))),
            new("unknown business", "Bearer " + TestAuth.Token("amy", "no-such-business", "admin")),
            new("unknown role", "Bearer " + TestAuth.Token("amy", business, "root")),
            new("member claiming admin", "Bearer " + TestAuth.Token("bob", business, "admin")),
            new("odd user id", "Bearer " + TestAuth.Token("a/b#\u0001", business, "admin")),
            new("600-char business", "Bearer " + TestAuth.Token("amy", new string('b', 600), "admin")),
            new("quoted business", "Bearer " + TestAuth.Token("amy", business + "' or 1 eq 1", "member")),
            new("operator with a business", "Bearer " + TestAuth.Token("ops-fuzz", business, "operator")),
        ];
    }

    public Caller Admin { get; }

    public Caller Member { get; }

    public Caller Operator { get; }

    /// <summary>Everyone but the admin, the member most often.</summary>
    public IReadOnlyList<Caller> Others { get; }
}

/// <summary>What the fuzzer learned about an operation: ids for its route values, and body fields with their JSON types.</summary>
internal sealed class Known
{
    private readonly Dictionary<string, List<string>> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BodyField> _fields = new(StringComparer.Ordinal);

    public IReadOnlyList<BodyField> Fields => [.. _fields.Values];

    public IReadOnlyList<string> IdsFor(string parameter) => _ids.TryGetValue(parameter, out var ids) ? ids : [];

    public void AddIds(string parameter, IEnumerable<string> ids)
    {
        if (!_ids.TryGetValue(parameter, out var list))
        {
            _ids[parameter] = list = [];
        }

        foreach (var id in ids.Where(id => !list.Contains(id)).Take(8 - list.Count))
        {
            list.Add(id);
        }
    }

    public void AddField(string name, string kind, JsonObject? schema = null)
    {
        if (name.Length > 0 && name != "body")
        {
            _fields.TryAdd(name, new BodyField(name, kind, schema));
        }
    }
}

/// <summary>
/// One request: who sends it, the method and target (route and query already on the wire, escapes included), extra
/// headers, the body and its content type (<c>null</c>: no Content-Type header), and whether its length is declared.
/// </summary>
internal sealed record FuzzRequest(string Kind, Caller Caller, string Method, string Target, IReadOnlyList<(string Name, string Value)> Headers, byte[]? Body, string? ContentType, bool Sized)
{
    public HttpRequestMessage ToMessage(Uri baseAddress)
    {
        var message = new HttpRequestMessage(new HttpMethod(Method), new Uri(baseAddress, Target));
        if (Caller.Authorization is { } authorization)
        {
            message.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (Body is not null)
        {
            message.Content = Sized ? new ByteArrayContent(Body) : new UnsizedContent(Body);
            if (ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            }
        }

        foreach (var (name, value) in Headers)
        {
            if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return message;
    }

    public string Describe(string target)
    {
        var builder = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{Caller.Name} {Method} {ApiFuzzTests.Excerpt(target, 300)}");
        if (target != Target)
        {
            builder.Append(CultureInfo.InvariantCulture, $" (written {ApiFuzzTests.Excerpt(Target, 300)})");
        }

        foreach (var (name, value) in Headers)
        {
            builder.Append(CultureInfo.InvariantCulture, $"\n      {name}: {ApiFuzzTests.Excerpt(value, 120)}");
        }

        if (Body is not null)
        {
            builder.Append(CultureInfo.InvariantCulture, $"\n      body ({ContentType ?? "no Content-Type"}, {Body.Length:N0} bytes{(Sized ? string.Empty : ", chunked")}): ")
                .Append(ApiFuzzTests.Excerpt(Encoding.UTF8.GetString(Body, 0, Math.Min(Body.Length, 600)), 200));
        }

        return builder.ToString();
    }

    /// <summary>A body sent without Content-Length, so the server finds out how big it is by reading.</summary>
    private sealed class UnsizedContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

/// <summary>
/// The requests for one operation: a baseline (valid route values, an empty JSON object for a body, the primary
/// caller) with one thing made hostile, drawn by weight from what the operation has.
/// </summary>
internal sealed class CasePlan(IReadOnlyList<ApiOperation> all, ApiOperation operation, Known known, IReadOnlyList<BodyField> seen, Decks decks, Callers callers, Random random)
{
    private static readonly string[] RouteMethods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];

    public Caller Primary { get; set; } = callers.Admin;

    public FuzzRequest Baseline(string kind)
    {
        var values = operation.PathParameters.ToDictionary(p => p, ValidValue, StringComparer.Ordinal);
        var body = operation.TakesBody ? "{}"u8.ToArray() : null;
        return new FuzzRequest(kind, Primary, operation.Method, Fill(values), [], body, body is null ? null : "application/json", true);
    }

    public FuzzRequest Next()
    {
        var weights = new List<(string Kind, int Weight)>
        {
            ("query", operation.TakesBody ? 8 : 30),
            ("header", 8),
            ("caller", 8),
            ("route", 3),
            ("body", operation.TakesBody ? 20 : 4),
        };
        if (operation.PathParameters.Count > 0)
        {
            weights.Add(("path", operation.TakesBody ? 12 : 35));
        }

        if (operation.TakesBody)
        {
            weights.Add(("content-type", 10));
            if (known.Fields.Count > 0 || seen.Count > 0)
            {
                weights.Add(("body-fields", 30));
            }
        }

        var roll = random.Next(weights.Sum(w => w.Weight));
        var kind = weights.First(w => (roll -= w.Weight) < 0).Kind;
        var request = kind switch
        {
            "path" => HostilePath(),
            "query" => HostileQuery(),
            "header" => HostileHeader(),
            "caller" => Baseline("caller") with { Caller = decks.Draw(callers.Others, random, "callers"), Headers = random.Next(3) == 0 ? [decks.Draw(FuzzInputs.OddHeaders, random)] : [] },
            "route" => HostileRoute(),
            "content-type" => HostileContentType(),
            "body-fields" => Baseline("body-fields") with { Body = Encoding.UTF8.GetBytes(FuzzInputs.BodyOf(Fields(), random)), ContentType = "application/json" },
            _ => HostileBody(),
        };

        return kind != "caller" && random.Next(10) == 0 ? request with { Caller = decks.Draw(callers.Others, random, "callers") } : request;
    }

    /// <summary>The operation's own fields mostly; sometimes (always, when it has none) any field seen so far.</summary>
    private IReadOnlyList<BodyField> Fields() => known.Fields.Count > 0 && (seen.Count == 0 || random.Next(4) > 0) ? known.Fields : seen;

    private string ValidValue(string parameter)
    {
        var ids = known.IdsFor(parameter);
        return ids.Count > 0 && random.Next(4) > 0
            ? Uri.EscapeDataString(FuzzInputs.Pick(random, ids))
            : "fuzz-" + random.Next().ToString("x8", CultureInfo.InvariantCulture);
    }

    private string Fill(IReadOnlyDictionary<string, string> values)
        => values.Aggregate(operation.Path, (path, value) => path.Replace("{" + value.Key + "}", value.Value, StringComparison.Ordinal));

    private FuzzRequest HostilePath()
    {
        var values = operation.PathParameters.ToDictionary(p => p, ValidValue, StringComparer.Ordinal);
        var parameters = operation.PathParameters.Where(_ => random.Next(4) == 0).DefaultIfEmpty(FuzzInputs.Pick(random, operation.PathParameters));
        foreach (var parameter in parameters)
        {
            values[parameter] = decks.Draw(FuzzInputs.PathValues, random);
        }

        return Baseline("path") with { Target = Fill(values) };
    }

    private FuzzRequest HostileQuery()
    {
        var baseline = Baseline("query");
        return baseline with { Target = baseline.Target + "?" + HostileQueryString() };
    }

    private string HostileQueryString()
    {
        var names = operation.QueryParameters.Select(q => q.Name).Concat(FuzzInputs.CommonQueryNames).Distinct(StringComparer.Ordinal).ToList();
        string Pair() => Uri.EscapeDataString(FuzzInputs.Pick(random, names)) + "=" + decks.Draw(FuzzInputs.QueryValues, random);
        var roll = random.Next(10);
        if (roll < 7)
        {
            return string.Join('&', Enumerable.Range(0, random.Next(1, 4)).Select(_ => Pair()));
        }

        var name = Uri.EscapeDataString(FuzzInputs.Pick(random, names));
        return roll switch
        {
            7 => $"{name}=1&{name}={FuzzInputs.Pick(random, FuzzInputs.QueryValues)}&{name}=2",
            8 => random.Next(2) == 0 ? $"{name}={new string('9', 20_000)}" : string.Join('&', Enumerable.Range(0, 1_500).Select(i => $"{name}{i}={i}")),
            _ => FuzzInputs.Pick(random, ["%00=1", "=1", "&&&", "a[b]=1", name + "[]=1", name + "&" + name, "%ED%A0%80=1", name + "=%", "?" + name + "=1", name + "==1"]),
        };
    }

    private FuzzRequest HostileHeader()
    {
        var header = random.Next(2) == 0 ? ("If-Match", decks.Draw(FuzzInputs.IfMatchValues, random)) : decks.Draw(FuzzInputs.OddHeaders, random);
        return Baseline("header") with { Headers = [header] };
    }

    private FuzzRequest HostileRoute()
    {
        var baseline = Baseline("route");
        var documented = all.Where(o => o.Path == operation.Path).Select(o => o.Method).ToHashSet(StringComparer.Ordinal);
        var undocumented = RouteMethods.Where(m => !documented.Contains(m)).ToList();
        return random.Next(5) switch
        {
            0 when undocumented.Count > 0 => baseline with { Method = FuzzInputs.Pick(random, undocumented) },
            1 => baseline with { Target = baseline.Target + "/zz-unknown" },
            2 => baseline with { Target = baseline.Target + "/" },
            3 => baseline with { Target = baseline.Target.ToUpperInvariant() },
            _ => baseline with { Target = baseline.Target.Replace("/v1/", "/v1//", StringComparison.Ordinal) },
        };
    }

    private FuzzRequest HostileContentType()
    {
        var (contentType, body) = decks.Draw(FuzzInputs.ContentTypes, random);
        var bytes = known.Fields.Count > 0 && body == "{}" && random.Next(2) == 0 ? FuzzInputs.BodyOf(known.Fields, random) : body;
        return Baseline("content-type") with { Body = Encoding.UTF8.GetBytes(bytes), ContentType = contentType };
    }

    private FuzzRequest HostileBody()
    {
        var roll = random.Next(100);
        if (roll < 6)
        {
            return Baseline("body") with { Body = FuzzInputs.HugeBody, ContentType = "application/json", Sized = roll < 3 };
        }

        var (_, bytes) = decks.Draw(FuzzInputs.GenericBodies, random);
        var duplicate = known.Fields.Count > 0 && roll < 12
            ? Encoding.UTF8.GetBytes($"{{{FuzzInputs.Name(known.Fields[0].Name)}:null,{FuzzInputs.Name(known.Fields[0].Name)}:null}}")
            : bytes;
        return Baseline("body") with { Body = duplicate, ContentType = "application/json", Sized = random.Next(4) > 0 };
    }
}

/// <summary>
/// Each list of hostile values dealt as a shuffled deck over the whole run: every value is sent before any is sent
/// again, so even the default budget sends each at least once.
/// </summary>
internal sealed class Decks
{
    private readonly Dictionary<object, Queue<int>> _decks = new(ReferenceEqualityComparer.Instance);

    /// <param name="items">The values.</param>
    /// <param name="random">The operation's random source, which shuffles the deck.</param>
    /// <param name="key">What names the deck when the list is made afresh each time (the callers of each business).</param>
    public T Draw<T>(IReadOnlyList<T> items, Random random, string? key = null)
    {
        var name = key ?? (object)items;
        if (!_decks.TryGetValue(name, out var deck) || deck.Count == 0)
        {
            var order = Enumerable.Range(0, items.Count).ToArray();
            random.Shuffle(order);
            _decks[name] = deck = new Queue<int>(order);
        }

        return items[deck.Dequeue()];
    }
}

/// <summary>A response as the fuzzer saw it: the status, and the body when it is JSON.</summary>
internal sealed record FuzzResponse(int Status, JsonNode? Json);

/// <summary>A response that breaks the contract: what was wrong, the request that got it, and what the host logged.</summary>
internal sealed record Finding(string Problem, ApiOperation Operation, FuzzRequest Request, string Target, string Status, string? ContentType, string Response, string? Exception)
{
    /// <summary>Findings of one shape share a cause: the problem, the status, the kind of input, and the exception's type and first frame of ours (or the content type).</summary>
    public string Shape => $"{Problem} | {Status} | {Request.Kind} | {Signature}";

    private string Signature
    {
        get
        {
            if (Exception is null)
            {
                return ContentType ?? "no Content-Type";
            }

            var lines = Exception.Split('\n').Select(l => l.Trim()).ToList();
            var type = lines.Select(l => l.Split(' ')[0]).FirstOrDefault(w => w.EndsWith("Exception:", StringComparison.Ordinal))?.TrimEnd(':') ?? lines[0];
            var frame = lines.FirstOrDefault(l => l.StartsWith("at ClientMonitor.", StringComparison.Ordinal)) ?? string.Empty;
            return type + " " + frame.Split(" in ")[0];
        }
    }
}

/// <summary>Sends the requests, counts the answers and keeps every one that breaks the contract.</summary>
internal sealed class FuzzSession(HttpClient http, ErrorLog errors, int seed)
{
    private readonly List<Finding> _findings = [];

    public int Sent { get; private set; }

    public IReadOnlyList<Finding> Findings => _findings;

    public SortedDictionary<string, int> Histogram { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, int> Kinds { get; } = new(StringComparer.Ordinal);

    public Decks Decks { get; } = new();

    /// <summary>Every property any response has shown so far.</summary>
    public Known Seen { get; } = new();

    public async Task<FuzzResponse> SendAsync(ApiOperation operation, FuzzRequest request)
    {
        Sent++;
        Kinds[request.Kind] = Kinds.GetValueOrDefault(request.Kind) + 1;
        var logged = errors.Count;
        using var message = request.ToMessage(http.BaseAddress!);
        var target = message.RequestUri!.PathAndQuery;
        HttpResponseMessage? response = null;
        byte[] body;
        try
        {
            response = await http.SendAsync(message);
            body = await response.Content.ReadAsByteArrayAsync();
        }
        catch (InvalidOperationException ex) when (ex.StackTrace?.Contains("PathString.FromUriComponent(Uri uri)", StringComparison.Ordinal) == true)
        {
            // The in-memory server cannot build a request with a NUL in its path; Kestrel refuses such a request line
            // with its own 400 before any app code runs. Counted apart, not a finding about the app.
            Count("not deliverable in-memory");
            return new FuzzResponse(0, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or TaskCanceledException or IOException or FormatException)
        {
            response?.Dispose();
            var outcome = ex is TaskCanceledException ? "timeout" : "no response";
            Count(outcome);
            _findings.Add(new Finding(outcome == "timeout" ? "no answer within 60 s" : "the request failed without a response", operation, request, target, outcome, null, string.Empty, ex.ToString()));
            return new FuzzResponse(0, null);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            Count(status.ToString(CultureInfo.InvariantCulture));
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            var text = Encoding.UTF8.GetString(body);
            var json = Parse(text, mediaType);
            var problem = status switch
            {
                >= 500 => "server error",
                >= 400 when mediaType != "application/problem+json" => "4xx without application/problem+json",
                >= 400 when json is not JsonObject p || p["status"] is not JsonValue s || !s.TryGetValue<int>(out var stated) || stated != status
                    || p["title"] is not JsonValue t || !t.TryGetValue<string>(out var title) || string.IsNullOrWhiteSpace(title) => "problem details without a matching status and a title",
                _ => null,
            };
            if (problem is not null)
            {
                var exception = errors.Since(logged) is { Count: > 0 } entries ? string.Join("\n", entries) : null;
                _findings.Add(new Finding(problem, operation, request, target, status.ToString(CultureInfo.InvariantCulture), mediaType, $"{mediaType ?? "(no Content-Type)"} {ApiFuzzTests.Excerpt(text, 300)}", exception));
            }

            return new FuzzResponse(status, json);
        }
    }

    private void Count(string key) => Histogram[key] = Histogram.GetValueOrDefault(key) + 1;

    private static JsonNode? Parse(string text, string? mediaType)
    {
        if (mediaType is null || !mediaType.Contains("json", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Every finding, grouped by shape (most frequent first), with the operations it hit and up to two full examples.</summary>
    public string Report()
    {
        var builder = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"{_findings.Count} of {Sent} requests broke the contract (seed {seed}; CLIENTMONITOR_FUZZ_SEED={seed} CLIENTMONITOR_FUZZ_REQUESTS={Sent} reproduces the run).\n");
        foreach (var shape in _findings.GroupBy(f => f.Shape, StringComparer.Ordinal).OrderByDescending(g => g.Count()))
        {
            var operations = shape.Select(f => f.Operation.ToString()).Distinct(StringComparer.Ordinal).ToList();
            builder.Append(CultureInfo.InvariantCulture, $"\n[{shape.Count()}x] {shape.Key}\n  operations ({operations.Count}): {string.Join(", ", operations.Take(12))}{(operations.Count > 12 ? ", …" : string.Empty)}\n");
            foreach (var example in shape.DistinctBy(f => f.Operation).Take(2))
            {
                builder.Append(CultureInfo.InvariantCulture, $"  e.g. {example.Request.Describe(example.Target)}\n    -> {example.Status} {example.Response}\n");
                if (example.Exception is not null)
                {
                    builder.Append("    logged: ").Append(string.Join("\n      ", example.Exception.Split('\n').Where(l => l.Trim().Length > 0).Take(14))).Append('\n');
                }
            }
        }

        return builder.ToString();
    }
}

/// <summary>The host's error logs, in order, so a request's 500 can be shown with the exception logged while it ran.</summary>
internal sealed class ErrorLog : ILoggerProvider
{
    private readonly List<string> _entries = [];
    private readonly Lock _gate = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    public IReadOnlyList<string> Since(int index)
    {
        lock (_gate)
        {
            return _entries.Skip(index).ToList();
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(string entry)
    {
        lock (_gate)
        {
            _entries.Add(entry);
        }
    }

    private sealed class Logger(ErrorLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log.Add($"{category}: {formatter(state, exception)}{(exception is null ? string.Empty : "\n" + exception)}");
            }
        }
    }
}
