using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ClientMonitor.Functions.Tests.Api;

/// <summary>A property of a request body: its wire name, its JSON type (<c>any</c> when nothing says) and its schema if the document has one.</summary>
internal sealed record BodyField(string Name, string Kind, JsonObject? Schema);

/// <summary>
/// One operation of the OpenAPI document, with only what the document says about it: path and query parameters
/// and, when described, the properties of its JSON body (<c>$ref</c>s into <c>components</c> resolved).
/// </summary>
internal sealed record ApiOperation(
    string Method, string Path, IReadOnlyList<string> PathParameters, IReadOnlyList<BodyField> QueryParameters, IReadOnlyList<BodyField> BodyFields, bool HasBodySchema)
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "options", "head", "trace"];

    /// <summary>POST, PUT and PATCH take bodies whether or not the document describes them yet.</summary>
    public bool TakesBody => HasBodySchema || Method is "POST" or "PUT" or "PATCH";

    /// <summary>The first three segments (<c>/api/v1/clients</c>): the operations that share them describe the same resource.</summary>
    public string Resource => string.Join('/', Path.Split('/').Take(4));

    public override string ToString() => Method + " " + Path;

    public static IReadOnlyList<ApiOperation> ReadAll(JsonNode document)
    {
        var operations = new List<ApiOperation>();
        foreach (var (path, item) in document["paths"]?.AsObject() ?? [])
        {
            if (Schemas.Resolve(document, item) is not JsonObject pathItem)
            {
                continue;
            }

            foreach (var method in Methods)
            {
                if (pathItem[method] is not JsonObject operation)
                {
                    continue;
                }

                var parameters = Parameters(document, pathItem["parameters"]).Concat(Parameters(document, operation["parameters"])).ToList();
                var pathParameters = TemplateParameters(path)
                    .Union(parameters.Where(p => p.In == "path").Select(p => p.Field.Name), StringComparer.Ordinal)
                    .ToList();
                var query = parameters.Where(p => p.In == "query").Select(p => p.Field).ToList();
                var schema = Schemas.Resolve(document, Schemas.Resolve(document, operation["requestBody"])?["content"]?["application/json"]?["schema"]) as JsonObject;
                operations.Add(new ApiOperation(method.ToUpperInvariant(), path, pathParameters, query, Schemas.Fields(document, schema), schema is not null));
            }
        }

        return operations;
    }

    private static IEnumerable<(string In, BodyField Field)> Parameters(JsonNode document, JsonNode? list)
    {
        foreach (var node in list as JsonArray ?? [])
        {
            if (Schemas.Resolve(document, node) is JsonObject parameter && (string?)parameter["name"] is { } name && (string?)parameter["in"] is { } location)
            {
                var schema = Schemas.Resolve(document, parameter["schema"]) as JsonObject;
                yield return (location, new BodyField(name, Schemas.KindOf(document, schema), schema));
            }
        }
    }

    private static IEnumerable<string> TemplateParameters(string path)
    {
        for (var start = path.IndexOf('{', StringComparison.Ordinal); start >= 0; start = path.IndexOf('{', start + 1))
        {
            var end = path.IndexOf('}', start);
            if (end < 0)
            {
                yield break;
            }

            yield return path[(start + 1)..end];
        }
    }
}

/// <summary>Reading JSON schemas as far as they go: <c>$ref</c>, <c>type</c> (a string or, in 3.1, a list), <c>properties</c>, <c>items</c>, <c>allOf</c>.</summary>
internal static class Schemas
{
    public static JsonNode? Resolve(JsonNode document, JsonNode? node)
    {
        for (var hops = 0; hops < 16 && node is JsonObject obj && obj["$ref"] is JsonValue reference && reference.TryGetValue<string>(out var target) && target.StartsWith("#/", StringComparison.Ordinal); hops++)
        {
            node = document;
            foreach (var segment in target[2..].Split('/'))
            {
                node = node is JsonObject parent ? parent[segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)] : null;
            }
        }

        return node;
    }

    public static string KindOf(JsonNode document, JsonNode? schema)
    {
        if (Resolve(document, schema) is not JsonObject s)
        {
            return "any";
        }

        switch (s["type"])
        {
            case JsonValue single when single.TryGetValue<string>(out var type):
                return type;
            case JsonArray types when types.Select(t => (string?)t).FirstOrDefault(t => t is not null and not "null") is { } first:
                return first;
        }

        if (s["properties"] is JsonObject)
        {
            return "object";
        }

        if (s["items"] is not null)
        {
            return "array";
        }

        var composed = (s["allOf"] ?? s["oneOf"] ?? s["anyOf"]) as JsonArray;
        return composed is { Count: > 0 } ? KindOf(document, composed[0]) : "any";
    }

    public static IReadOnlyList<BodyField> Fields(JsonNode document, JsonNode? schema, int depth = 0)
    {
        if (depth > 8 || Resolve(document, schema) is not JsonObject s)
        {
            return [];
        }

        var fields = new List<BodyField>();
        foreach (var (name, property) in s["properties"] as JsonObject ?? [])
        {
            fields.Add(new BodyField(name, KindOf(document, property), Resolve(document, property) as JsonObject));
        }

        foreach (var part in s["allOf"] as JsonArray ?? [])
        {
            fields.AddRange(Fields(document, part, depth + 1));
        }

        return fields;
    }
}

/// <summary>
/// Hostile inputs, as bytes and text on the wire: JSON values of every wrong kind, text storage and parsers choke on,
/// malformed and oversized bodies, route and query values that cannot be ids, headers nobody should send.
/// </summary>
internal static class FuzzInputs
{
    /// <summary>Over the API's body limit many times: one array shared by every request that sends it.</summary>
    public static readonly byte[] HugeBody = Encoding.UTF8.GetBytes("{\"a\":\"" + new string('a', 4 * 1024 * 1024) + "\"}");

    private static readonly string LongText = Q(new string('x', 100 * 1024));

    private static readonly string LongUnderLimitText = Q(string.Concat(Enumerable.Repeat("é\u0301", 10_000)));

    private static string Q(string jsonEscapedText) => "\"" + jsonEscapedText + "\"";

    /// <summary>JSON string literals, escapes kept as written (<c>\ud800</c> reaches the server as an escape, not as U+FFFD).</summary>
    public static readonly string[] OddStrings =
    [
        Q("\\ud800"), Q("a\\udc00b"), Q("\\ud83d"), Q("\\udfff\\ud800"), Q("\\u0000"), Q("a\\u0000b"), Q("\\u0001\\u001f\\u007f"),
        Q("\u202Egnp.exe"), Q("\u200F\u200E\u061C"), Q("\\u202e\\u2066x\\u2069"), Q("😀👩‍👩‍👧‍👦"), Q("\\ud83d\\ude00"),
        Q("e" + new string('\u0301', 300)), Q("\uFEFF"), Q("\\uffff\\ufffe"), Q("\u2028\u2029"), Q("\u200B\u200D"), Q("ＡＢＣ"), Q("İıß"),
        Q("' or 1 eq 1"), Q("x' or PartitionKey ne '"), Q("PartitionKey eq ''"), Q("<script>alert(1)</script>"), Q("../../.."),
        Q("%00"), Q("\\\\"), Q("/"), Q("#"), Q("?"), Q("{{7*7}}"), Q("${jndi:ldap://x}"), Q(""), Q(" "), Q("\\r\\nX-Injected: 1"),
        Q("\\\""), Q(new string('x', 600)), Q("2026-02-30T25:61:61Z"), Q("0001-01-01T00:00:00+14:00"), Q("9999-12-31T23:59:59-14:00"),
        LongText, LongUnderLimitText,
    ];

    public static readonly string[] OddNumbers =
    [
        "0", "-1", "1.5", "-0", "2147483648", "-2147483649", "9223372036854775808", "1e400", "-1e400", "1e-400", "4.9e-324",
        "123456789012345678901234567890", "1E2", "0.1", "-2147483648", "2147483647",
    ];

    private static readonly string[] AnyValues = ["true", "false", "null", "{}", "[]", "[null]", "[\"x\",null]", "[[]]", "[{}]", "{\"\":null}", "\"x\"", "1"];

    /// <summary>A value the field should not take: another JSON type, null, nulls inside a list, or an odd value of its own type.</summary>
    public static string ValueFor(BodyField field, Random random, int depth = 0)
    {
        var roll = random.Next(100);
        if (roll < 15)
        {
            return "null";
        }

        if (roll < 45)
        {
            return Pick(random, WrongKinds(field.Kind));
        }

        if (roll < 55)
        {
            return random.Next(3) switch
            {
                0 => "[null]",
                1 => "[" + Pick(random, OddStrings) + ",null]",
                _ => "[" + string.Join(',', Enumerable.Range(0, random.Next(1, 4)).Select(_ => Pick(random, AnyValues))) + "]",
            };
        }

        return field.Kind switch
        {
            "string" or "any" => Pick(random, OddStrings),
            "integer" or "number" => Pick(random, OddNumbers),
            "boolean" => Pick(random, ["\"true\"", "1", "0", "\"yes\"", "True"]),
            "array" => OddArray(field, random, depth),
            "object" => OddObject(field, random, depth),
            _ => Pick(random, OddStrings),
        };
    }

    private static string[] WrongKinds(string kind) => kind switch
    {
        "string" => ["1", "-1", "1.5", "true", "{}", "[]", "[\"x\"]", "{\"a\":\"b\"}"],
        "integer" => ["\"1\"", "1.5", "1e400", "true", "{}", "[]", "[1]", "\"\"", "9223372036854775808"],
        "number" => ["\"0.5\"", "true", "{}", "[]", "[0.5]", "\"NaN\"", "1e400"],
        "boolean" => ["\"true\"", "1", "0", "{}", "[]", "[true]", "\"\""],
        "array" => ["\"x\"", "1", "true", "{}", "{\"0\":\"x\"}"],
        "object" => ["\"x\"", "1", "true", "[]", "[{}]"],
        _ => ["\"x\"", "1", "1.5", "true", "{}", "[]", "[null]"],
    };

    private static string OddArray(BodyField field, Random random, int depth)
    {
        var items = field.Schema?["items"] as JsonObject;
        var item = new BodyField("item", items is null ? "any" : (string?)items["type"] ?? "any", items);
        return random.Next(5) switch
        {
            0 => "[" + string.Join(',', Enumerable.Repeat("\"x\"", 5_000)) + "]",
            1 => "[" + string.Join(',', Enumerable.Range(0, random.Next(1, 4)).Select(_ => depth < 2 ? ValueFor(item, random, depth + 1) : "null")) + "]",
            2 => new string('[', 64) + new string(']', 64),
            3 => "[" + string.Join(',', Enumerable.Repeat(Pick(random, OddStrings), 3)) + "]",
            _ => "[\"dup\",\"dup\",\"\",\" \"]",
        };
    }

    private static string OddObject(BodyField field, Random random, int depth)
    {
        var properties = (field.Schema?["properties"] as JsonObject)?.Select(p => new BodyField(p.Key, (string?)p.Value?["type"] ?? "any", p.Value as JsonObject)).ToList() ?? [];
        if (properties.Count > 0 && depth < 2 && random.Next(2) == 0)
        {
            var inner = Pick(random, properties);
            return "{" + Name(inner.Name) + ":" + ValueFor(inner, random, depth + 1) + "}";
        }

        return Pick(random, ["{\"zz_unknown\":1}", "{\"\":\"\"}", "{\"\\ud800\":1}", "{\"a\":1,\"a\":2}", "{\"a\":" + new string('[', 40) + new string(']', 40) + "}"]);
    }

    public static string Name(string name) => JsonSerializer.Serialize(name);

    /// <summary>A JSON object of one to three known fields, each given a value it should not take (sometimes a key twice, or one more unknown).</summary>
    public static string BodyOf(IReadOnlyList<BodyField> fields, Random random)
    {
        var chosen = Enumerable.Range(0, random.Next(10) < 7 ? 1 : random.Next(2, 4)).Select(_ => Pick(random, fields)).ToList();
        var members = chosen.Select(f => Name(f.Name) + ":" + ValueFor(f, random)).ToList();
        switch (random.Next(10))
        {
            case 0:
                members.Add(Name(chosen[0].Name) + ":" + ValueFor(chosen[0], random));
                break;
            case 1:
                members.Add("\"zz_unknown\":" + Pick(random, AnyValues));
                break;
        }

        return "{" + string.Join(',', members) + "}";
    }

    /// <summary>Bodies wrong whatever the operation: not an object, not JSON, not UTF-8, too deep, too big, nothing at all.</summary>
    public static readonly (string Label, byte[] Bytes)[] GenericBodies = BuildGenericBodies();

    private static (string, byte[])[] BuildGenericBodies()
    {
        static (string, byte[]) Text(string label, string text) => (label, Encoding.UTF8.GetBytes(text));
        return
        [
            Text("empty", string.Empty),
            Text("whitespace", " \r\n\t "),
            Text("null", "null"),
            Text("empty array", "[]"),
            Text("array", "[1,2]"),
            Text("string", "\"text\""),
            Text("number", "123"),
            Text("boolean", "true"),
            Text("empty object", "{}"),
            Text("duplicate keys", "{\"a\":1,\"a\":2}"),
            Text("unterminated", "{"),
            Text("missing value", "{\"a\":}"),
            Text("trailing comma", "{\"a\":1,}"),
            Text("single quotes", "{'a':1}"),
            Text("comment", "/* c */{}"),
            Text("NaN", "{\"a\":NaN}"),
            Text("Infinity", "{\"a\":-Infinity}"),
            Text("leading zero", "{\"a\":01}"),
            Text("bad escape", "{\"a\":\"\\x\"}"),
            Text("unterminated string", "{\"a\":\"abc"),
            Text("two documents", "{}{}"),
            Text("trailing text", "{} trailing"),
            Text("lone surrogate key", "{\"\\ud800\":1}"),
            Text("NUL key", "{\"a\\u0000\":1}"),
            Text("raw control char", "{\"a\":\"\u0001\u0007\"}"),
            Text("BOM", "\uFEFF{}"),
            ("UTF-16", Encoding.Unicode.GetBytes("{\"a\":1}")),
            ("UTF-32 BOM", [0xFF, 0xFE, 0x00, 0x00, (byte)'{', 0, 0, 0, (byte)'}', 0, 0, 0]),
            ("invalid UTF-8", [(byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xFF, 0xFE, 0xC0, 0xAF, (byte)'"', (byte)'}']),
            ("UTF-8 surrogate", [(byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xED, 0xA0, 0x80, (byte)'"', (byte)'}']),
            ("raw NUL", [(byte)'{', 0, (byte)'}']),
            Text("open arrays x10000", new string('[', 10_000)),
            Text("nested arrays x10000", new string('[', 10_000) + new string(']', 10_000)),
            Text("nested objects x10000", string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000)),
            Text("100 KB string", "{\"a\":" + LongText + "}"),
            Text("60 KB whitespace", new string(' ', 60 * 1024) + "{}"),
            Text("10000 keys", "{" + string.Join(',', Enumerable.Range(0, 10_000).Select(i => "\"k" + i.ToString(CultureInfo.InvariantCulture) + "\":0")) + "}"),
            Text("xml", "<?xml version=\"1.0\"?><a>1</a>"),
            Text("form", "a=1&b=2"),
            Text("text", "hello"),
        ];
    }

    /// <summary>Content types other than <c>application/json</c>, with bodies that fit them where they have a shape; <c>null</c>: no header at all.</summary>
    public static readonly (string? ContentType, string Body)[] ContentTypes =
    [
        (null, "{}"),
        ("text/plain", "{}"),
        ("application/xml", "<a>1</a>"),
        ("multipart/form-data; boundary=xyz", "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--xyz--\r\n"),
        ("multipart/form-data", "{}"),
        ("application/x-www-form-urlencoded", "a=1&b=2"),
        ("application/json; charset=utf-16", "{}"),
        ("application/json; charset=nonsense", "{}"),
        ("application/*", "{}"),
        ("*/*", "{}"),
        ("application/json, text/plain", "{}"),
        ("application/merge-patch+json", "{}"),
        ("", "{}"),
        ("application/json; boundary", "{}"),
        ("\u00e9/\u00e9", "{}"),
    ];

    /// <summary>Route values as they go on the wire, escapes included.</summary>
    public static readonly string[] PathValues =
    [
        "..", "%2E%2E", ".", "%2F", "a%2Fb", "%23", "a%23b", "%3F", "a%3Fb", "%5C", "%00", "a%00b", "%01", "%7F", "%0D%0A", "%09", "%20",
        "%25", "%", "%zz", "%ED%A0%80", "%FF", "%C0%AF", new string('x', 600), new string('x', 129), new string('x', 513),
        "%F0%9F%98%80", "%E2%80%AE", "e%CC%81%CC%81", "%E6%97%A5%E6%9C%AC", "%27%20or%201%20eq%201", "'", "''",
        "PartitionKey%20eq%20'x'", "*", "~", "null", "undefined", "0", "-1", "a;b", "a,b", "%3Cscript%3E", "CON", "x%20", "%20x",
        "%EF%BB%BF", "%E2%80%8B", "{id}", "me",
    ];

    /// <summary>Query names APIs like this one commonly take; the document's own query parameters are added to these.</summary>
    public static readonly string[] CommonQueryNames =
    [
        "limit", "skip", "offset", "page", "status", "category", "type", "job_type", "email_type", "is_active", "unread_only",
        "from", "to", "start_date", "end_date", "since", "until", "min_relevance", "client_id", "user_id", "event_id",
        "recipient_email", "days", "q", "sort",
    ];

    /// <summary>Query values as they go on the wire, escapes included.</summary>
    public static readonly string[] QueryValues =
    [
        "-1", "0", "-2147483648", "2147483647", "2147483648", "99999999999999999999", "1e3", "1.5", "0x10", "NaN", "Infinity",
        "-Infinity", "1,2", "%00", "%zz", "%", "%ED%A0%80", "%F0%9F%98%80", "%E2%80%AE", "%27%20or%201%20eq%201", "x'%20or%20'1'%20eq%20'1",
        "true", "TRUE", "maybe", "", "%20", "null", "bogus_status", "sent%00", "2026-13-45", "2026-02-30", "0001-01-01", "0001-01-01T00:00:00%2B01:00",
        "9999-12-31T23:59:59.9999999Z", "9999-12-31T23:59:59-14:00", "-9999-01-01", "0000-00-00", "1970-01-01T00:00:00%2B14:00",
        "now", "yesterday", "1700000000", new string('x', 5_000), "%5B%5D", "%7B%7D", "a%26b%3Dc", "%0D%0AX-Injected:%201",
    ];

    public static readonly string[] IfMatchValues =
    [
        "\"", "\"\"", "W/\"abc\"", "*", "\"a\", \"b\"", "abc", "\"" + new string('e', 8 * 1024) + "\"", "\u00ff\u00fe", "\"\u0001\"",
        ", , ,", "*, \"x\"", "W/", "\"\\\"\"", "\"ed0\"", "null",
    ];

    public static readonly (string Name, string Value)[] OddHeaders =
    [
        ("Accept", "application/xml"),
        ("Accept", "text/html"),
        ("Accept", "application/json;q=0"),
        ("Accept", "image/png, */*;q=0"),
        ("Accept", "*/*"),
        ("Accept-Charset", "utf-7"),
        ("Accept-Language", "xx-\u00ff;q=abc"),
        ("X-HTTP-Method-Override", "DELETE"),
        ("If-None-Match", "*"),
        ("If-Modified-Since", "not a date"),
        ("If-Unmodified-Since", "Mon, 01 Jan 0001 00:00:00 GMT"),
        ("Prefer", "return=minimal"),
        ("X-Forwarded-For", "not-an-ip, ::::"),
        ("X-Forwarded-Host", "evil.example"),
        ("X-Forwarded-Proto", "gopher"),
        ("Range", "bytes=0-0"),
        ("Cookie", new string('c', 8 * 1024)),
        ("Traceparent", "00-zz-zz-00"),
        ("Request-Id", new string('r', 2 * 1024)),
    ];

    public static T Pick<T>(Random random, IReadOnlyList<T> items)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(items);
        return items[random.Next(items.Count)];
    }
}
