using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using static KetamineOutcomes.Api.Tests.Fhir.QuestionnaireResponseJson;

namespace KetamineOutcomes.Api.Tests.Fhir;

/// <summary>
/// <c>Prefer: handling=strict</c> on the FHIR create and read as on the searches (FHIR R4 §3.1.1.5.5): a query parameter
/// the interaction does not support is ignored by default and refused by name with strict handling; <c>_format</c> is
/// always taken.
/// </summary>
public sealed class FhirStrictHandlingTests() : ApiTest(overHttp: true)
{
    private async Task<(HttpStatusCode Status, JsonNode? Body)> CreateAsync(string patient, string query, string? prefer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/r4/QuestionnaireResponse" + query)
        {
            Content = new StringContent(Phq9(patient, 1, 1, 1, 1, 1, 1, 1, 1, 0).ToJsonString(), Encoding.UTF8, "application/fhir+json"),
        };
        if (prefer is not null) request.Headers.Add("Prefer", prefer);
        using var response = await Client.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync()));
    }

    private async Task<int> StoredAsync(string patient) => (await GetOkAsync($"/api/v1/patients/{patient}/questionnaires"))["items"]!.AsArray().Count;

    private static void AssertRefusedNaming(string parameter, HttpStatusCode status, JsonNode? outcome)
    {
        Assert.True(status == HttpStatusCode.BadRequest, outcome?.ToJsonString());
        Assert.Equal("OperationOutcome", (string?)outcome!["resourceType"]);
        var issue = Assert.Single(outcome["issue"]!.AsArray())!;
        Assert.Equal(parameter, (string?)issue["expression"]![0]);
        Assert.Contains("handling=strict", (string?)issue["diagnostics"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("?unknown=1", null)]
    [InlineData("?unknown=1", "handling=lenient")]
    [InlineData("?_format=json", "handling=strict")]
    [InlineData("", "handling=strict")]
    public async Task A_create_ignores_unsupported_parameters_unless_handling_is_strict(string query, string? prefer)
    {
        var patient = await CreatePatientAsync();
        var (status, body) = await CreateAsync(patient, query, prefer);
        Assert.True(status == HttpStatusCode.Created, body?.ToJsonString());
        Assert.Equal(1, await StoredAsync(patient));
    }

    [Theory]
    [InlineData("?unknown=1", "unknown")]
    [InlineData("?_format=json&_pretty=true", "_pretty")]
    [InlineData("?patient=x", "patient")]
    public async Task A_create_with_strict_handling_refuses_an_unsupported_parameter_by_name_and_stores_nothing(string query, string parameter)
    {
        var patient = await CreatePatientAsync();
        var (status, outcome) = await CreateAsync(patient, query, "return=minimal, handling=strict");
        AssertRefusedNaming(parameter, status, outcome);
        Assert.Equal(0, await StoredAsync(patient));
    }

    [Fact]
    public async Task A_read_ignores_an_unsupported_parameter_unless_handling_is_strict()
    {
        var patient = await CreatePatientAsync();
        var (_, created) = await CreateAsync(patient, "", null);
        var url = $"/fhir/r4/QuestionnaireResponse/{(string)created!["id"]!}?unknown=1";
        using (var lenient = await Client.GetAsync(url)) Assert.Equal(HttpStatusCode.OK, lenient.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Prefer", "handling=strict");
        using var strict = await Client.SendAsync(request);
        AssertRefusedNaming("unknown", strict.StatusCode, JsonNode.Parse(await strict.Content.ReadAsStringAsync()));
    }
}
