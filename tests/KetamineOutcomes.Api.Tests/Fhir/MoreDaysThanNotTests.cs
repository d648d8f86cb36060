using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using static KetamineOutcomes.Api.Tests.Fhir.QuestionnaireResponseJson;

namespace KetamineOutcomes.Api.Tests.Fhir;

/// <summary>
/// LA18938-3 ("More days than not") is an answer of GAD-7 item 2 only (DOMAIN "GAD-7"), read there as 2. On any other
/// item it is in no answer list the item uses (PHQ-9's is LL358-3): refused with a 400 at that answer's path, nothing
/// stored — PHQ-9 item 9, the safety item, is never scored from a guess.
/// </summary>
public sealed class MoreDaysThanNotTests : ApiTest
{
    private const string MoreDaysThanNot = "LA18938-3";

    private async Task<(HttpStatusCode Status, JsonNode Body)> CreateAsync(JsonObject qr)
    {
        using var content = new StringContent(qr.ToJsonString(), Encoding.UTF8, "application/fhir+json");
        using var response = await Client.PostAsync("/fhir/r4/QuestionnaireResponse", content);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private static JsonObject WithCodeAt(string patient, string panel, string[] itemCodes, int index) =>
        Response(patient, $"http://loinc.org/q/{panel}",
            itemCodes.Select((code, i) => Item("/" + code, i == index ? Coding(Loinc, MoreDaysThanNot) : Frequency(1))));

    private async Task<int> StoredAsync(string patient) => (await GetOkAsync($"/api/v1/patients/{patient}/questionnaires"))["items"]!.AsArray().Count;

    [Theory]
    [InlineData("phq9", 8)]
    [InlineData("phq9", 0)]
    [InlineData("gad7", 0)]
    [InlineData("gad7", 6)]
    public async Task LA18938_3_on_an_item_other_than_GAD7_item_2_is_refused_naming_that_answer(string instrument, int index)
    {
        var patient = await CreatePatientAsync();
        var qr = instrument == "phq9" ? WithCodeAt(patient, "44249-1", Phq9Codes, index) : WithCodeAt(patient, "69737-5", Gad7Codes, index);
        var (status, outcome) = await CreateAsync(qr);
        Assert.True(status == HttpStatusCode.BadRequest, outcome.ToJsonString());
        var issue = Assert.Single(outcome["issue"]!.AsArray())!;
        Assert.Equal($"QuestionnaireResponse.item[{index}].answer[0].value", (string?)issue["expression"]![0]);
        Assert.Contains($"'{MoreDaysThanNot}' is not an answer of this item", (string?)issue["diagnostics"], StringComparison.Ordinal);
        Assert.Equal(0, await StoredAsync(patient));
    }

    [Fact]
    public async Task LA18938_3_on_GAD7_item_2_is_read_as_2()
    {
        var patient = await CreatePatientAsync();
        var (status, body) = await CreateAsync(WithCodeAt(patient, "69737-5", Gad7Codes, 1));
        Assert.True(status == HttpStatusCode.Created, body.ToJsonString());
        var stored = (await GetOkAsync($"/api/v1/patients/{patient}/questionnaires?instrument=gad7"))["items"]![0]!;
        Assert.Equal(8, (int)stored["totalScore"]!); // 6 × 1 + 2
    }
}
