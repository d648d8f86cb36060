using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.Json;
using Dapper;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// SPEC v2, Corrections, the write side: PUT with If-Match, entered-in-error, history and ETags for each kind of record,
/// on the real service over its own store (SQLite file, or PostgreSQL with KO_TEST_POSTGRES).
/// </summary>
public class CorrectionTests : CorrectionTest
{
    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Amending_stores_version_2_with_the_new_values_a_new_etag_and_both_versions_in_history(string kind)
    {
        var k = await CreateAsync(kind);
        var (_, before, got) = await SendAsync(HttpMethod.Get, k.Url, null, null);
        Assert.Equal("W/\"1\"", ETag(got));
        Assert.Equal(1, (int)before!["version"]!);
        Assert.True(JsonNode.DeepEquals(k.V1, before[k.Field]));

        var (status, amended, put) = await SendAsync(HttpMethod.Put, k.Url, k.Amendment, "W/\"1\"");
        Assert.True(status == HttpStatusCode.OK, amended?.ToJsonString());
        Assert.Equal("W/\"2\"", ETag(put));
        Assert.Equal(2, (int)amended!["version"]!);
        Assert.True(JsonNode.DeepEquals(k.V2, amended[k.Field]), amended.ToJsonString());
        if (kind != "patient") Assert.Equal("amended", (string)amended["status"]!);
        Assert.True(DateTimeOffset.Parse((string)amended["lastUpdated"]!, System.Globalization.CultureInfo.InvariantCulture)
            >= DateTimeOffset.Parse((string)before["lastUpdated"]!, System.Globalization.CultureInfo.InvariantCulture));

        var (_, reread, again) = await SendAsync(HttpMethod.Get, k.Url, null, null);
        Assert.Equal("W/\"2\"", ETag(again));
        Assert.True(JsonNode.DeepEquals(amended, reread), $"{amended.ToJsonString()}\n{reread!.ToJsonString()}");

        var history = await HistoryAsync(k.Url);
        Assert.Equal([1, 2], history.Select(h => (int)h!["version"]!));
        Assert.True(JsonNode.DeepEquals(k.V1, history[0]!["values"]![k.Field]));
        Assert.True(JsonNode.DeepEquals(k.V2, history[1]!["values"]![k.Field]));
        Assert.True(JsonNode.DeepEquals(amended, history[1]!["values"]), "the current version's values are the record as its GET shows it");
        Assert.Null(history[0]!["reason"]);
        Assert.Equal(k.Amendment.ToJsonNode()["reason"]!.GetValue<string>(), (string)history[1]!["reason"]!);
        Assert.Equal("key", (string)history[1]!["changedBy"]!["type"]!);
        Assert.Equal("test clinician", (string)history[1]!["changedBy"]!["name"]!);
        if (kind == "patient") Assert.All(history, h => Assert.False(h!.AsObject().ContainsKey("status")));
        else Assert.Equal(["final", "amended"], history.Select(h => (string)h!["status"]!));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_stale_if_match_answers_412_and_changes_neither_the_record_nor_its_history(string kind)
    {
        var k = await CreateAsync(kind);
        var amended = await AmendedAsync(k);
        var historyBefore = await HistoryAsync(k.Url);

        var (status, problem, _) = await SendAsync(HttpMethod.Put, k.Url, k.Amendment, "W/\"1\"");
        Assert.Equal(HttpStatusCode.PreconditionFailed, status);
        Assert.Contains("version 2", (string)problem!["detail"]!, StringComparison.Ordinal);
        Assert.True(JsonNode.DeepEquals(amended, await GetOkAsync(k.Url)));
        Assert.True(JsonNode.DeepEquals(historyBefore, await HistoryAsync(k.Url)));
        await using var c = await App.OpenConnectionAsync();
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM record_versions WHERE record_type = @t", new { t = k.RecordType }));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_put_without_if_match_answers_428_with_a_malformed_one_400_naming_if_match_and_with_a_foreign_etag_412(string kind)
    {
        var k = await CreateAsync(kind);
        Assert.Equal((HttpStatusCode)428, (await SendAsync(HttpMethod.Put, k.Url, k.Amendment, null)).Status);
        foreach (var malformed in new[] { "*", "W/\"1\", W/\"2\"", "1", "\"1", "W/\"1\"\"", "\"1 2\"" })
        {
            var (status, problem, _) = await SendAsync(HttpMethod.Put, k.Url, k.Amendment, malformed);
            Assert.True(status == HttpStatusCode.BadRequest, $"{malformed} → {(int)status}");
            Assert.Equal(["If-Match"], ErrorKeys(problem));
        }
        // Well-formed entity-tags that name no version of this record: they do not match (RFC 9110 §13.1.1), nothing is stored.
        foreach (var foreign in new[] { "W/\"0\"", "\"0\"", "W/\"01\"", "W/\"x\"", "W/\"\"", "W/\"99999999999\"", "W/\"-1\"" })
        {
            var (status, _, _) = await SendAsync(HttpMethod.Put, k.Url, k.Amendment, foreign);
            Assert.True(status == HttpStatusCode.PreconditionFailed, $"{foreign} → {(int)status}");
        }
        Assert.Equal(1, (int)(await GetOkAsync(k.Url))["version"]!);
        // A strong ETag names the same version.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Put, k.Url, k.Amendment, "\"1\"")).Status);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_reason_is_required_trimmed_and_at_most_500_characters(string kind)
    {
        var k = await CreateAsync(kind);
        var body = k.Amendment.ToJsonNode().AsObject();
        foreach (var reason in new JsonNode?[] { null, "   ", new string('x', 501) })
        {
            body["reason"] = reason?.DeepClone();
            var (status, problem, _) = await SendAsync(HttpMethod.Put, k.Url, body, "W/\"1\"");
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal(["reason"], ErrorKeys(problem));
        }
        body["reason"] = "  Birth year mistyped  ";
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Put, k.Url, body, "W/\"1\"")).Status);
        Assert.Equal("Birth year mistyped", (string)(await HistoryAsync(k.Url))[1]!["reason"]!);
    }

    [Theory]
    [MemberData(nameof(Assessments))]
    public async Task Entered_in_error_answers_200_then_409_stays_readable_by_id_and_in_history_with_an_audit_row(string kind)
    {
        var k = await CreateAsync(kind);
        var eie = k.Url + "/entered-in-error";
        var (status, marked, response) = await SendAsync(HttpMethod.Post, eie, new { reason = "Entered for the wrong patient" }, null);
        Assert.True(status == HttpStatusCode.OK, marked?.ToJsonString());
        Assert.Equal("entered-in-error", (string)marked!["status"]!);
        Assert.Equal(2, (int)marked["version"]!);
        Assert.Equal("W/\"2\"", ETag(response));

        var (again, problem, _) = await SendAsync(HttpMethod.Post, eie, new { reason = "Entered for the wrong patient" }, null);
        Assert.Equal(HttpStatusCode.Conflict, again);
        Assert.Contains("already", (string)problem!["detail"]!, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Put, k.Url, k.Amendment, "W/\"2\"")).Status);

        Assert.Equal("entered-in-error", (string)(await GetOkAsync(k.Url))["status"]!);
        var history = await HistoryAsync(k.Url);
        Assert.Equal(["final", "entered-in-error"], history.Select(h => (string)h!["status"]!));
        Assert.Equal("Entered for the wrong patient", (string)history[1]!["reason"]!);

        var patient = k.Url.Split('/')[4];
        var audit = (await Admin.GetFromJsonAsync<JsonNode>($"/api/v1/audit?patientId={patient}&limit=500"))!["items"]!.AsArray();
        var actions = audit.Select(r => ((string)r!["action"]!, (int)r["statusCode"]!)).ToArray();
        var name = kind switch { "questionnaire" => "MarkQuestionnaireEnteredInError", "checkin" => "MarkSuicidalityCheckinEnteredInError", _ => "MarkInfusionEnteredInError" };
        Assert.Equal([(name, 200), (name, 409)], actions.Where(a => a.Item1 == name));
        // Each correction row names the record it acted on, so the audit can be searched for it.
        var recordType = kind == "checkin" ? "suicidality-checkin" : kind;
        var recordId = k.Url.Split('/')[^1];
        Assert.All(audit.Where(r => (string)r!["action"]! == name), r => Assert.Equal((recordType, recordId), ((string)r!["targetType"]!, (string)r["targetId"]!)));
        var byTarget = (await Admin.GetFromJsonAsync<JsonNode>($"/api/v1/audit?targetId={recordId}&limit=500"))!["items"]!.AsArray();
        var historyName = kind switch { "questionnaire" => "GetQuestionnaireHistory", "checkin" => "GetSuicidalityCheckinHistory", _ => "GetInfusionHistory" };
        var amendName = kind switch { "questionnaire" => "AmendQuestionnaire", "checkin" => "AmendSuicidalityCheckin", _ => "AmendInfusion" };
        Assert.Equal(new[] { amendName, historyName, name, name }.Order(StringComparer.Ordinal), byTarget.Select(r => (string)r!["action"]!).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Assessments))]
    public async Task Entered_in_error_honours_a_stale_if_match_with_412_and_replays_an_idempotent_retry(string kind)
    {
        var k = await CreateAsync(kind);
        var eie = k.Url + "/entered-in-error";
        await AmendedAsync(k);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await SendAsync(HttpMethod.Post, eie, new { reason = "Wrong patient" }, "W/\"1\"")).Status);
        Assert.Equal("amended", (string)(await GetOkAsync(k.Url))["status"]!);

        var first = await SendAsync(HttpMethod.Post, eie, new { reason = "Wrong patient" }, "W/\"2\"", idempotencyKey: "eie-1");
        var replay = await SendAsync(HttpMethod.Post, eie, new { reason = "Wrong patient" }, "W/\"2\"", idempotencyKey: "eie-1");
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(HttpStatusCode.OK, replay.Status);
        Assert.Equal("true", replay.Response.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.True(JsonNode.DeepEquals(first.Body, replay.Body));
        Assert.Equal("W/\"3\"", ETag(replay.Response));
        Assert.Equal(3, (await HistoryAsync(k.Url)).Count);
        Assert.Equal((HttpStatusCode)422, (await SendAsync(HttpMethod.Post, eie, new { reason = "Another reason" }, null, idempotencyKey: "eie-1")).Status);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task An_idempotent_put_retry_replays_its_answer_and_a_put_changing_nothing_stores_no_version(string kind)
    {
        var k = await CreateAsync(kind);
        var first = await SendAsync(HttpMethod.Put, k.Url, k.Amendment, "W/\"1\"", idempotencyKey: "amend-1");
        var replay = await SendAsync(HttpMethod.Put, k.Url, k.Amendment, "W/\"1\"", idempotencyKey: "amend-1");
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.Status, replay.Status));
        Assert.Equal("true", replay.Response.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.True(JsonNode.DeepEquals(first.Body, replay.Body));
        Assert.Equal(("W/\"2\"", "W/\"2\""), (ETag(first.Response), ETag(replay.Response)));
        var otherBody = k.Amendment.ToJsonNode().AsObject();
        otherBody["reason"] = "Another reason";
        Assert.Equal((HttpStatusCode)422, (await SendAsync(HttpMethod.Put, k.Url, otherBody, "W/\"2\"", idempotencyKey: "amend-1")).Status);
        // The precondition is part of the request: the same body against another version is not a replay of a stale answer.
        Assert.Equal((HttpStatusCode)422, (await SendAsync(HttpMethod.Put, k.Url, k.Amendment, "W/\"2\"", idempotencyKey: "amend-1")).Status);

        // The same values again, without a key: nothing changes, so no version 3 and the ETag other editors hold stays valid.
        var (status, same, response) = await SendAsync(HttpMethod.Put, k.Url, otherBody, "W/\"2\"");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((2, "W/\"2\""), ((int)same!["version"]!, ETag(response)));
        Assert.True(JsonNode.DeepEquals(first.Body, same));
        Assert.Equal(2, (await HistoryAsync(k.Url)).Count);
        await using var c = await App.OpenConnectionAsync();
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM record_versions WHERE record_type = @t", new { t = k.RecordType }));
    }

    [Fact]
    public async Task A_research_consent_change_honours_an_idempotency_key()
    {
        var k = await CreateAsync("patient");
        var url = k.Url + "/research-consent";
        var first = await SendAsync(HttpMethod.Put, url, new { researchConsent = false }, null, idempotencyKey: "consent-1");
        var replay = await SendAsync(HttpMethod.Put, url, new { researchConsent = false }, null, idempotencyKey: "consent-1");
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.Status, replay.Status));
        Assert.Equal("true", replay.Response.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(ETag(first.Response), ETag(replay.Response));
        Assert.Equal((HttpStatusCode)422, (await SendAsync(HttpMethod.Put, url, new { researchConsent = true }, null, idempotencyKey: "consent-1")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Put, url, new { researchConsent = true }, null, idempotencyKey: "a b")).Status);
        Assert.False((bool)(await GetOkAsync(k.Url))["researchConsent"]!);
    }

    [Fact]
    public async Task A_questionnaires_instrument_cannot_change_by_put()
    {
        var k = await CreateAsync("questionnaire");
        var (status, problem, _) = await SendAsync(HttpMethod.Put, k.Url,
            new { instrument = "gad7", completedAt = Iso(Day0), items = new[] { 1, 1, 1, 1, 1, 1, 1 }, reason = "Wrong form" }, "W/\"1\"");
        Assert.Equal((HttpStatusCode)422, status);
        Assert.Equal(["instrument"], ErrorKeys(problem));
        Assert.Equal(1, (int)(await GetOkAsync(k.Url))["version"]!);
    }

    [Fact]
    public async Task An_amended_questionnaire_is_validated_exactly_as_a_submission()
    {
        var k = await CreateAsync("questionnaire");
        var (status, problem, _) = await SendAsync(HttpMethod.Put, k.Url,
            new { instrument = "phq9", completedAt = Iso(DateTimeOffset.UtcNow.AddDays(1)), items = new int?[] { 1, 1, 1, 1, 1, 1, 1, 1, null }, reason = "x" }, "W/\"1\"");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("completedAt", ErrorKeys(problem));
        Assert.Contains(ErrorKeys(problem), key => key.StartsWith("items", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_patient_put_refuses_site_id_and_research_consent_and_a_duplicate_mrn_answers_409()
    {
        var patient = await CreatePatientAsync(mrn: "MRN-A");
        await CreatePatientAsync(mrn: "MRN-B");
        var url = $"/api/v1/patients/{patient}";
        var (status, problem, _) = await SendAsync(HttpMethod.Put, url, new { mrn = "MRN-A", siteId = "south", reason = "Moved" }, "W/\"1\"");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["siteId"], ErrorKeys(problem));
        (status, problem, _) = await SendAsync(HttpMethod.Put, url, new { mrn = "MRN-A", researchConsent = false, reason = "x" }, "W/\"1\"");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["researchConsent"], ErrorKeys(problem));
        (status, _, _) = await SendAsync(HttpMethod.Put, url, new { mrn = "MRN-B", reason = "Typo" }, "W/\"1\"");
        Assert.Equal(HttpStatusCode.Conflict, status);
        var unchanged = await GetOkAsync(url);
        Assert.Equal(("MRN-A", "north", 1), ((string)unchanged["mrn"]!, (string)unchanged["siteId"]!, (int)unchanged["version"]!));
    }

    [Fact]
    public async Task A_research_consent_change_is_a_new_patient_version_with_its_etag_and_history()
    {
        var patient = await CreatePatientAsync();
        var url = $"/api/v1/patients/{patient}";
        var (status, body, response) = await SendAsync(HttpMethod.Put, url + "/research-consent", new { researchConsent = false }, null);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((2, false), ((int)body!["version"]!, (bool)body["researchConsent"]!));
        Assert.Equal("W/\"2\"", ETag(response));
        var history = await HistoryAsync(url);
        Assert.Equal([true, false], history.Select(h => (bool)h!["values"]!["researchConsent"]!));
        Assert.Equal("Research consent withdrawn.", (string)history[1]!["reason"]!);
        // A PUT made against the version before the consent change is stale.
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await SendAsync(HttpMethod.Put, url, new { mrn = "MRN-X", reason = "x" }, "W/\"1\"")).Status);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await SendAsync(HttpMethod.Put, url + "/research-consent", new { researchConsent = true }, "W/\"1\"")).Status);
    }

    [Fact]
    public async Task An_infusion_entered_in_error_has_session_number_null_in_its_answer_read_and_history_while_earlier_versions_keep_theirs()
    {
        var patient = await CreatePatientAsync();
        var first = (string)(await InfusionAsync(patient, Day0))["id"]!;
        var second = (string)(await InfusionAsync(patient, Day0.AddDays(2)))["id"]!;
        var third = (string)(await InfusionAsync(patient, Day0.AddDays(4)))["id"]!;
        var url = $"/api/v1/patients/{patient}/infusions/{second}";
        var amend = new { administeredAt = Iso(Day0.AddDays(2)), route = "iv", drug = "ketamine", doseMgPerKg = 0.75, reason = "Dose was transcribed wrongly" };
        Assert.Equal(2, (int)(await AmendedAsync(new Kind(url, amend, "doseMgPerKg", null, null, "infusion")))["sessionNumber"]!);

        var (status, marked, _) = await SendAsync(HttpMethod.Post, url + "/entered-in-error", new { reason = "Recorded on the wrong patient" }, "W/\"2\"");
        Assert.True(status == HttpStatusCode.OK, marked?.ToJsonString());
        Assert.Equal(("entered-in-error", 3), ((string)marked!["status"]!, (int)marked["version"]!));
        Assert.Null(marked["sessionNumber"]);
        var (_, read, got) = await SendAsync(HttpMethod.Get, url, null, null);
        Assert.Equal((JsonNode?)null, read!["sessionNumber"]);
        Assert.Equal("W/\"3\"", ETag(got));

        // Each earlier version shows the session it was (standing in for the current one); the marked version none.
        var history = await HistoryAsync(url);
        Assert.Equal([(1, (int?)2), (2, 2), (3, null)], history.Select(h => ((int)h!["version"]!, (int?)h["values"]!["sessionNumber"])));
        Assert.Equal(2, (int)(await GetOkAsync($"/api/v1/patients/{patient}/infusions/{third}"))["sessionNumber"]!);

        // Amending or marking it again is a conflict, never a server error.
        var (putStatus, problem, _) = await SendAsync(HttpMethod.Put, url, amend, "W/\"3\"");
        Assert.Equal(HttpStatusCode.Conflict, putStatus);
        Assert.NotNull(problem!["detail"]);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, url + "/entered-in-error", new { reason = "again" }, null)).Status);

        // The only live infusion after the first is marked too: the remaining one is session 1.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Post, $"/api/v1/patients/{patient}/infusions/{first}/entered-in-error", new { reason = "Wrong day" }, null)).Status);
        Assert.Equal(1, (int)(await GetOkAsync($"/api/v1/patients/{patient}/infusions/{third}"))["sessionNumber"]!);
        Assert.Equal([(int?)1, null], (await HistoryAsync($"/api/v1/patients/{patient}/infusions/{first}")).Select(h => (int?)h!["values"]!["sessionNumber"]));
    }

    [Fact]
    public async Task Another_sites_record_cannot_be_corrected_or_its_history_read()
    {
        var k = await CreateAsync("questionnaire", await CreatePatientAsync(siteId: "south"));
        using var north = ClientWith(await CreateKeyAsync("clinician", "north"));
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Put, k.Url, k.Amendment, "W/\"1\"", client: north)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Post, k.Url + "/entered-in-error", new { reason = "x" }, null, client: north)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, k.Url + "/history", null, null, client: north)).Status);
        Assert.Equal(1, (int)(await GetOkAsync(k.Url))["version"]!);
    }

    [Fact]
    public async Task Portal_and_researcher_keys_may_not_correct_and_admin_may_read_history()
    {
        var k = await CreateAsync("questionnaire");
        foreach (var role in new[] { "portal", "researcher" })
        {
            using var client = ClientWith(await CreateKeyAsync(role));
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Put, k.Url, k.Amendment, "W/\"1\"", client: client)).Status);
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, k.Url + "/entered-in-error", new { reason = "x" }, null, client: client)).Status);
        }
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, k.Url + "/history", null, null, client: Admin)).Status);
    }
}

/// <summary>Records of each kind to correct, and requests with If-Match and Idempotency-Key, for the correction tests.</summary>
public abstract class CorrectionTest : ApiTest
{
    protected CorrectionTest() { }

    protected CorrectionTest(Dictionary<string, string?> settings) : base(settings) { }

    /// <summary>One kind of record: where it is, a PUT body that changes <paramref name="Field"/> from V1 to V2.</summary>
    public sealed record Kind(string Url, object Amendment, string Field, JsonNode? V1, JsonNode? V2, string RecordType);

    public static TheoryData<string> Kinds => new() { "questionnaire", "checkin", "infusion", "patient" };

    public static TheoryData<string> Assessments => new() { "questionnaire", "checkin", "infusion" };

    protected async Task<Kind> CreateAsync(string kind, string? patient = null)
    {
        patient ??= await CreatePatientAsync();
        var at = Iso(Day0);
        switch (kind)
        {
            case "questionnaire":
                var q = await Phq9Async(patient, Day0, Phq9Items(10));
                return new Kind($"/api/v1/patients/{patient}/questionnaires/{q["id"]}",
                    new { instrument = "phq9", completedAt = at, items = Phq9Items(20), reason = "Patient mis-tapped answers" }, "totalScore", 10, 20, "questionnaire");
            case "checkin":
                var k = await CreatedAsync($"/api/v1/patients/{patient}/suicidality-checkins", new { completedAt = at, wishToBeDead = false, suicidalThoughts = false, suicidalBehavior = "none" });
                return new Kind($"/api/v1/patients/{patient}/suicidality-checkins/{k["id"]}",
                    new { completedAt = at, wishToBeDead = true, suicidalThoughts = false, suicidalBehavior = "none", reason = "Clinician re-asked question 1" }, "riskLevel", "none", "low", "suicidality-checkin");
            case "infusion":
                var i = await InfusionAsync(patient, Day0);
                return new Kind($"/api/v1/patients/{patient}/infusions/{i["id"]}",
                    new { administeredAt = at, route = "iv", drug = "ketamine", doseMgPerKg = 0.75, durationMinutes = 40, reason = "Dose was transcribed wrongly" }, "doseMgPerKg", 0.5, 0.75, "infusion");
            default:
                return new Kind($"/api/v1/patients/{patient}",
                    new { mrn = $"MRN-{Guid.NewGuid():N}", birthYear = 1981, sex = "female", diagnoses = new[] { "trd" }, reason = "Birth year mistyped" }, "birthYear", 1980, 1981, "patient");
        }
    }

    protected async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(
        HttpMethod method, string url, object? body, string? ifMatch, string? idempotencyKey = null, HttpClient? client = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null) request.Content = JsonContent.Create(body);
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        var response = await (client ?? Client).SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    protected static string? ETag(HttpResponseMessage r) => r.Headers.ETag?.ToString();

    protected async Task<JsonNode> AmendedAsync(Kind k, string ifMatch = "W/\"1\"")
    {
        var (status, body, _) = await SendAsync(HttpMethod.Put, k.Url, k.Amendment, ifMatch);
        Assert.True(status == HttpStatusCode.OK, $"PUT {k.Url} → {(int)status}: {body?.ToJsonString()}");
        return body!;
    }

    protected async Task<JsonArray> HistoryAsync(string url) => (await GetOkAsync(url + "/history"))["items"]!.AsArray();
}

internal static class CorrectionTestExtensions
{
    public static JsonNode ToJsonNode(this object value) => JsonSerializer.SerializeToNode(value)!;
}
