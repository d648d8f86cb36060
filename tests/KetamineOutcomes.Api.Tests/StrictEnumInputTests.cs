using System.Net;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// SPEC v2 Boundaries: an enum takes exactly one wire name — in bodies and query strings alike. A comma-joined list,
/// an integer (number or numeric string), another case or a padded name is a 400 naming the field with the list of
/// wire names, and nothing is stored.
/// </summary>
public class StrictEnumInputTests : ApiTest
{
    /// <summary>Where the field is sent: a POST body template ("$V" is the raw JSON value) and what lists what it stored.</summary>
    public sealed record BodyCase(string Url, string Template, string Field, string Wires, string StoredList, string Caller = "clinician")
    {
        public override string ToString() => Field;
    }

    private const string Now = "2026-03-02T09:00:00Z";

    public static TheoryData<string, string, string, string, string, string> EnumBodyFields => new()
    {
        { "/api/v1/patients", """{"researchConsent":true,"siteId":"enum-site","sex":$V}""", "sex", "female, male, other, unknown", "/api/v1/patients?siteId=enum-site", "clinician" },
        { "/api/v1/patients", """{"researchConsent":true,"siteId":"enum-site","diagnoses":["trd",$V]}""", "diagnoses[1]", "trd, mdd, bipolar-depression, ptsd, anxiety, ocd, chronic-pain", "/api/v1/patients?siteId=enum-site", "clinician" },
        { "{patient}/infusions", $$"""{"administeredAt":"{{Now}}","route":$V,"drug":"ketamine"}""", "route", "iv, im, intranasal, sublingual, oral", "{patient}/infusions", "clinician" },
        { "{patient}/infusions", $$"""{"administeredAt":"{{Now}}","route":"iv","drug":$V}""", "drug", "ketamine, esketamine", "{patient}/infusions", "clinician" },
        { "{patient}/infusions", $$"""{"administeredAt":"{{Now}}","route":"iv","drug":"ketamine","sideEffects":[$V]}""", "sideEffects[0]", "dissociation, nausea, dizziness, headache, sedation, elevated-blood-pressure, other", "{patient}/infusions", "clinician" },
        { "{patient}/questionnaires", $$"""{"instrument":$V,"completedAt":"{{Now}}","items":[0,0,0,0,0,0,0]}""", "instrument", "phq9, gad7", "{patient}/questionnaires", "clinician" },
        { "{patient}/suicidality-checkins", $$"""{"completedAt":"{{Now}}","wishToBeDead":true,"suicidalThoughts":false,"suicidalBehavior":$V}""", "suicidalBehavior", "none, over-3-months-ago, within-3-months", "{patient}/suicidality-checkins", "clinician" },
        { "/api/v1/api-keys", """{"name":"enum test key","role":$V}""", "role", "portal, clinician, ehr, researcher, admin", "/api/v1/api-keys", "admin" },
    };

    /// <summary>Each refused spelling of a field whose wire names are <paramref name="wires"/>: what was seen in the field.</summary>
    private static IEnumerable<(string What, string Json)> BadSpellings(string wires)
    {
        var names = wires.Split(", ");
        yield return ("comma list", $"\"{names[1]},{names[0]}\"");
        yield return ("comma list with space", $"\"{names[0]}, {names[1]}\"");
        yield return ("integer", "1");
        yield return ("numeric string", "\"1\"");
        yield return ("upper case", $"\"{names[0].ToUpperInvariant()}\"");
        yield return ("padded", $"\" {names[0]}\"");
        yield return ("trailing space", $"\"{names[0]} \"");
        yield return ("boolean", "true");
        yield return ("array", $"[\"{names[0]}\"]");
    }

    [Theory]
    [MemberData(nameof(EnumBodyFields))]
    public async Task Enum_body_field_takes_only_one_exact_wire_name_and_stores_nothing_otherwise(
        string url, string template, string field, string wires, string storedList, string caller)
    {
        var patient = await CreatePatientAsync(siteId: "other-site");
        var http = caller == "admin" ? Admin : Client;
        string Resolve(string u) => u.Replace("{patient}", $"/api/v1/patients/{patient}", StringComparison.Ordinal);
        var before = await CountAsync(http, Resolve(storedList));
        foreach (var (what, json) in BadSpellings(wires))
        {
            var (status, problem, contentType) = await PostRawAsync(http, Resolve(url), template.Replace("$V", json, StringComparison.Ordinal));
            Assert.True(status == HttpStatusCode.BadRequest, $"{field} {what} {json} → {(int)status} {problem?.ToJsonString()}");
            Assert.Equal("application/problem+json", contentType);
            Assert.Equal([field], ErrorKeys(problem));
            Assert.Equal($"Must be one of: {wires}.", (string?)problem!["errors"]![field]![0]);
        }
        Assert.Equal(before, await CountAsync(http, Resolve(storedList)));
        // The exact wire name is accepted (the table's templates are otherwise valid).
        var (ok, body, _) = await PostRawAsync(http, Resolve(url), template.Replace("$V", $"\"{wires.Split(", ")[0]}\"", StringComparison.Ordinal)
            .Replace("[0,0,0,0,0,0,0]", "[0,0,0,0,0,0,0,0,0]", StringComparison.Ordinal));
        Assert.True(ok == HttpStatusCode.Created, $"{field} exact → {(int)ok} {body?.ToJsonString()}");
    }

    [Theory]
    [InlineData("""{"administeredAt":"2026-03-02T09:00:00Z","route":"im,intranasal","drug":"ketamine"}""", "infusions", "route")]
    [InlineData("""{"instrument":"phq9,gad7","completedAt":"2026-03-02T09:00:00Z","items":[0,0,0,0,0,0,0]}""", "questionnaires", "instrument")]
    [InlineData("""{"completedAt":"2026-03-02T09:00:00Z","wishToBeDead":true,"suicidalThoughts":true,"thoughtsOfMethod":true,"intent":true,"plan":true,"suicidalBehavior":"over-3-months-ago,within-3-months"}""", "suicidality-checkins", "suicidalBehavior")]
    public async Task Inputs_seen_misread_in_production_are_refused_not_stored_as_another_value(string body, string resource, string field)
    {
        var patient = await CreatePatientAsync();
        var (status, problem, _) = await PostRawAsync(Client, $"/api/v1/patients/{patient}/{resource}", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal([field], ErrorKeys(problem));
        Assert.Equal(0, await CountAsync(Client, $"/api/v1/patients/{patient}/{resource}"));
    }

    [Theory]
    [InlineData("""{"researchConsent":true,"sex":"male,other"}""", "sex")]
    [InlineData("""{"name":"k","role":"clinician,ehr"}""", "role")]
    public async Task Comma_listed_sex_or_role_is_a_400_not_a_500_or_another_role(string body, string field)
    {
        var (status, problem, _) = await PostRawAsync(field == "role" ? Admin : Client, field == "role" ? "/api/v1/api-keys" : "/api/v1/patients", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal([field], ErrorKeys(problem));
    }

    public static TheoryData<string, string, string, string> EnumQueryParameters => new()
    {
        { "{patient}/questionnaires?", "instrument", "phq9, gad7", "clinician" },
        { "{patient}/trends?", "instrument", "phq9, gad7", "clinician" },
        { "/api/v1/research/trajectory?instrument=phq9&", "by", "session, week", "researcher" },
        { "/api/v1/research/trajectory?", "instrument", "phq9, gad7", "researcher" },
        { "/api/v1/research/trajectory?instrument=phq9&", "route", "iv, im, intranasal, sublingual, oral", "researcher" },
        { "/api/v1/research/summary?instrument=phq9&", "drug", "ketamine, esketamine", "researcher" },
        { "/api/v1/research/summary?instrument=phq9&", "diagnosis", "trd, mdd, bipolar-depression, ptsd, anxiety, ocd, chronic-pain", "researcher" },
        { "/api/v1/research/export.csv?", "instrument", "phq9, gad7", "researcher" },
        { "/api/v1/safety-alerts?", "status", "open, acknowledged, all", "clinician" },
        { "/api/v1/safety-alerts?", "level", "low, moderate, high", "clinician" },
        { "/api/v1/webhook-deliveries?", "status", "pending, delivered, failed", "admin" },
    };

    [Theory]
    [MemberData(nameof(EnumQueryParameters))]
    public async Task Enum_query_parameter_takes_only_one_exact_wire_name(string path, string parameter, string wires, string caller)
    {
        var patient = await CreatePatientAsync();
        using var http = caller switch { "admin" => ClientWith(AdminKey), "researcher" => ClientWith(await CreateKeyAsync("researcher")), _ => ClientWith(ClinicianKey) };
        var names = wires.Split(", ");
        var url = path.Replace("{patient}", $"/api/v1/patients/{patient}", StringComparison.Ordinal);
        foreach (var raw in new[]
        {
            Uri.EscapeDataString($"{names[0]},{names[1]}"), "1", "0", names[0].ToUpperInvariant(), Uri.EscapeDataString($" {names[0]}"),
            Uri.EscapeDataString($"{names[0]} "), $"{names[0]}&{parameter}={names[1]}", "",
        })
        {
            using var response = await http.GetAsync($"{url}{parameter}={raw}");
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync());
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{parameter}={raw} → {(int)response.StatusCode} {problem?.ToJsonString()}");
            Assert.Equal([parameter], ErrorKeys(problem));
            // A repeated parameter is refused for the repetition itself, before its values are read.
            var expected = raw.Contains('&', StringComparison.Ordinal) ? $"Given 2 times: give {parameter} once." : $"Must be one of: {wires}.";
            Assert.EndsWith(expected, (string?)problem!["errors"]![parameter]![0], StringComparison.Ordinal);
        }
        using var exact = await http.GetAsync($"{url}{parameter}={names[0]}");
        Assert.Equal(HttpStatusCode.OK, exact.StatusCode);
    }

    private static async Task<(HttpStatusCode Status, JsonNode? Body, string? ContentType)> PostRawAsync(HttpClient http, string url, string json)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(url, content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response.Content.Headers.ContentType?.MediaType);
    }

    private static async Task<int> CountAsync(HttpClient http, string url)
    {
        var body = JsonNode.Parse(await http.GetStringAsync(url))!;
        return (body is JsonArray a ? a : body["items"]!.AsArray()).Count;
    }
}
