using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Dapper;
using static KetamineOutcomes.Api.Tests.Fhir.QuestionnaireResponseJson;

namespace KetamineOutcomes.Api.Tests.Fhir;

/// <summary>
/// Properties of the FHIR door over generated responses (issue 16): item order, nesting and linkId style never change
/// what is stored; one unreadable answer anywhere always refuses the whole response; no JSON value of the wrong type
/// ever gives a 5xx.
/// </summary>
public sealed class FhirIngestProperties : WebhookedApiTest
{
    /// <summary>A valid response: which instrument, its answers (−1 = unanswered), and how each answer is coded.</summary>
    private sealed record Sample(string Kind, int[] Answers, int[] Forms, int Seed)
    {
        public override string ToString() => $"{Kind} [{string.Join(",", Answers)}] forms [{string.Join(",", Forms)}] seed {Seed}";
    }

    private static readonly Gen<Sample> Phq9Sample = Gen.Select(Gen.Int[0, 3].Array[9], Gen.Int[0, 7].Array[0, 2], Gen.Int[0, 3].Array[9], Gen.Int)
        .Select((scores, unanswered, forms, seed) =>
        {
            foreach (var i in unanswered.Distinct()) scores[i] = -1; // at most 2 of items 1–8; item 9 always answered
            return new Sample("phq9", scores, forms, seed);
        });

    private static readonly Gen<Sample> Gad7Sample = Gen.Select(Gen.Int[0, 3].Array[7], Gen.Int[-1, 6], Gen.Int[0, 3].Array[7], Gen.Int)
        .Select((scores, unanswered, forms, seed) =>
        {
            if (unanswered >= 0) scores[unanswered] = -1;
            return new Sample("gad7", scores, forms, seed);
        });

    /// <summary>C-SSRS: Q1–Q6 and Q6b as 0/1; Q3–Q5 asked only when Q2 is yes, Q6b only when Q6 is yes.</summary>
    private static readonly Gen<Sample> CssrsSample = Gen.Select(Gen.Int[0, 1].Array[7], Gen.Int[0, 2].Array[7], Gen.Int)
        .Select((yes, forms, seed) =>
        {
            if (yes[1] == 0) yes[2] = yes[3] = yes[4] = -1;
            if (yes[5] == 0) yes[6] = -1;
            return new Sample("cssrs", yes, forms, seed);
        });

    private static readonly Gen<Sample> AnySample = Gen.OneOf(Phq9Sample, Gad7Sample, CssrsSample);

    private static string[] CodesOf(string kind) => kind switch { "phq9" => Phq9Codes, "gad7" => Gad7Codes, _ => CssrsCodes };

    private static JsonObject Answer(Sample s, int i) => s.Kind == "cssrs"
        ? (s.Forms[i] switch
        {
            0 => YesNo(s.Answers[i] == 1),
            1 => Coding(Snomed, s.Answers[i] == 1 ? "373066001" : "373067005"),
            _ => new JsonObject { ["valueBoolean"] = s.Answers[i] == 1 },
        })
        : s.Forms[i] switch
        {
            0 => Frequency(s.Answers[i]),
            1 => new JsonObject { ["valueInteger"] = s.Answers[i] },
            2 => new JsonObject { ["valueDecimal"] = (decimal)s.Answers[i] },
            _ => new JsonObject
            {
                ["valueCoding"] = new JsonObject
                {
                    ["extension"] = new JsonArray(new JsonObject { ["url"] = "http://hl7.org/fhir/StructureDefinition/ordinalValue", ["valueDecimal"] = s.Answers[i] }),
                    ["system"] = "https://clinic.example/answers", ["code"] = $"a{s.Answers[i]}",
                },
            },
        };

    /// <summary>The items in instrument order, flat, linkIds <c>/code</c>; an unanswered item is sent without an answer.</summary>
    private static List<JsonObject> FlatItems(Sample s)
    {
        var codes = CodesOf(s.Kind);
        var items = new List<JsonObject>();
        for (var i = 0; i < codes.Length; i++)
        {
            if (s.Answers[i] < 0)
            {
                if (s.Kind != "cssrs") items.Add(new JsonObject { ["linkId"] = "/" + codes[i] });
                continue;
            }
            items.Add(Item("/" + codes[i], Answer(s, i)));
        }
        return items;
    }

    private static JsonObject Canonical(string patient, Sample s) => Response(patient, null, FlatItems(s));

    /// <summary>The same answers shuffled, with other linkId styles, some in (nested) groups and some under another item's answer.</summary>
    private static JsonObject Rearranged(string patient, Sample s)
    {
        var random = new Random(s.Seed);
        var items = FlatItems(s);
        var groups = 0;
        foreach (var item in items)
        {
            var code = ((string)item["linkId"]!).TrimStart('/');
            var index = Array.IndexOf(CodesOf(s.Kind), code) + 1;
            item["linkId"] = random.Next(5) switch
            {
                0 => code,
                1 when s.Kind != "cssrs" => $"{s.Kind}-{index}",
                2 => $"/{(s.Kind == "phq9" ? "44249-1" : s.Kind == "gad7" ? "69737-5" : "93373-9")}/{code}",
                3 => SetDefinition(item, code),
                _ => "/" + code,
            };
        }
        var pool = items.OrderBy(_ => random.Next()).ToList();
        // Nest: repeatedly wrap a random run of the pool in a group, or hang one item under another's answer.
        for (var round = random.Next(4); round > 0 && pool.Count > 1; round--)
        {
            var start = random.Next(pool.Count);
            var length = 1 + random.Next(pool.Count - start);
            var run = pool.GetRange(start, length);
            pool.RemoveRange(start, length);
            if (random.Next(3) == 0 && run.Count >= 2 && run[0]["answer"] is JsonArray { Count: 1 } answers)
            {
                if (answers[0]!["item"] is not JsonArray under) answers[0]!["item"] = under = [];
                foreach (var moved in run.Skip(1)) under.Add(moved);
                pool.Insert(start, run[0]);
            }
            else pool.Insert(start, Group($"group-{++groups}", run));
        }
        return Response(patient, null, pool);

        static string SetDefinition(JsonObject item, string code)
        {
            item["definition"] = $"http://loinc.org#{code}";
            return $"question-{code.Replace("-", "", StringComparison.Ordinal)}";
        }
    }

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(JsonObject qr)
    {
        using var content = new StringContent(qr.ToJsonString(), Encoding.UTF8, "application/fhir+json");
        using var response = await Client.PostAsync("/fhir/r4/QuestionnaireResponse", content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>What the JSON API says was stored for the patient: answers, totals, risk and alert levels.</summary>
    private async Task<string> StoredAsync(string patient)
    {
        var questionnaires = (await GetOkAsync($"/api/v1/patients/{patient}/questionnaires"))["items"]!.AsArray()
            .Select(q => $"{q!["instrument"]} {q["items"]!.ToJsonString()} total {q["totalScore"]} prorated {q["prorated"]} alert {q["alert"]?["level"]}");
        var checkins = (await GetOkAsync($"/api/v1/patients/{patient}/suicidality-checkins"))["items"]!.AsArray()
            .Select(c => $"cssrs {c!["wishToBeDead"]} {c["suicidalThoughts"]} {c["thoughtsOfMethod"]} {c["intent"]} {c["plan"]} {c["suicidalBehavior"]} risk {c["riskLevel"]} alert {c["alert"]?["level"]}");
        return string.Join(" | ", questionnaires.Concat(checkins));
    }

    [Fact]
    public async Task Shuffling_nesting_and_relabelling_items_never_changes_the_stored_answers_totals_risk_or_alerts()
    {
        await AnySample.SampleAsync(async s =>
        {
            var a = await CreatePatientAsync();
            var b = await CreatePatientAsync();
            var canonical = await PostAsync(Canonical(a, s));
            var rearranged = await PostAsync(Rearranged(b, s));
            Assert.True(canonical.Status == HttpStatusCode.Created, $"{s}: {canonical.Body}");
            Assert.True(rearranged.Status == HttpStatusCode.Created, $"{s}: {Rearranged(b, s).ToJsonString()} → {rearranged.Body}");
            var stored = await StoredAsync(a);
            Assert.Equal(stored, await StoredAsync(b));
            Assert.Contains(s.Kind, stored, StringComparison.Ordinal);
        }, iter: 120, threads: 1);
    }

    private static readonly JsonObject[] UnreadableScores =
    [
        new() { ["valueString"] = "2" }, Coding(Loinc, "LA33-6"), new() { ["valueCoding"] = new JsonObject { ["system"] = "https://loinc.org", ["code"] = "LA6570-1" } },
        new() { ["valueDecimal"] = 1.5m }, new() { ["valueBoolean"] = true }, new() { ["valueDate"] = "2026-03-02" },
        Coding("https://clinic.example/answers", "a2"),
    ];

    private static readonly JsonObject[] UnreadableYesNo =
    [
        new() { ["valueString"] = "Yes" }, Coding(Loinc, "LA6571-9"), Coding(Snomed, "260385009"), new() { ["valueCoding"] = new JsonObject { ["system"] = "https://loinc.org", ["code"] = "LA33-6" } },
        new() { ["valueInteger"] = 1 }, new() { ["valueCoding"] = new JsonObject { ["system"] = Loinc, ["display"] = "Yes" } },
    ];

    [Fact]
    public async Task Replacing_any_one_answer_with_an_unreadable_one_is_refused_and_stores_nothing()
    {
        await Gen.Select(AnySample, Gen.Int[0, 100], Gen.Int[0, 100]).SampleAsync(async t =>
        {
            var (s, which, what) = t;
            var patient = await CreatePatientAsync();
            var qr = Rearranged(patient, s);
            var answered = qr.DescendantsAndSelf().OfType<JsonObject>().Where(o => o["answer"] is JsonArray { Count: 1 }).ToList();
            var target = answered[which % answered.Count];
            var bad = s.Kind == "cssrs" ? UnreadableYesNo[what % UnreadableYesNo.Length] : UnreadableScores[what % UnreadableScores.Length];
            var nested = target["answer"]![0]!["item"]?.DeepClone();
            var replacement = (JsonObject)bad.DeepClone();
            if (nested is not null) replacement["item"] = nested;
            target["answer"] = new JsonArray(replacement);

            var before = await CountStoredAsync();
            var (status, body) = await PostAsync(qr);
            Assert.True(status == HttpStatusCode.BadRequest, $"{s} item {target["linkId"]} ← {bad.ToJsonString()}: {(int)status} {body}");
            Assert.Equal(before, await CountStoredAsync());
        }, iter: 120, threads: 1);
    }

    private static readonly JsonNode?[] OtherTypes = [null, JsonValue.Create(true), JsonValue.Create(7), JsonValue.Create(1.5), JsonValue.Create("x"), new JsonObject(), new JsonArray(), new JsonArray(JsonValue.Create(1)), new JsonObject { ["value"] = 1 }];

    [Fact]
    public async Task Replacing_any_JSON_value_with_a_value_of_another_type_never_answers_5xx()
    {
        var patient = await CreatePatientAsync();
        await Gen.Select(AnySample, Gen.Int[0, 10_000], Gen.Int[0, OtherTypes.Length - 1]).SampleAsync(async t =>
        {
            var (s, which, replacementIndex) = t;
            var qr = Rearranged(patient, s);
            var slots = qr.DescendantsAndSelf().Where(n => n.Parent is not null).ToList();
            var slot = slots[which % slots.Count];
            var replacement = OtherTypes[replacementIndex]?.DeepClone();
            if (replacement?.GetValueKind() == slot.GetValueKind()) replacement = slot.GetValueKind() == System.Text.Json.JsonValueKind.String ? JsonValue.Create(3) : JsonValue.Create("3");
            switch (slot.Parent)
            {
                case JsonObject o: o[slot.GetPropertyName()] = replacement; break;
                case JsonArray a: a[slot.GetElementIndex()] = replacement; break;
            }
            var (status, body) = await PostAsync(qr);
            Assert.True((int)status < 500, $"{slot.GetPath()} ← {replacement?.ToJsonString() ?? "null"}: {(int)status} {body}");
        }, iter: 400, threads: 1);
    }

    private async Task<long> CountStoredAsync()
    {
        await using var c = await App.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<long>(
            "SELECT (SELECT COUNT(*) FROM questionnaires) + (SELECT COUNT(*) FROM suicidality_checkins) + (SELECT COUNT(*) FROM safety_alerts) + (SELECT COUNT(*) FROM outbox_events)");
    }
}

internal static class JsonNodeWalk
{
    /// <summary>The node and everything under it, depth first.</summary>
    public static IEnumerable<JsonNode> DescendantsAndSelf(this JsonNode node)
    {
        yield return node;
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject o => o.Select(kv => kv.Value),
            JsonArray a => a,
            _ => [],
        };
        foreach (var child in children.ToList())
        {
            if (child is null) continue;
            foreach (var d in child.DescendantsAndSelf()) yield return d;
        }
    }
}
