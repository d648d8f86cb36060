using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using KetamineOutcomes.Api.Tests.Fhir;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Issue 18 (optional point): a portal key bound to one patient, for that patient's own app. It acts only on its
/// patient; every other patient answers like a missing one (404); lists and searches spanning patients stay refused
/// (403), as for every portal key.
/// </summary>
public class PatientBoundKeyTests : ApiTest
{
    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<(HttpStatusCode Status, JsonNode? Body)> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body)> CreateKeyRawAsync(HttpClient admin, string body)
    {
        using var response = await admin.PostAsync("/api/v1/api-keys", Json(body));
        return await ReadAsync(response);
    }

    private async Task<(string Key, JsonNode Created)> PatientKeyAsync(string patientId)
    {
        var (status, body) = await CreateKeyRawAsync(Admin, $$"""{"name":"patient app","role":"portal","patientId":"{{patientId}}"}""");
        Assert.True(status == HttpStatusCode.Created, body?.ToJsonString());
        return ((string)body!["key"]!, body);
    }

    private async Task<IReadOnlyList<string>> KeyNamesAsync() =>
        (await Admin.GetFromJsonAsync<JsonNode>("/api/v1/api-keys"))!["items"]!.AsArray().Select(k => (string)k!["name"]!).ToArray();

    [Theory]
    [InlineData("clinician", "north", null, "patientId")]
    [InlineData("ehr", "north", null, "patientId")]
    [InlineData("researcher", "north", null, "patientId")]
    [InlineData("admin", "north", null, "patientId")]
    [InlineData("portal", "malformed", null, "patientId")]
    [InlineData("portal", "empty", null, "patientId")]
    [InlineData("portal", "unknown", null, "patientId")]
    [InlineData("portal", "north", "south", "siteId")]
    [InlineData("portal", "unsited", "north", "siteId")]
    public async Task A_patient_binding_that_breaks_a_rule_is_refused_naming_the_field_and_no_key_is_made(
        string role, string patient, string? siteId, string field)
    {
        var north = await CreatePatientAsync(siteId: "north");
        var unsited = await CreatePatientAsync(siteId: null);
        var patientId = patient switch
        {
            "north" => north,
            "unsited" => unsited,
            "unknown" => Guid.NewGuid().ToString(),
            "empty" => "",
            _ => "not-a-uuid",
        };
        var site = siteId is null ? "" : $$""","siteId":"{{siteId}}" """;
        var (status, body) = await CreateKeyRawAsync(Admin, $$"""{"name":"refused binding","role":"{{role}}","patientId":"{{patientId}}"{{site}}}""");

        Assert.True(status == HttpStatusCode.BadRequest, body?.ToJsonString());
        Assert.Equal([field], ErrorKeys(body));
        Assert.DoesNotContain("refused binding", await KeyNamesAsync());
    }

    [Fact]
    public async Task A_site_bound_admin_binds_its_own_sites_patient_and_another_sites_is_answered_like_a_missing_one()
    {
        var north = await CreatePatientAsync(siteId: "north");
        var south = await CreatePatientAsync(siteId: "south");
        var unsited = await CreatePatientAsync(siteId: null);
        using var northAdmin = ClientWith(await CreateKeyAsync("admin", "north"));

        // Another site's (or no site's) patient gets exactly the answer of a patient that does not exist: no existence leak.
        var (_, missing) = await CreateKeyRawAsync(northAdmin, $$"""{"name":"other site's patient","role":"portal","patientId":"{{Guid.NewGuid()}}"}""");
        foreach (var other in new[] { south, unsited })
        {
            var (refused, problem) = await CreateKeyRawAsync(northAdmin, $$"""{"name":"other site's patient","role":"portal","patientId":"{{other}}"}""");
            Assert.True(refused == HttpStatusCode.BadRequest, problem?.ToJsonString());
            Assert.Equal(["patientId"], ErrorKeys(problem));
            Assert.Equal(missing!["errors"]!.ToJsonString(), problem!["errors"]!.ToJsonString());
        }
        Assert.DoesNotContain("other site's patient", await KeyNamesAsync());

        // Without siteId the key takes the patient's site, so the north admin manages it (lists it, with its patient).
        var (created, key) = await CreateKeyRawAsync(northAdmin, $$"""{"name":"own patient's app","role":"portal","patientId":"{{north}}"}""");
        Assert.True(created == HttpStatusCode.Created, key?.ToJsonString());
        Assert.Equal("north", (string?)key!["siteId"]);
        Assert.Equal(north, (string?)key["patientId"]);
        var listed = (await northAdmin.GetFromJsonAsync<JsonNode>("/api/v1/api-keys"))!["items"]!.AsArray()
            .Single(k => (string)k!["id"]! == (string)key["id"]!)!;
        Assert.Equal(north, (string?)listed["patientId"]);
        Assert.Equal("north", (string?)listed["siteId"]);
    }

    [Fact]
    public async Task A_patient_bound_key_takes_its_patients_site_and_the_listing_shows_its_patient()
    {
        var north = await CreatePatientAsync(siteId: "north");
        var unsited = await CreatePatientAsync(siteId: null);

        var (_, implicitSite) = await PatientKeyAsync(north);
        Assert.Equal("north", (string?)implicitSite["siteId"]);
        var (explicitStatus, explicitSite) = await CreateKeyRawAsync(Admin, $$"""{"name":"explicit","role":"portal","siteId":"north","patientId":"{{north}}"}""");
        Assert.Equal(HttpStatusCode.Created, explicitStatus);
        Assert.Equal("north", (string?)explicitSite!["siteId"]);
        var (_, noSite) = await PatientKeyAsync(unsited);
        Assert.Null((string?)noSite["siteId"]);

        var listed = (await Admin.GetFromJsonAsync<JsonNode>("/api/v1/api-keys"))!["items"]!.AsArray();
        Assert.Equal(north, (string?)listed.Single(k => (string)k!["id"]! == (string)implicitSite["id"]!)!["patientId"]);
        Assert.Equal(unsited, (string?)listed.Single(k => (string)k!["id"]! == (string)noSite["id"]!)!["patientId"]);
        // Every other key lists patientId as null, not absent.
        var bootstrap = listed.Single(k => (string)k!["id"]! == "00000000-0000-0000-0000-00000000b007")!.AsObject();
        Assert.True(bootstrap.ContainsKey("patientId"));
        Assert.Null((string?)bootstrap["patientId"]);
    }

    [Fact]
    public async Task A_patient_bound_key_posts_and_reads_its_patients_questionnaires_check_ins_trends_and_fhir_submission()
    {
        var patient = await CreatePatientAsync(siteId: "north");
        // The FHIR response is authored at Day0: after the infusion, so it follows the baseline rather than replacing it.
        await InfusionAsync(patient, Day0.AddDays(-2));
        var (key, _) = await PatientKeyAsync(patient);
        using var app = ClientWith(key);

        var baseline = await app.PostAsJsonAsync($"/api/v1/patients/{patient}/questionnaires",
            new { instrument = "phq9", completedAt = Iso(Day0.AddDays(-3)), items = Phq9Items(20) });
        var (baselineStatus, baselineBody) = await ReadAsync(baseline);
        Assert.True(baselineStatus == HttpStatusCode.Created, baselineBody?.ToJsonString());
        var checkin = await app.PostAsJsonAsync($"/api/v1/patients/{patient}/suicidality-checkins",
            new { completedAt = Iso(Day0.AddDays(1)), wishToBeDead = false, suicidalThoughts = false, suicidalBehavior = "none" });
        Assert.Equal(HttpStatusCode.Created, checkin.StatusCode);
        var fhir = new StringContent(QuestionnaireResponseJson.Phq9(patient, 1, 1, 1, 1, 1, 1, 0, 0, 0).ToJsonString(), Encoding.UTF8, "application/fhir+json");
        var fhirPost = await app.PostAsync("/fhir/r4/QuestionnaireResponse", fhir);
        Assert.True(fhirPost.StatusCode == HttpStatusCode.Created, await fhirPost.Content.ReadAsStringAsync());

        var listed = (await app.GetFromJsonAsync<JsonNode>($"/api/v1/patients/{patient}/questionnaires"))!["items"]!.AsArray();
        Assert.Equal([20, 6], listed.Select(q => (int)q!["totalScore"]!));
        var one = await app.GetFromJsonAsync<JsonNode>($"/api/v1/patients/{patient}/questionnaires/{(string)baselineBody!["id"]!}");
        Assert.Equal(20, (int)one!["totalScore"]!);
        var trend = await app.GetFromJsonAsync<JsonNode>($"/api/v1/patients/{patient}/trends?instrument=phq9");
        Assert.Equal(20, (int)trend!["baseline"]!["totalScore"]!);
        Assert.Equal(6, (int)trend["latest"]!["totalScore"]!);
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync($"/api/v1/patients/{patient}/trends/phq9.svg")).StatusCode);
        Assert.Single((await app.GetFromJsonAsync<JsonNode>($"/api/v1/patients/{patient}/infusions"))!["items"]!.AsArray());
    }

    [Fact]
    public async Task Another_patient_of_the_same_site_answers_404_on_every_patient_route_like_a_missing_one_and_nothing_is_stored()
    {
        var own = await CreatePatientAsync(siteId: "north");
        var other = await CreatePatientAsync(siteId: "north");
        var infusion = (string)(await InfusionAsync(other, Day0))["id"]!;
        var questionnaire = (string)(await Phq9Async(other, Day0.AddDays(-1), Phq9Items(18)))["id"]!;
        var (key, _) = await PatientKeyAsync(own);
        using var app = ClientWith(key);

        var reads = new[]
        {
            "/questionnaires", $"/questionnaires/{questionnaire}", "/infusions", $"/infusions/{infusion}", "/trends", "/trends/phq9.svg",
        };
        foreach (var path in reads)
        {
            var refused = await ReadAsync(await app.GetAsync($"/api/v1/patients/{other}{path}"));
            var missing = await ReadAsync(await app.GetAsync($"/api/v1/patients/{Guid.NewGuid()}{path}"));
            Assert.True(refused.Status == HttpStatusCode.NotFound, $"{path}: {(int)refused.Status}");
            Assert.Equal((string?)missing.Body!["title"], (string?)refused.Body!["title"]);
            Assert.Equal((string?)missing.Body["detail"], (string?)refused.Body["detail"]);
        }
        // The other patient's record through the key's own patient is not found either.
        Assert.Equal(HttpStatusCode.NotFound, (await app.GetAsync($"/api/v1/patients/{own}/questionnaires/{questionnaire}")).StatusCode);

        var posts = new (string Path, HttpContent Body)[]
        {
            ("questionnaires", JsonContent.Create(new { instrument = "phq9", completedAt = Iso(Day0.AddDays(2)), items = Phq9Items(3, item9: 2) })),
            ("suicidality-checkins", JsonContent.Create(new { completedAt = Iso(Day0.AddDays(2)), wishToBeDead = true, suicidalThoughts = false, suicidalBehavior = "none" })),
        };
        foreach (var (path, body) in posts)
            Assert.Equal(HttpStatusCode.NotFound, (await app.PostAsync($"/api/v1/patients/{other}/{path}", body)).StatusCode);
        var fhir = new StringContent(QuestionnaireResponseJson.Phq9(other, 1, 1, 1, 1, 1, 1, 0, 0, 3).ToJsonString(), Encoding.UTF8, "application/fhir+json");
        var fhirPost = await app.PostAsync("/fhir/r4/QuestionnaireResponse", fhir);
        Assert.Equal(HttpStatusCode.NotFound, fhirPost.StatusCode);
        Assert.Equal("application/fhir+json", fhirPost.Content.Headers.ContentType?.MediaType);

        // Nothing was stored for the other patient: still one questionnaire, no check-in, no alert.
        Assert.Single((await GetOkAsync($"/api/v1/patients/{other}/questionnaires"))["items"]!.AsArray());
        Assert.Empty((await GetOkAsync($"/api/v1/patients/{other}/suicidality-checkins"))["items"]!.AsArray());
        Assert.Empty((await GetOkAsync("/api/v1/safety-alerts?status=open"))["items"]!.AsArray());
    }

    [Fact]
    public async Task Lists_and_searches_spanning_patients_are_refused_with_403_even_naming_the_keys_own_patient()
    {
        var patient = await CreatePatientAsync("APP-1", "north");
        var questionnaire = (string)(await Phq9Async(patient, Day0, Phq9Items(10)))["id"]!;
        var (key, _) = await PatientKeyAsync(patient);
        using var app = ClientWith(key);

        var refused = new[]
        {
            "/api/v1/patients?mrn=APP-1",
            "/api/v1/patients",
            $"/api/v1/patients/{patient}",
            "/api/v1/safety-alerts?status=open",
            $"/fhir/r4/Observation?patient=Patient/{patient}",
            $"/fhir/r4/QuestionnaireResponse?patient=Patient/{patient}",
            $"/fhir/r4/QuestionnaireResponse?_id={questionnaire}",
            $"/fhir/r4/QuestionnaireResponse/{questionnaire}",
            "/api/v1/research/summary?instrument=phq9",
            "/api/v1/api-keys",
        };
        foreach (var url in refused)
            Assert.True((await app.GetAsync(url)).StatusCode == HttpStatusCode.Forbidden, url);
    }

    [Fact]
    public async Task The_schema_itself_refuses_a_patient_on_a_key_that_is_not_a_portal_key()
    {
        var patient = Guid.Parse(await CreatePatientAsync(siteId: "north"));
        await using var c = await App.OpenConnectionAsync();
        var bootstrap = new Guid("00000000-0000-0000-0000-00000000b007");
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() =>
            c.ExecuteAsync("UPDATE api_keys SET patient_id = @patient WHERE id = @bootstrap", new { patient, bootstrap }));
        Assert.Equal(0L, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM api_keys WHERE patient_id IS NOT NULL"));
    }

    [Fact]
    public async Task A_revoked_patient_bound_key_stops_working_at_once()
    {
        var patient = await CreatePatientAsync(siteId: "north");
        var (key, created) = await PatientKeyAsync(patient);
        using var app = ClientWith(key);
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync($"/api/v1/patients/{patient}/trends")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Admin.DeleteAsync($"/api/v1/api-keys/{(string)created["id"]!}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.GetAsync($"/api/v1/patients/{patient}/trends")).StatusCode);
    }
}
