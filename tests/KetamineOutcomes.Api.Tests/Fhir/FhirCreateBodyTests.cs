using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using static KetamineOutcomes.Api.Tests.Fhir.QuestionnaireResponseJson;

namespace KetamineOutcomes.Api.Tests.Fhir;

/// <summary>How a FHIR create reads its body (issue 24: into pooled memory): the size limit, a large body, an empty one.</summary>
public sealed class FhirCreateBodyTests : ApiTest
{
    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/fhir+json");
        using var response = await Client.PostAsync("/fhir/r4/QuestionnaireResponse", content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<int> StoredAsync(string patient) => (await GetOkAsync($"/api/v1/patients/{patient}/questionnaires"))["items"]!.AsArray().Count;

    [Fact]
    public async Task A_body_over_64_KiB_answers_413_and_stores_nothing()
    {
        var patient = await CreatePatientAsync();
        var body = Phq9(patient, 1, 1, 1, 1, 1, 1, 1, 1, 0).ToJsonString().TrimEnd('}') + new string(' ', 70_000) + "}";
        var (status, _) = await PostAsync(body);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal(0, await StoredAsync(patient));
    }

    [Fact]
    public async Task A_body_just_under_64_KiB_read_in_many_pieces_is_stored()
    {
        var patient = await CreatePatientAsync();
        var json = Phq9(patient, 1, 1, 1, 1, 1, 1, 1, 1, 0).ToJsonString();
        var body = json.TrimEnd('}') + new string(' ', 64 * 1024 - Encoding.UTF8.GetByteCount(json) - 1) + "}";
        Assert.Equal(64 * 1024 - 1, Encoding.UTF8.GetByteCount(body));
        var (status, answer) = await PostAsync(body);
        Assert.True(status == HttpStatusCode.Created, answer);
        Assert.Equal(1, await StoredAsync(patient));
    }

    [Fact]
    public async Task An_empty_body_answers_400_saying_it_is_not_JSON()
    {
        var (status, answer) = await PostAsync("");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var outcome = JsonNode.Parse(answer)!;
        Assert.Equal("OperationOutcome", (string?)outcome["resourceType"]);
        Assert.Contains("Not valid JSON", outcome.ToJsonString(), StringComparison.Ordinal);
    }
}
