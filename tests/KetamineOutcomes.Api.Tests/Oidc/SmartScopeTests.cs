using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using KetamineOutcomes.Api.Tests.Fhir;

namespace KetamineOutcomes.Api.Tests.Oidc;

/// <summary>
/// SMART v2 scopes in real tokens narrow what an EHR client may do (issue 23; SPEC v2 "People, not shared keys"): the
/// intersection of its role and its scopes, refused with 403 naming the missing scope; malformed scopes grant nothing;
/// a token without SMART resource scopes keeps its role's access.
/// </summary>
public sealed class SmartScopeTests(SmartProviderFixture smart) : SmartApiTest(smart)
{
    private static readonly string FhirJson = "application/fhir+json";

    private static async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> SendAsync(HttpClient client, HttpMethod method, string url, string? json = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, url);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, contentType);
        var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    private static Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> PostFhirPhq9(HttpClient client, string patient) =>
        SendAsync(client, HttpMethod.Post, "/fhir/r4/QuestionnaireResponse", QuestionnaireResponseJson.Phq9(patient, 1, 1, 1, 1, 1, 1, 1, 1, 0).ToJsonString(), FhirJson);

    private static Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> PostJsonPhq9(HttpClient client, string patient) =>
        SendAsync(client, HttpMethod.Post, $"/api/v1/patients/{patient}/questionnaires", new JsonObject
        {
            ["instrument"] = "phq9", ["completedAt"] = Iso(Day0), ["items"] = new JsonArray(1, 1, 1, 1, 1, 1, 1, 1, 0),
        }.ToJsonString());

    // A 403 under /fhir is an OperationOutcome, elsewhere problem+json: either way its text names the scope.
    private static void AssertRefusedFor(string scope, (HttpStatusCode Status, string Body, HttpResponseMessage Response) answer)
    {
        Assert.True(answer.Status == HttpStatusCode.Forbidden, $"{(int)answer.Status}: {answer.Body}");
        Assert.Contains($"requires {scope}.", answer.Body, StringComparison.Ordinal);
    }

    private async Task<int> StoredQuestionnairesAsync(string patient) =>
        ((JsonArray)(await GetOkAsync($"/api/v1/patients/{patient}/questionnaires"))["items"]!).Count;

    [OidcFact]
    public async Task An_Observation_rs_token_searches_Observations_but_posting_a_QuestionnaireResponse_is_403_naming_system_QuestionnaireResponse_c()
    {
        var patient = await CreatePatientAsync();
        await Phq9Async(patient, Day0, 1, 1, 1, 1, 1, 1, 1, 1, 0);
        var ehr = await SignedInAsync("ehr-observations");

        var search = await SendAsync(ehr, HttpMethod.Get, $"/fhir/r4/Observation?patient={patient}");
        Assert.True(search.Status == HttpStatusCode.OK, search.Body);
        Assert.True((int)JsonNode.Parse(search.Body)!["total"]! > 0, search.Body);

        var fhirPost = await PostFhirPhq9(ehr, patient);
        AssertRefusedFor("system/QuestionnaireResponse.c", fhirPost);
        Assert.Equal("OperationOutcome", (string?)JsonNode.Parse(fhirPost.Body)!["resourceType"]);
        var jsonPost = await PostJsonPhq9(ehr, patient);
        AssertRefusedFor("system/QuestionnaireResponse.c", jsonPost);
        Assert.Equal("application/problem+json", jsonPost.Response.Content.Headers.ContentType?.MediaType);
        AssertRefusedFor("system/QuestionnaireResponse.s", await SendAsync(ehr, HttpMethod.Get, $"/fhir/r4/QuestionnaireResponse?patient={patient}"));
        Assert.Equal(1, await StoredQuestionnairesAsync(patient)); // only the one the clinician key stored
    }

    [OidcFact]
    public async Task A_QuestionnaireResponse_cruds_token_posts_and_reads_QuestionnaireResponses_but_may_not_search_Observations()
    {
        var patient = await CreatePatientAsync();
        var ehr = await SignedInAsync("ehr-responses");

        var created = await PostFhirPhq9(ehr, patient);
        Assert.True(created.Status == HttpStatusCode.Created, created.Body);
        var read = await SendAsync(ehr, HttpMethod.Get, created.Response.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, read.Status);
        var json = await PostJsonPhq9(ehr, patient);
        Assert.True(json.Status == HttpStatusCode.Created, json.Body);
        Assert.Equal(2, await StoredQuestionnairesAsync(patient));

        AssertRefusedFor("system/Observation.s", await SendAsync(ehr, HttpMethod.Get, $"/fhir/r4/Observation?patient={patient}"));
        AssertRefusedFor("system/Patient.r", await SendAsync(ehr, HttpMethod.Get, $"/api/v1/patients/{patient}"));
        AssertRefusedFor("system/MedicationAdministration.c", await SendAsync(ehr, HttpMethod.Post, $"/api/v1/patients/{patient}/infusions",
            new JsonObject { ["administeredAt"] = Iso(Day0), ["route"] = "iv", ["drug"] = "ketamine", ["doseMgPerKg"] = 0.5 }.ToJsonString()));
    }

    [OidcFact]
    public async Task A_wildcard_rs_token_reads_and_searches_everything_its_role_may_but_writes_nothing()
    {
        var patient = await CreatePatientAsync();
        await Phq9Async(patient, Day0, 1, 1, 1, 1, 1, 1, 1, 1, 0);
        var ehr = await SignedInAsync("ehr-read-all");

        foreach (var url in new[]
        {
            $"/fhir/r4/Observation?patient={patient}", $"/fhir/r4/QuestionnaireResponse?patient={patient}", $"/api/v1/patients/{patient}",
            $"/api/v1/patients/{patient}/questionnaires", $"/api/v1/patients/{patient}/trends", $"/api/v1/patients/{patient}/due",
        })
        {
            var answer = await SendAsync(ehr, HttpMethod.Get, url);
            Assert.True(answer.Status == HttpStatusCode.OK, $"{url} → {(int)answer.Status}: {answer.Body}");
        }
        AssertRefusedFor("system/QuestionnaireResponse.c", await PostFhirPhq9(ehr, patient));
        AssertRefusedFor("system/Patient.c", await SendAsync(ehr, HttpMethod.Post, "/api/v1/patients",
            new JsonObject { ["mrn"] = "MRN-SMART-1", ["siteId"] = "north", ["birthYear"] = 1980, ["sex"] = "female" }.ToJsonString()));
        Assert.Equal(1, await StoredQuestionnairesAsync(patient));
    }

    [OidcFact]
    public async Task Malformed_restricted_and_patient_scopes_grant_nothing_beside_the_one_well_formed_scope()
    {
        var patient = await CreatePatientAsync();
        var token = await Provider.TokenAsync("ehr-malformed");
        // The provider really put them in the token: the refusal below is the service's reading, not a missing claim.
        var scopeClaim = (string)JsonNode.Parse(Encoding.UTF8.GetString(Base64Url(token.Split('.')[1])))!["scope"]!;
        Assert.Contains("system/QuestionnaireResponse.c?status=completed", scopeClaim, StringComparison.Ordinal);
        var ehr = BearerClient(token);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(ehr, HttpMethod.Get, $"/fhir/r4/Observation?patient={patient}")).Status);
        AssertRefusedFor("system/QuestionnaireResponse.c", await PostFhirPhq9(ehr, patient));
        AssertRefusedFor("system/QuestionnaireResponse.s", await SendAsync(ehr, HttpMethod.Get, $"/fhir/r4/QuestionnaireResponse?patient={patient}"));
        AssertRefusedFor("system/Patient.r", await SendAsync(ehr, HttpMethod.Get, $"/api/v1/patients/{patient}"));
        Assert.Equal(0, await StoredQuestionnairesAsync(patient));
    }

    [OidcFact]
    public async Task A_token_whose_only_scopes_have_a_smart_prefix_in_the_wrong_case_is_scoped_and_granted_nothing()
    {
        var patient = await CreatePatientAsync();
        foreach (var client in new[] { "ehr-capitalised", "ehr-upper-case" })
        {
            var ehr = await SignedInAsync(client);
            AssertRefusedFor("system/QuestionnaireResponse.c", await PostFhirPhq9(ehr, patient));
            AssertRefusedFor("system/Observation.s", await SendAsync(ehr, HttpMethod.Get, $"/fhir/r4/Observation?patient={patient}"));
        }
        Assert.Equal(0, await StoredQuestionnairesAsync(patient));
    }

    [OidcFact]
    public async Task A_token_without_smart_resource_scopes_keeps_its_roles_access()
    {
        var patient = await CreatePatientAsync();
        foreach (var client in new[] { "ehr-plain", "ehr-not-smart" })
        {
            var ehr = await SignedInAsync(client);
            var created = await PostFhirPhq9(ehr, patient);
            Assert.True(created.Status == HttpStatusCode.Created, $"{client}: {created.Body}");
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(ehr, HttpMethod.Get, $"/fhir/r4/Observation?patient={patient}")).Status);
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(ehr, HttpMethod.Get, $"/api/v1/patients/{patient}")).Status);
        }
        Assert.Equal(2, await StoredQuestionnairesAsync(patient));
    }

    [OidcFact]
    public async Task The_scp_array_form_narrows_like_the_scope_claim()
    {
        var patient = await CreatePatientAsync();
        var claims = Provider.ClaimsFor("ehr-scp", "ehr", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
        claims["scp"] = new[] { "system/Observation.rs" };
        var ehr = BearerClient(await Provider.SignAsync(claims));

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(ehr, HttpMethod.Get, $"/fhir/r4/Observation?patient={patient}")).Status);
        AssertRefusedFor("system/QuestionnaireResponse.c", await PostFhirPhq9(ehr, patient));
    }

    [OidcFact]
    public async Task A_SMART_1_user_read_scope_lets_a_clinician_app_read_questionnaires_and_refuses_a_submission_naming_user_QuestionnaireResponse_c()
    {
        var patient = await CreatePatientAsync();
        await Phq9Async(patient, Day0, 1, 1, 1, 1, 1, 1, 1, 1, 0);
        var app = await SignedInAsync("clinician-v1");

        var list = await SendAsync(app, HttpMethod.Get, $"/api/v1/patients/{patient}/questionnaires");
        Assert.True(list.Status == HttpStatusCode.OK, list.Body);
        AssertRefusedFor("user/QuestionnaireResponse.c", await PostJsonPhq9(app, patient));
        AssertRefusedFor("user/Flag.s", await SendAsync(app, HttpMethod.Get, "/api/v1/safety-alerts"));
    }

    [OidcFact]
    public async Task A_role_that_may_not_use_an_endpoint_is_refused_for_its_role_whatever_its_scopes()
    {
        var ehr = await SignedInAsync("ehr-write-all");
        var alerts = await SendAsync(ehr, HttpMethod.Get, "/api/v1/safety-alerts"); // clinician only
        Assert.Equal(HttpStatusCode.Forbidden, alerts.Status);
        Assert.DoesNotContain("requires", alerts.Body, StringComparison.Ordinal);
        Assert.Contains("role", alerts.Body, StringComparison.Ordinal);
    }

    [OidcFact]
    public async Task Endpoints_without_a_FHIR_equivalent_need_a_wildcard_scope()
    {
        var narrow = await SignedInAsync("researcher-observations");
        AssertRefusedFor("system/*.s", await SendAsync(narrow, HttpMethod.Get, "/api/v1/research/summary?instrument=phq9"));
        var wide = await SignedInAsync("researcher-read-all");
        var summary = await SendAsync(wide, HttpMethod.Get, "/api/v1/research/summary?instrument=phq9");
        Assert.True(summary.Status == HttpStatusCode.OK, summary.Body);
    }

    [OidcFact]
    public async Task API_keys_are_not_narrowed_by_scopes()
    {
        var patient = await CreatePatientAsync();
        var ehrKey = ClientWith(await CreateKeyAsync("ehr"));
        Assert.Equal(HttpStatusCode.Created, (await PostFhirPhq9(ehrKey, patient)).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(ehrKey, HttpMethod.Get, $"/fhir/r4/Observation?patient={patient}")).Status);
    }

    private static byte[] Base64Url(string s)
    {
        var b64 = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '='));
    }
}
