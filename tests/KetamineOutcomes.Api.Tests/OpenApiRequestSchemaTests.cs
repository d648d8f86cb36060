using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// The document's request schemas say exactly what the handlers require and accept. For every operation with a JSON
/// body, read from the served document: its example is accepted; the example cut down to the schema's
/// <c>required</c> fields is accepted (so nothing else is required); leaving out, or sending null for, any one required
/// field is a 400 naming that field (so each is required); and null for every optional field whose schema allows null is
/// accepted.
/// </summary>
public class OpenApiRequestSchemaTests : ApiTest
{
    private string _patientId = "";

    /// <summary>The clinician key, sending If-Match: W/"1" (a correction of a record just created).</summary>
    private HttpClient _version1 = null!;

    /// <summary>The bootstrap admin key, sending If-Match: W/"0" (the first plan of a site on the default plan).</summary>
    private HttpClient _planVersion0 = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _patientId = await CreatePatientAsync();
        _version1 = ClientWith(ClinicianKey);
        _version1.DefaultRequestHeaders.TryAddWithoutValidation("If-Match", "W/\"1\"");
        _planVersion0 = ClientWith(AdminKey);
        _planVersion0.DefaultRequestHeaders.TryAddWithoutValidation("If-Match", "W/\"0\"");
    }

    public override Task DisposeAsync()
    {
        _version1.Dispose();
        _planVersion0.Dispose();
        return base.DisposeAsync();
    }

    /// <summary>How to call each operation that takes a JSON body: who, and where (a fresh target per call when needed).</summary>
    private Dictionary<string, (HttpClient Client, Func<Task<string>> Url)> Calls() => new()
    {
        ["CreatePatient"] = (Client, () => Task.FromResult("/api/v1/patients")),
        ["SetResearchConsent"] = (Client, () => Task.FromResult($"/api/v1/patients/{_patientId}/research-consent")),
        ["RecordInfusion"] = (Client, () => Task.FromResult($"/api/v1/patients/{_patientId}/infusions")),
        ["SubmitQuestionnaire"] = (Client, () => Task.FromResult($"/api/v1/patients/{_patientId}/questionnaires")),
        ["SubmitSuicidalityCheckin"] = (Client, () => Task.FromResult($"/api/v1/patients/{_patientId}/suicidality-checkins")),
        ["AcknowledgeSafetyAlert"] = (Client, async () =>
        {
            var raised = await Phq9Async(_patientId, Day0, Phq9Items(12, item9: 1));
            return $"/api/v1/safety-alerts/{(string)raised["alert"]!["id"]!}/acknowledge";
        }),
        ["CreateApiKey"] = (Admin, () => Task.FromResult("/api/v1/api-keys")),
        // Corrections: a fresh record (version 1) per call; a patient in a site of its own, so the example's MRN is free.
        ["AmendPatient"] = (_version1, async () => $"/api/v1/patients/{await CreatePatientAsync(siteId: $"s{Guid.NewGuid():N}")}"),
        ["AmendQuestionnaire"] = (_version1, async () => $"/api/v1/patients/{_patientId}/questionnaires/{(await Phq9Async(_patientId, Day0, Phq9Items(10)))["id"]}"),
        ["MarkQuestionnaireEnteredInError"] = (Client, async () => $"/api/v1/patients/{_patientId}/questionnaires/{(await Phq9Async(_patientId, Day0, Phq9Items(10)))["id"]}/entered-in-error"),
        ["AmendSuicidalityCheckin"] = (_version1, async () => $"/api/v1/patients/{_patientId}/suicidality-checkins/{await CheckinIdAsync()}"),
        ["MarkSuicidalityCheckinEnteredInError"] = (Client, async () => $"/api/v1/patients/{_patientId}/suicidality-checkins/{await CheckinIdAsync()}/entered-in-error"),
        ["PutMeasurementPlan"] = (_planVersion0, () => Task.FromResult($"/api/v1/sites/s{Guid.NewGuid():N}/measurement-plan")),
        ["AmendInfusion"] = (_version1, async () => $"/api/v1/patients/{_patientId}/infusions/{(await InfusionAsync(_patientId, Day0))["id"]}"),
        ["MarkInfusionEnteredInError"] = (Client, async () => $"/api/v1/patients/{_patientId}/infusions/{(await InfusionAsync(_patientId, Day0))["id"]}/entered-in-error"),
    };

    private async Task<string> CheckinIdAsync() => (string)(await CreatedAsync($"/api/v1/patients/{_patientId}/suicidality-checkins",
        new { completedAt = Iso(Day0), wishToBeDead = false, suicidalThoughts = false, suicidalBehavior = "none" }))["id"]!;

    [Fact]
    public async Task Every_json_request_schema_requires_exactly_what_its_handler_requires()
    {
        var doc = await GetOkAsync("/openapi/v1.json");
        var calls = Calls();
        var checkedOperations = new List<string>();
        foreach (var (path, item) in doc["paths"]!.AsObject())
        {
            // FHIR bodies are FHIR resources (schema: any object), checked by the FHIR ingest tests.
            if (path.StartsWith("/fhir/", StringComparison.Ordinal)) continue;
            foreach (var (method, op) in item!.AsObject())
            {
                if (op!["requestBody"]?["content"]?["application/json"] is not { } media) continue;
                var id = (string)op["operationId"]!;
                Assert.True(calls.ContainsKey(id), $"{id} takes a JSON body: add it to {nameof(Calls)}");
                var (client, url) = calls[id];
                var schema = Resolve(doc, media["schema"]!);
                var required = schema["required"]?.AsArray().Select(r => (string)r!).ToArray() ?? [];
                var example = media["example"]?.AsObject();
                Assert.True(example is not null, $"{id} has no request example");

                await ExpectAcceptedAsync(client, method, await url(), example!, $"{id}: its example");

                var minimal = new JsonObject();
                foreach (var field in required)
                {
                    Assert.True(example!.ContainsKey(field), $"{id}: the example lacks required field {field}");
                    minimal[field] = example[field]!.DeepClone();
                }
                await ExpectAcceptedAsync(client, method, await url(), minimal, $"{id}: only its required fields ({string.Join(", ", required)})");

                foreach (var field in required)
                {
                    var without = (JsonObject)minimal.DeepClone();
                    without.Remove(field);
                    await ExpectRefusedAsync(client, method, await url(), without, field, $"{id} without {field}");
                    var nulled = (JsonObject)minimal.DeepClone();
                    nulled[field] = null;
                    await ExpectRefusedAsync(client, method, await url(), nulled, field, $"{id} with {field}: null");
                }

                foreach (var (field, property) in schema["properties"]!.AsObject())
                {
                    if (required.Contains(field) || !AllowsNull(doc, property!)) continue;
                    var withNull = (JsonObject)minimal.DeepClone();
                    withNull[field] = null;
                    await ExpectAcceptedAsync(client, method, await url(), withNull, $"{id} with optional {field}: null");
                }
                checkedOperations.Add(id);
            }
        }
        Assert.Equal(calls.Keys.Order(), checkedOperations.Order());
    }

    [Fact]
    public async Task Request_schemas_list_only_the_fields_the_spec_requires()
    {
        var doc = await GetOkAsync("/openapi/v1.json");
        string[] Required(string name) =>
            doc["components"]!["schemas"]![name]!["required"]?.AsArray().Select(r => (string)r!).Order().ToArray() ?? [];
        Assert.Equal(["researchConsent"], Required("CreatePatientRequest"));
        Assert.Equal(["administeredAt", "drug", "route"], Required("CreateInfusionRequest"));
        Assert.Equal(["completedAt", "instrument", "items"], Required("SubmitQuestionnaireRequest"));
        Assert.Equal(["completedAt", "suicidalBehavior", "suicidalThoughts", "wishToBeDead"], Required("SubmitCheckinRequest"));
        Assert.Equal(["researchConsent"], Required("ResearchConsentRequest"));
        Assert.Equal(["name", "role"], Required("CreateApiKeyRequest"));
        Assert.Empty(Required("BloodPressureDto"));
        // items[] elements are an answer or null (an unanswered item).
        var items = doc["components"]!["schemas"]!["SubmitQuestionnaireRequest"]!["properties"]!["items"]!;
        Assert.Contains("null", items["items"]!["type"]!.AsArray().Select(t => (string)t!));
        Assert.Equal("array", (string)items["type"]!);
    }

    private static JsonNode Resolve(JsonNode doc, JsonNode schema) =>
        schema["$ref"] is { } r ? doc["components"]!["schemas"]![((string)r!).Split('/')[^1]]! : schema;

    private static bool AllowsNull(JsonNode doc, JsonNode property)
    {
        if (property["type"] is JsonArray types) return types.Any(t => (string)t! == "null");
        if (property["type"] is { } type) return (string)type! == "null";
        if (property["oneOf"] is JsonArray options) return options.Any(o => AllowsNull(doc, o!));
        return false;
    }

    private static async Task<(HttpStatusCode, string)> SendAsync(HttpClient client, string method, string url, JsonNode body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), url)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task ExpectAcceptedAsync(HttpClient client, string method, string url, JsonNode body, string what)
    {
        var (status, text) = await SendAsync(client, method, url, body);
        Assert.True((int)status is >= 200 and < 300, $"{what}: {body.ToJsonString()} → {(int)status} {text}");
    }

    private static async Task ExpectRefusedAsync(HttpClient client, string method, string url, JsonNode body, string field, string what)
    {
        var (status, text) = await SendAsync(client, method, url, body);
        Assert.True(status == HttpStatusCode.BadRequest, $"{what}: {body.ToJsonString()} → {(int)status} {text}");
        var errors = JsonNode.Parse(text)?["errors"]?.AsObject();
        Assert.True(errors?.ContainsKey(field) == true, $"{what}: the 400 does not name {field}: {text}");
    }
}
