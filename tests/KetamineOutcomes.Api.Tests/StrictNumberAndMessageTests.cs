using System.Net;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// SPEC v2 Boundaries: a number is a JSON number (a string "2" is refused), out-of-range and non-finite forms are 400s
/// naming the field, never 500s; and every refusal says what is expected.
/// </summary>
public class StrictNumberAndMessageTests : ApiTest
{
    private const string Q = """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,1,1,1,1,1,0]""";
    private const string I = "{\"administeredAt\":\"2026-03-02T09:00:00Z\",\"route\":\"iv\",\"drug\":\"ketamine\"";

    /// <summary>Every number field of every body: where it goes ("$V" is the raw value), its name in <c>errors</c>, whole or not.</summary>
    public static TheoryData<string, string, string, bool> NumberFields => new()
    {
        { "questionnaires", """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[1,$V,1,1,1,1,1,1,0]}""", "items[1]", true },
        { "questionnaires", """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,1,1,1,1,1,$V]}""", "items[8]", true },
        { "questionnaires", Q + ""","difficulty":$V}""", "difficulty", true },
        { "patients", """{"researchConsent":true,"birthYear":$V}""", "birthYear", true },
        { "infusions", I + ""","doseMg":$V}""", "doseMg", false },
        { "infusions", I + ""","doseMgPerKg":$V}""", "doseMgPerKg", false },
        { "infusions", I + ""","durationMinutes":$V}""", "durationMinutes", true },
        { "infusions", I + ""","bloodPressure":{"preSystolic":$V}}""", "bloodPressure.preSystolic", true },
        { "infusions", I + ""","bloodPressure":{"preDiastolic":$V}}""", "bloodPressure.preDiastolic", true },
        { "infusions", I + ""","bloodPressure":{"postSystolic":$V}}""", "bloodPressure.postSystolic", true },
        { "infusions", I + ""","bloodPressure":{"postDiastolic":$V}}""", "bloodPressure.postDiastolic", true },
    };

    [Theory]
    [MemberData(nameof(NumberFields))]
    public async Task Number_field_takes_only_a_JSON_number_in_range_and_stores_nothing_otherwise(string resource, string template, string field, bool whole)
    {
        var patient = await CreatePatientAsync(siteId: "number-site");
        var url = resource == "patients" ? "/api/v1/patients" : $"/api/v1/patients/{patient}/{resource}";
        var list = resource == "patients" ? "/api/v1/patients?siteId=number-site" : url;
        var before = (await GetOkAsync(list))["items"]!.AsArray().Count;
        var refused = new List<(string Json, string Fragment)>
        {
            ("\"2\"", "JSON number, e.g. 2"), ("\"2.5\"", "JSON number"), ("\" 2\"", "JSON number"), ("\"NaN\"", "JSON number"),
            ("\"Infinity\"", "JSON number"), ("\"-Infinity\"", "JSON number"), ("\"1e3\"", "JSON number"), ("\"0x10\"", "JSON number"),
            ("true", "JSON number"), ("[2]", "JSON number"), ("{\"value\":2}", "JSON number"),
            ("1e400", whole ? "whole JSON number" : "Must be"), ("-1e400", whole ? "whole JSON number" : "Must be"),
            ("99999999999999999999", whole ? "whole JSON number" : "Must be"), ("-5", "Must be"), ("100000", "Must be"),
        };
        if (whole) refused.AddRange([("2.0", "whole JSON number, e.g. 2"), ("2.5", "whole JSON number"), ("1e0", "whole JSON number"), ("2147483648", "whole JSON number")]);
        foreach (var (json, fragment) in refused)
        {
            var (status, problem, response) = await PostAsync(url, template.Replace("$V", json, StringComparison.Ordinal));
            Assert.True(status == HttpStatusCode.BadRequest, $"{field}={json} → {(int)status} {problem?.ToJsonString()}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal([field], ErrorKeys(problem));
            var message = (string)problem!["errors"]![field]![0]!;
            Assert.True(message.Contains(fragment, StringComparison.Ordinal), $"{field}={json}: \"{message}\" lacks \"{fragment}\"");
        }
        Assert.Equal(before, (await GetOkAsync(list))["items"]!.AsArray().Count);
    }

    /// <summary>What each kind of refusal says: the field and a fragment of its one message.</summary>
    public static TheoryData<string, string, string, string> Messages => new()
    {
        { "questionnaires", """{"instrument":"phq9","completedAt":"2026-03-03T09:00:00","items":[1,1,1,1,1,1,1,1,0]}""", "completedAt", "Must be an RFC 3339 date-time with an offset, e.g. 2026-03-02T09:30:00Z." },
        { "questionnaires", """{"instrument":"phq9","completedAt":20260303,"items":[1,1,1,1,1,1,1,1,0]}""", "completedAt", "Must be an RFC 3339 date-time with an offset, e.g. 2026-03-02T09:30:00Z." },
        { "questionnaires", """{"instrument":"phq9","items":[1,1,1,1,1,1,1,1,0]}""", "completedAt", "Required. Must be an RFC 3339 date-time with an offset" },
        { "questionnaires", """{"instrument":"PHQ-9","completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,1,1,1,1,1,0]}""", "instrument", "Must be one of: phq9, gad7." },
        { "questionnaires", """{"completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,1,1,1,1,1,0]}""", "instrument", "Required. Must be one of: phq9, gad7." },
        { "questionnaires", """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[1,"2",1,1,1,1,1,1,0]}""", "items[1]", "Must be a whole JSON number, e.g. 2." },
        { "questionnaires", """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,4,1,1,1,1,0]}""", "items[3]", "Must be between 0 and 3" },
        { "questionnaires", """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":"1,1,1,1,1,1,1,1,0"}""", "items", "Must be a JSON array whose items are each a whole JSON number" },
        { "questionnaires", """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,1,1,1,1,1,0],"source":7}""", "source", "Must be a JSON string." },
        { "questionnaires", """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,1,1,1,1,1,0],"items":[0,0,0,0,0,0,0,0,0]}""", "items", "Given more than once" },
        { "questionnaires", """{"instrument":"phq9","completedAt":""", "body", "The body is not valid JSON" },
        { "questionnaires", """[]""", "body", "Must be a JSON object." },
        { "questionnaires", "\"phq9\"", "body", "Must be a JSON object." },
        { "suicidality-checkins", """{"completedAt":"2026-03-02T09:00:00Z","wishToBeDead":"no","suicidalThoughts":false,"suicidalBehavior":"none"}""", "wishToBeDead", "Must be true or false." },
        { "suicidality-checkins", """{"completedAt":"2026-03-02T09:00:00Z","wishToBeDead":0,"suicidalThoughts":false,"suicidalBehavior":"none"}""", "wishToBeDead", "Must be true or false." },
        { "suicidality-checkins", """{"completedAt":"2026-03-02T09:00:00Z","wishToBeDead":false,"suicidalBehavior":"none"}""", "suicidalThoughts", "Required. Must be true or false." },
        { "suicidality-checkins", """{"completedAt":"2026-03-02T09:00:00Z","wishToBeDead":false,"suicidalThoughts":false}""", "suicidalBehavior", "Required. Must be one of: none, over-3-months-ago, within-3-months." },
        { "infusions", """{"administeredAt":"2026-03-02T09:00:00Z","drug":"ketamine"}""", "route", "Required. Must be one of: iv, im, intranasal, sublingual, oral." },
        { "infusions", I + ""","doseMgPerKg":40}""", "doseMgPerKg", "Must be greater than 0 and at most 10." },
        { "infusions", I + ""","Route":"im"}""", "Route", "Not a field of this request" }, // names match exactly as the contract spells them
        { "infusions", I + ""","durationMinutes":0}""", "durationMinutes", "Must be between 1 and 1440." },
        { "infusions", I + ""","bloodPressure":120}""", "bloodPressure", "Must be a JSON object." },
        { "infusions", I + ""","sideEffects":"nausea"}""", "sideEffects", "Must be a JSON array whose items are each one of: dissociation, nausea" },
        { "patients", """{"researchConsent":"true"}""", "researchConsent", "Must be true or false." },
        { "patients", """{"researchConsent":true,"birthYear":1850}""", "birthYear", "Must be between 1900 and " },
        { "patients", """{"researchConsent":true,"mrn":12345}""", "mrn", "Must be a JSON string." },
        { "patients", """{"researchConsent":true,"diagnoses":"trd"}""", "diagnoses", "Must be a JSON array whose items are each one of: trd, mdd" },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public async Task Refusal_says_what_is_expected(string resource, string body, string field, string fragment)
    {
        var patient = await CreatePatientAsync();
        var (status, problem, _) = await PostAsync(resource == "patients" ? "/api/v1/patients" : $"/api/v1/patients/{patient}/{resource}", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal([field], ErrorKeys(problem));
        var message = Assert.Single(problem!["errors"]![field]!.AsArray());
        Assert.Contains(fragment, (string)message!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("questionnaires?from=2026-03-02T00:00:00", "from", "Must be an RFC 3339 date-time with an offset, e.g. 2026-03-02T09:30:00Z.")]
    [InlineData("questionnaires?instrument=PHQ-9", "instrument", "Must be one of: phq9, gad7.")]
    [InlineData("questionnaires?limit=0", "limit", "Must be an integer from 1 to 500, digits only without leading zeros.")]
    [InlineData("questionnaires?limit=2.0", "limit", "Must be an integer from 1 to 500, digits only without leading zeros.")]
    [InlineData("questionnaires?cursor=x", "cursor", "Not a cursor this service issued for this list")]
    [InlineData("trends/PHQ9.svg", "instrument", "Must be one of: phq9, gad7.")]
    [InlineData("trends/phq9.svg?width=1e3", "width", "Must be an integer from")]
    public async Task Query_refusal_says_what_is_expected(string path, string field, string fragment)
    {
        var patient = await CreatePatientAsync();
        var (status, problem, _) = await SendAsync(HttpMethod.Get, $"/api/v1/patients/{patient}/{path}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal([field], ErrorKeys(problem));
        Assert.Contains(fragment, (string)problem!["errors"]![field]![0]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_outbox_event_spells_enums_by_wire_name()
    {
        // The outbox writes with the same converter as the API: level and trigger as wire names, never numbers.
        var patient = await CreatePatientAsync();
        await Phq9Async(patient, Day0, Phq9Items(12, item9: 2));
        await using var c = await App.OpenConnectionAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT payload FROM outbox_events";
        var payload = JsonNode.Parse((string)(await cmd.ExecuteScalarAsync())!)!;
        Assert.Equal("phq9-item9", (string?)payload["trigger"]);
        Assert.Contains((string?)payload["level"], new[] { "low", "moderate", "high" });
    }
}

/// <summary>A field the contract does not have is refused, never dropped (a misspelt risk answer would vanish).</summary>
public class UnknownFieldTests : ApiTest
{
    [Theory]
    [InlineData("suicidality-checkins", """{"completedAt":"2026-03-02T09:00:00Z","wishToBeDead":true,"suicidalThoughts":true,"thoughtsOfMethod":false,"intnet":true,"plan":false,"suicidalBehavior":"none"}""", "intnet")]
    [InlineData("questionnaires", """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,1,1,1,1,1,0],"item9":3}""", "item9")]
    [InlineData("infusions", """{"administeredAt":"2026-03-02T09:00:00Z","route":"iv","drug":"ketamine","bloodPressure":{"preSystolik":140}}""", "bloodPressure.preSystolik")]
    [InlineData("infusions", """{"administeredAt":"2026-03-02T09:00:00Z","ROUTE":"iv","drug":"ketamine"}""", "ROUTE")]
    [InlineData("infusions", """{"administeredAt":"2026-03-02T09:00:00Z","route":"iv","drug":"ketamine","bloodPressure":{"presystolic":80}}""", "bloodPressure.presystolic")]
    public async Task A_field_the_contract_does_not_have_is_a_400_naming_it_and_nothing_is_stored(string resource, string body, string field)
    {
        var patient = await CreatePatientAsync();
        var url = $"/api/v1/patients/{patient}/{resource}";
        var (status, problem, _) = await PostAsync(url, body);
        Assert.True(status == HttpStatusCode.BadRequest, problem?.ToJsonString());
        Assert.Contains(field, ErrorKeys(problem));
        Assert.Contains("Not a field of this request", (string)problem!["errors"]![field]![0]!, StringComparison.Ordinal);
        Assert.Empty((await GetOkAsync(url))["items"]!.AsArray());
    }
}

/// <summary>Free text (notes, source, note) is plain text: no control characters but tab and line breaks, no bidi controls.</summary>
public class FreeTextTests : ApiTest
{
    [Theory]
    [InlineData("notes", "a\u0000b")]
    [InlineData("notes", "a\u0007b")]
    [InlineData("notes", "\u202Eevil")]
    [InlineData("notes", "dose \u2066ok\u2069")]
    public async Task Control_and_bidi_characters_in_free_text_are_a_400_naming_the_field_and_nothing_is_stored(string field, string value)
    {
        var patient = await CreatePatientAsync();
        var url = $"/api/v1/patients/{patient}/infusions";
        var (status, problem, _) = await PostAsync(url, new Dictionary<string, object> { ["administeredAt"] = "2026-03-02T09:00:00Z", ["route"] = "iv", ["drug"] = "ketamine", [field] = value });
        Assert.True(status == HttpStatusCode.BadRequest, problem?.ToJsonString());
        Assert.Equal([field], ErrorKeys(problem));
        Assert.Empty((await GetOkAsync(url))["items"]!.AsArray());
    }

    [Fact]
    public async Task Line_breaks_and_tabs_in_notes_are_kept()
    {
        var patient = await CreatePatientAsync();
        var created = await CreatedAsync($"/api/v1/patients/{patient}/infusions",
            new { administeredAt = "2026-03-02T09:00:00Z", route = "iv", drug = "ketamine", notes = "line 1\r\n\tline 2" });
        Assert.Equal("line 1\r\n\tline 2", (string)created["notes"]!);
    }
}
