using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Schema-driven fuzzing (SPEC v2 Boundaries): the service's own /openapi/v1.json says which operations take a JSON body
/// or query parameters; bodies are generated from their schemas, then broken (wrong JSON types, comma-joined enum lists,
/// numeric strings, format characters, boundary numbers, missing required and unknown fields), queries likewise. No answer
/// is a 5xx; every 4xx is problem+json naming a field (400) or saying why; a patient's stored data, read back through the
/// API, is unchanged; and a refused write stores nothing.
/// </summary>
public class OpenApiFuzzProperties : ApiTest
{
    private sealed record Operation(string Method, string Path, JsonNode? BodySchema, IReadOnlyList<string> QueryNames);

    private JsonObject _doc = null!;
    private string[] _wireNames = [];

    [Fact]
    public async Task Broken_bodies_and_queries_from_the_schema_never_answer_5xx_and_leave_stored_data_unchanged()
    {
        _doc = (await GetOkAsync("/openapi/v1.json")).AsObject();
        _wireNames = _doc["components"]!["schemas"]!.AsObject()
            .SelectMany(s => s.Value?["enum"]?.AsArray().Select(v => (string?)v) ?? []).OfType<string>().Distinct().ToArray();
        var operations = Operations().ToArray();
        Assert.Contains(operations, o => o.BodySchema is not null);
        Assert.Contains(operations, o => o.QueryNames.Count > 0);

        // Stored before the run: read only, never written by the fuzzer.
        var kept = await CreatePatientAsync(siteId: "fuzz-kept");
        await InfusionAsync(kept, Day0);
        await InfusionAsync(kept, Day0.AddDays(3));
        await Phq9Async(kept, Day0.AddHours(-2), Phq9Items(18));
        await Phq9Async(kept, Day0.AddDays(4), Phq9Items(9));
        await CreatedAsync($"/api/v1/patients/{kept}/questionnaires", new { instrument = "gad7", completedAt = Iso(Day0.AddDays(4)), items = new[] { 1, 1, 1, 1, 1, 1, 1 } });
        await CreatedAsync($"/api/v1/patients/{kept}/suicidality-checkins", new { completedAt = Iso(Day0.AddDays(4)), wishToBeDead = false, suicidalThoughts = false, suicidalBehavior = "none" });
        var before = await SnapshotAsync(kept);
        // Written by the fuzzer: a real patient, with an open alert to acknowledge.
        var scratch = await CreatePatientAsync(siteId: "fuzz-scratch");
        var alert = (string)(await Phq9Async(scratch, Day0, Phq9Items(12, item9: 2)))["alert"]!["id"]!;
        var stored = await CountsAsync(scratch);

        using var researcher = ClientWith(await CreateKeyAsync("researcher"));
        var accepted = new Dictionary<string, int>(StringComparer.Ordinal);
        var statuses = new Dictionary<int, int>();
        var requests = Gen.Select(Gen.Int[0, operations.Length - 1], Gen.Int[0, 7], Body(), Query()).Select((op, mutation, body, query) => (op, mutation, body, query));
        await requests.SampleAsync(async t =>
        {
            var op = operations[t.op];
            var path = op.Path.Replace("{patientId}", op.Method == "GET" ? kept : scratch, StringComparison.Ordinal)
                .Replace("{id}", op.Path.StartsWith("/api/v1/safety-alerts", StringComparison.Ordinal) ? alert : op.Method == "GET" ? kept : scratch, StringComparison.Ordinal)
                .Replace("{instrument}", "phq9", StringComparison.Ordinal)
                .Replace("{siteId}", "fuzz-scratch", StringComparison.Ordinal)
                // Corrections of records that do not exist (404): the fuzzer's writes stay creations it can count.
                .Replace("{questionnaireId}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
                .Replace("{checkinId}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
                .Replace("{infusionId}", Guid.NewGuid().ToString(), StringComparison.Ordinal);
            var url = op.QueryNames.Count == 0 ? path : path + "?" + t.query(op.QueryNames);
            using var request = new HttpRequestMessage(new HttpMethod(op.Method), url);
            string? sent = null;
            if (op.BodySchema is not null)
            {
                sent = t.body(op.BodySchema, t.mutation);
                request.Content = new StringContent(sent, Encoding.UTF8, "application/json");
            }
            // A site's plan is changed by an admin naming the default plan's version: bodies reach the rule checks.
            if (op.Method == "PUT" && op.Path.EndsWith("/measurement-plan", StringComparison.Ordinal)) request.Headers.TryAddWithoutValidation("If-Match", "W/\"0\"");
            var http = op.Path.StartsWith("/api/v1/research", StringComparison.Ordinal) ? researcher
                : op.Path is "/api/v1/api-keys" or "/api/v1/audit" or "/api/v1/webhook-deliveries" or "/api/v1/sites/{siteId}/measurement-plan" && op.Method == "PUT" ? Admin : Client;
            using var response = await http.SendAsync(request);
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            var what = $"{op.Method} {url} {sent} → {status}";
            Assert.True(status < 500, what + " " + await response.Content.ReadAsStringAsync());
            if (status >= 400) await AssertProblemAsync(response, what);
            else if (op.Method != "GET") accepted[op.Path] = accepted.GetValueOrDefault(op.Path) + 1;
        // ~60 requests per operation: enough for each creation to be accepted several times among its broken variants.
        }, iter: 60 * operations.Length, threads: 1, seed: Environment.GetEnvironmentVariable("FUZZ_SEED"));

        // The generator reaches both sides: writes accepted and requests refused with field-named problems.
        Assert.True(accepted.Values.Sum() >= 10 && statuses.GetValueOrDefault(400) > 200, string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}")));
        Assert.Equal(before, await SnapshotAsync(kept));
        var after = await CountsAsync(scratch);
        foreach (var (resource, count) in after)
            Assert.Equal(stored[resource] + accepted.GetValueOrDefault($"/api/v1/patients/{{patientId}}/{resource}"), count);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, string what)
    {
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{what}: {response.Content.Headers.ContentType}");
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        if ((int)response.StatusCode == 400)
        {
            var errors = problem["errors"] as JsonObject;
            Assert.True(errors is { Count: > 0 } && errors.All(e => e.Key.Length > 0 && e.Value!.AsArray().Count > 0), $"{what}: {problem.ToJsonString()}");
        }
        else Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]), $"{what}: {problem.ToJsonString()}");
    }

    /// <summary>Every /api/v1 operation with a JSON body or query parameters.</summary>
    private IEnumerable<Operation> Operations()
    {
        foreach (var (path, item) in _doc["paths"]!.AsObject())
        {
            if (!path.StartsWith("/api/v1/", StringComparison.Ordinal)) continue;
            foreach (var (method, op) in item!.AsObject())
            {
                var body = op!["requestBody"]?["content"]?["application/json"]?["schema"];
                var query = op["parameters"]?.AsArray().Where(p => (string?)p!["in"] == "query").Select(p => (string)p!["name"]!).ToArray() ?? [];
                if (body is not null || query.Length > 0) yield return new Operation(method.ToUpperInvariant(), path, body, query);
            }
        }
    }

    private JsonNode Resolve(JsonNode schema) =>
        schema["$ref"] is { } r ? _doc["components"]!["schemas"]![((string)r!).Split('/')[^1]]! : schema;

    // ---- bodies: a generator of "schema, mutation → JSON text", drawing every choice from one random stream ----

    private Gen<Func<JsonNode, int, string>> Body() => Gen.Int.Array[64].Select(draws => (Func<JsonNode, int, string>)((schema, mutation) =>
    {
        var d = new Draws(draws);
        var value = Valid(schema, d, depth: 0)!;
        Break(value, mutation, d);
        return value.ToJsonString();
    }));

    private JsonNode? Valid(JsonNode schema, Draws d, int depth)
    {
        schema = Resolve(schema);
        if (schema["oneOf"] is JsonArray choices)
        {
            var real = choices.Where(c => (string?)c!["type"] != "null").ToArray();
            return d.Next(5) == 0 || real.Length == 0 ? null : Valid(real[d.Next(real.Length)]!, d, depth);
        }
        if (schema["enum"] is JsonArray values) return values[d.Next(values.Count)]?.DeepClone();
        if ((string?)schema["format"] == "date-time") return JsonValue.Create(Iso(Day0.AddMinutes(d.Next(60 * 24 * 30) - 60 * 24)));
        var types = schema["type"] switch { JsonArray a => a.Select(t => (string)t!).ToArray(), JsonValue v => [(string)v!], _ => ["string"] };
        var type = types.Length > 1 && d.Next(6) == 0 ? "null" : types.First(t => t != "null");
        return type switch
        {
            "null" => null,
            "object" => Object(schema, d, depth),
            "array" when depth < 3 => new JsonArray(Enumerable.Range(0, d.Next(10)).Select(_ => Valid(schema["items"] ?? new JsonObject(), d, depth + 1)).ToArray()),
            "array" => new JsonArray(),
            "integer" => JsonValue.Create(new[] { 0, 1, 2, 3, 40, 120, 1980 }[d.Next(7)]),
            "number" => JsonValue.Create(new[] { 0.5, 1, 35, 2.25 }[d.Next(4)]),
            "boolean" => JsonValue.Create(d.Next(2) == 0),
            _ => JsonValue.Create(new[] { "fuzz", "north", "Called patient", "MRN-" + d.Next(100000) }[d.Next(4)]),
        };
    }

    private JsonObject Object(JsonNode schema, Draws d, int depth)
    {
        var o = new JsonObject();
        foreach (var (name, property) in schema["properties"]?.AsObject() ?? [])
            if (d.Next(4) != 0) o[name] = Valid(property!, d, depth + 1);
        return o;
    }

    /// <summary>One of: valid as generated; wrong JSON type; comma-joined enum list; numeric string; format character; boundary number; missing field; unknown field.</summary>
    private void Break(JsonNode root, int mutation, Draws d)
    {
        var slots = Slots(root).ToArray();
        if (mutation == 6 && root is JsonObject missing && missing.Count > 0) { missing.Remove(missing.ElementAt(d.Next(missing.Count)).Key); return; }
        if (mutation == 7 && root is JsonObject extra) { extra[new[] { "unknownField", "Route", "items ", "ROUTE" }[d.Next(4)]] = JsonValue.Create("phq9"); return; }
        if (mutation == 0 || slots.Length == 0) return;
        var (parent, key, value) = slots[d.Next(slots.Length)];
        JsonNode? replacement = mutation switch
        {
            1 => new JsonNode?[] { JsonValue.Create(1), JsonValue.Create("x"), JsonValue.Create(true), new JsonArray(), new JsonObject(), null }[d.Next(6)],
            2 => JsonValue.Create(string.Join(new[] { ",", ", ", "|" }[d.Next(3)], Enumerable.Range(0, 2).Select(_ => _wireNames[d.Next(_wireNames.Length)]))),
            3 => JsonValue.Create(value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number ? v.ToJsonString() : "2"),
            4 => JsonValue.Create(new[] { "\u200B", "\u202E", "\uFEFF", "\u2066" }[d.Next(4)] + (value is JsonValue s && s.GetValueKind() == System.Text.Json.JsonValueKind.String ? (string)s! : "phq9")),
            _ => JsonNode.Parse(new[] { "-1", "0", "-0", "4", "1899", "2147483648", "1e400", "-1e400", "2.0", "0.0000001", "1e308", "99999999999999999999999" }[d.Next(12)]),
        };
        if (parent is JsonObject o) o[(string)key] = replacement;
        else ((JsonArray)parent)[(int)key] = replacement;
    }

    private static IEnumerable<(JsonNode Parent, object Key, JsonNode? Value)> Slots(JsonNode node)
    {
        if (node is JsonObject o)
            foreach (var (k, v) in o.ToArray())
            {
                yield return (o, k, v);
                if (v is not null) foreach (var s in Slots(v)) yield return s;
            }
        else if (node is JsonArray a)
            for (var i = 0; i < a.Count; i++)
            {
                yield return (a, i, a[i]);
                if (a[i] is { } v) foreach (var s in Slots(v)) yield return s;
            }
    }

    // ---- queries: each named parameter from a pool of valid values (wire names, instants, numbers) and broken ones ----

    private Gen<Func<IReadOnlyList<string>, string>> Query() => Gen.Int.Array[16].Select(draws => (Func<IReadOnlyList<string>, string>)(names =>
    {
        var d = new Draws(draws);
        var wire = _wireNames[d.Next(_wireNames.Length)];
        string[] pool =
        [
            wire, $"{wire},{_wireNames[d.Next(_wireNames.Length)]}", wire.ToUpperInvariant(), $" {wire}", "\u200B" + wire, "\u202E" + wire, "1", "0",
            "-1", "500", "501", "2147483648", "1e3", "2.0", "2026-03-02T09:00:00Z", "2026-03-02T09:00:00+01:00", "2026-03-02T09:00:00", "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z", "session", "week", "all", "north", "x", "", Guid.NewGuid().ToString(),
        ];
        return string.Join("&", names.Where(_ => d.Next(3) != 0).Select(n => $"{n}={Uri.EscapeDataString(pool[d.Next(pool.Length)])}"));
    }));

    /// <summary>Choices drawn from the generated integers (so CsCheck's seed reproduces a failing request).</summary>
    private sealed class Draws(int[] values)
    {
        private int _i;
        public int Next(int n) => n <= 1 ? 0 : (int)((uint)values[_i++ % values.Length] % (uint)n);
    }

    private async Task<string> SnapshotAsync(string patient)
    {
        var sb = new StringBuilder();
        foreach (var url in new[]
        {
            $"/api/v1/patients/{patient}", $"/api/v1/patients/{patient}/infusions", $"/api/v1/patients/{patient}/questionnaires",
            $"/api/v1/patients/{patient}/suicidality-checkins", $"/api/v1/patients/{patient}/trends?instrument=phq9", $"/api/v1/patients/{patient}/trends?instrument=gad7",
        })
            sb.AppendLine((await GetOkAsync(url)).ToJsonString());
        return sb.ToString();
    }

    private async Task<Dictionary<string, int>> CountsAsync(string patient)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var resource in new[] { "infusions", "questionnaires", "suicidality-checkins" })
            counts[resource] = (await GetOkAsync($"/api/v1/patients/{patient}/{resource}?limit=500"))["items"]!.AsArray().Count;
        return counts;
    }
}
