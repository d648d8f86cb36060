using System.Net;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests.Corrections;

/// <summary>
/// SPEC v2, Corrections, on the FHIR interface: meta.versionId and meta.lastUpdated, ETag and Last-Modified on a read,
/// entered-in-error records left out of searches but shown by a read and by a <c>_lastUpdated</c> search, whose
/// prefixes follow FHIR's date rules (a value with a fraction is that instant: gt/lt exclude it, ge/le/eq include it).
/// </summary>
public class FhirCorrectionsTests : ApiTest
{
    private async Task<JsonNode> FhirOkAsync(string url)
    {
        var response = await Client.GetAsync("/fhir/r4/" + url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url} → {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    private static JsonNode[] Resources(JsonNode bundle) =>
        bundle["entry"]?.AsArray().Select(e => e!["resource"]!).ToArray() ?? [];

    /// <summary>The ids of a QuestionnaireResponse searchset, in its order.</summary>
    private async Task<string[]> ResponseIdsAsync(string query) =>
        Resources(await FhirOkAsync("QuestionnaireResponse?" + query)).Select(r => (string)r["id"]!).ToArray();

    /// <summary>Three PHQ-9s of one patient, posted in order (so last updated in order), on days 1, 2 and 3.</summary>
    private async Task<(string Patient, string[] Ids)> ThreeResponsesAsync()
    {
        var patient = await CreatePatientAsync();
        var ids = new List<string>();
        foreach (var day in new[] { 1, 2, 3 }) ids.Add((string)(await Phq9Async(patient, Day0.AddDays(day), Phq9Items(10 + day)))["id"]!);
        return (patient, ids.ToArray());
    }

    [Fact]
    public async Task A_read_carries_versionId_lastUpdated_ETag_and_Last_Modified_and_shows_entered_in_error()
    {
        var (_, ids) = await ThreeResponsesAsync();
        var response = await Client.GetAsync($"/fhir/r4/QuestionnaireResponse/{ids[0]}");
        var qr = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(("1", "completed"), ((string)qr["meta"]!["versionId"]!, (string)qr["status"]!));
        Assert.Equal("W/\"1\"", response.Headers.ETag!.ToString());
        var created = DateTimeOffset.Parse((string)qr["meta"]!["lastUpdated"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(created.ToUnixTimeSeconds(), response.Content.Headers.LastModified!.Value.ToUnixTimeSeconds());

        var marked = await EnteredInErrorFixture.MarkAsync(App, RecordTable.Questionnaires, ids[0]);

        response = await Client.GetAsync($"/fhir/r4/QuestionnaireResponse/{ids[0]}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        qr = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(("2", "entered-in-error"), ((string)qr["meta"]!["versionId"]!, (string)qr["status"]!));
        Assert.Equal(marked, DateTimeOffset.Parse((string)qr["meta"]!["lastUpdated"]!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("W/\"2\"", response.Headers.ETag!.ToString());
        Assert.Equal(marked.ToUnixTimeSeconds(), response.Content.Headers.LastModified!.Value.ToUnixTimeSeconds());
    }

    [Fact]
    public async Task Searches_leave_entered_in_error_records_out_of_responses_and_observations_alike()
    {
        var (patient, ids) = await ThreeResponsesAsync();
        var checkin = (string)(await CreatedAsync($"/api/v1/patients/{patient}/suicidality-checkins",
            new { completedAt = Iso(Day0.AddDays(4)), wishToBeDead = false, suicidalThoughts = false, suicidalBehavior = "none" }))["id"]!;
        await EnteredInErrorFixture.MarkAsync(App, RecordTable.Questionnaires, ids[1]);
        await EnteredInErrorFixture.MarkAsync(App, RecordTable.SuicidalityCheckins, checkin);

        Assert.Equal([ids[0], ids[2]], await ResponseIdsAsync($"patient={patient}"));
        Assert.Empty(await ResponseIdsAsync($"_id={ids[1]},{checkin}"));
        var observations = Resources(await FhirOkAsync($"Observation?patient={patient}"));
        Assert.Equal(new[] { $"{ids[0]}-total", $"{ids[0]}-item9", $"{ids[2]}-total", $"{ids[2]}-item9" }.Order(StringComparer.Ordinal),
            observations.Select(o => (string)o["id"]!).Order(StringComparer.Ordinal));
        Assert.All(observations, o => Assert.Equal(("final", "1"), ((string)o["status"]!, (string)o["meta"]!["versionId"]!)));
    }

    [Fact]
    public async Task LastUpdated_finds_exactly_the_records_changed_across_an_instant_and_brings_entered_in_error_ones_with_their_status()
    {
        var (patient, ids) = await ThreeResponsesAsync();
        // The second response's lastUpdated is the boundary; the first is then marked entered in error, after the third.
        var boundary = (string)(await FhirOkAsync($"QuestionnaireResponse/{ids[1]}"))["meta"]!["lastUpdated"]!;
        await EnteredInErrorFixture.MarkAsync(App, RecordTable.Questionnaires, ids[0]);

        string[] Sorted(params string[] xs) => xs.Order(StringComparer.Ordinal).ToArray();
        async Task<string[]> Changed(string prefix) =>
            Sorted(await ResponseIdsAsync($"patient={patient}&_lastUpdated={Uri.EscapeDataString(prefix + boundary)}"));

        Assert.Equal(Sorted(ids[2], ids[0]), await Changed("gt"));
        Assert.Equal(Sorted(ids[1], ids[2], ids[0]), await Changed("ge"));
        Assert.Equal(Sorted(ids[1]), await Changed("eq"));
        Assert.Equal(Sorted(ids[1]), await Changed(""));
        Assert.Equal(Sorted(ids[1]), await Changed("le"));
        Assert.Empty(await Changed("lt")); // the first was created before the boundary but last updated after it
        Assert.Equal(Sorted(ids[2], ids[0]), await Changed("ne"));
        Assert.Equal(Sorted(ids[2], ids[0]), await Changed("sa"));
        Assert.Empty(await Changed("eb"));

        // The entered-in-error one comes back as such, on both resources; repeated = AND (a window).
        var sync = await FhirOkAsync($"QuestionnaireResponse?patient={patient}&_lastUpdated=gt{Uri.EscapeDataString(boundary)}");
        Assert.Equal("entered-in-error", (string)Resources(sync).Single(r => (string)r["id"]! == ids[0])["status"]!);
        Assert.Equal("completed", (string)Resources(sync).Single(r => (string)r["id"]! == ids[2])["status"]!);
        var observations = Resources(await FhirOkAsync($"Observation?patient={patient}&code=44261-6&_lastUpdated=gt{Uri.EscapeDataString(boundary)}"));
        Assert.Equal([("entered-in-error", "2"), ("final", "1")],
            observations.Select(o => ((string)o["status"]!, (string)o["meta"]!["versionId"]!)).Order().ToArray());
        Assert.Equal(Sorted(ids[1]), Sorted(await ResponseIdsAsync(
            $"patient={patient}&_lastUpdated=ge{Uri.EscapeDataString(boundary)}&_lastUpdated=le{Uri.EscapeDataString(boundary)}")));
        // A whole-day value is that day (UTC): everything was last updated today.
        Assert.Equal(3, (await ResponseIdsAsync($"patient={patient}&_lastUpdated={DateTimeOffset.UtcNow:yyyy-MM-dd}")).Length);
    }

    [Theory]
    [InlineData("Observation")]
    [InlineData("QuestionnaireResponse")]
    public async Task A_lastUpdated_that_is_not_a_FHIR_date_is_a_400_naming_it(string resource)
    {
        var patient = await CreatePatientAsync();
        var response = await Client.GetAsync($"/fhir/r4/{resource}?patient={patient}&_lastUpdated=after2026");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("_lastUpdated", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_CapabilityStatement_offers_lastUpdated_on_both_searches()
    {
        var metadata = await FhirOkAsync("metadata");
        foreach (var resource in metadata["rest"]![0]!["resource"]!.AsArray())
            Assert.Contains("_lastUpdated", resource!["searchParam"]!.AsArray().Select(p => (string)p!["name"]!));
    }
}
