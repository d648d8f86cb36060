using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using static KetamineOutcomes.Api.Tests.Fhir.QuestionnaireResponseJson;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Instants are kept to the microsecond: one finer than that (a non-zero digit after the sixth fractional-second digit)
/// is refused with a 400 naming the field, wherever an instant is read — JSON bodies, corrections, query strings and
/// FHIR <c>authored</c> — rather than stored as a different instant. Digits past the sixth that are zeros lose nothing.
/// </summary>
public sealed class InstantPrecisionTests() : ApiTest(overHttp: true)
{
    private const string Finer = "2026-03-02T09:00:00.1234567Z";
    private const string PrecisionMessage = "Must be precise to the microsecond at most";

    private static void AssertRefusedFor(string field, HttpStatusCode status, JsonNode? problem)
    {
        Assert.True(status == HttpStatusCode.BadRequest, problem?.ToJsonString());
        Assert.Equal([field], ErrorKeys(problem));
        Assert.StartsWith(PrecisionMessage, (string)problem!["errors"]![field]![0]!, StringComparison.Ordinal);
    }

    private async Task<int> CountAsync(string url) => (await GetOkAsync(url))["items"]!.AsArray().Count;

    [Theory]
    [InlineData(Finer)]
    [InlineData("2026-03-02T09:00:00.1234560001Z")]
    [InlineData("2026-03-02T10:00:00.0000001+01:00")]
    public async Task A_completedAt_finer_than_a_microsecond_is_refused_naming_it_and_nothing_is_stored(string completedAt)
    {
        var patient = await CreatePatientAsync();
        var (status, problem, _) = await PostAsync($"/api/v1/patients/{patient}/questionnaires",
            new { instrument = "phq9", completedAt, items = Phq9Items(10) });
        AssertRefusedFor("completedAt", status, problem);
        Assert.Equal(0, await CountAsync($"/api/v1/patients/{patient}/questionnaires"));
    }

    [Theory]
    [InlineData("2026-03-02T09:00:00.123456Z")]
    [InlineData("2026-03-02T09:00:00.1234560Z")]
    [InlineData("2026-03-02T09:00:00.123456000Z")]
    public async Task A_completedAt_whose_digits_past_the_microsecond_are_zeros_is_stored_exactly(string completedAt)
    {
        var patient = await CreatePatientAsync();
        var created = await CreatedAsync($"/api/v1/patients/{patient}/questionnaires", new { instrument = "phq9", completedAt, items = Phq9Items(10) });
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero).AddTicks(1_234_560), DateTimeOffset.Parse((string)created["completedAt"]!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task An_infusion_or_checkin_time_finer_than_a_microsecond_is_refused_naming_it()
    {
        var patient = await CreatePatientAsync();
        var (status, problem, _) = await PostAsync($"/api/v1/patients/{patient}/infusions",
            new { administeredAt = Finer, route = "iv", drug = "ketamine", doseMgPerKg = 0.5, durationMinutes = 40 });
        AssertRefusedFor("administeredAt", status, problem);
        (status, problem, _) = await PostAsync($"/api/v1/patients/{patient}/suicidality-checkins",
            new { completedAt = Finer, wishToBeDead = false, suicidalThoughts = false, suicidalBehavior = "none" });
        AssertRefusedFor("completedAt", status, problem);
        Assert.Equal(0, await CountAsync($"/api/v1/patients/{patient}/infusions"));
    }

    [Fact]
    public async Task A_correction_with_a_time_finer_than_a_microsecond_is_refused_and_the_record_keeps_version_1()
    {
        var patient = await CreatePatientAsync();
        var record = await Phq9Async(patient, Day0, Phq9Items(10));
        var url = $"/api/v1/patients/{patient}/questionnaires/{record["id"]}";
        using var request = new HttpRequestMessage(HttpMethod.Put, url)
        {
            Content = JsonContent.Create(new { instrument = "phq9", completedAt = Finer, items = Phq9Items(20), reason = "Patient mis-tapped answers" }),
        };
        request.Headers.TryAddWithoutValidation("If-Match", "W/\"1\"");
        using var response = await Client.SendAsync(request);
        AssertRefusedFor("completedAt", response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync()));
        Assert.Equal(1, (int)(await GetOkAsync(url))["version"]!);
    }

    [Theory]
    [InlineData("/api/v1/patients/{0}/due?at=", "at")]
    [InlineData("/api/v1/patients/{0}/questionnaires?from=", "from")]
    public async Task A_query_instant_finer_than_a_microsecond_is_refused_naming_the_parameter(string url, string parameter)
    {
        var patient = await CreatePatientAsync();
        var (status, problem, _) = await SendAsync(HttpMethod.Get, string.Format(System.Globalization.CultureInfo.InvariantCulture, url, patient) + Uri.EscapeDataString(Finer));
        AssertRefusedFor(parameter, status, problem);
    }

    [Fact]
    public async Task A_fhir_authored_finer_than_a_microsecond_is_refused_in_an_OperationOutcome_at_its_path()
    {
        var patient = await CreatePatientAsync();
        var qr = Phq9(patient, 1, 1, 1, 1, 1, 1, 1, 1, 0);
        qr["authored"] = "2026-03-02T09:00:00.123456789Z";
        using var content = new StringContent(qr.ToJsonString(), Encoding.UTF8, "application/fhir+json");
        using var response = await Client.PostAsync("/fhir/r4/QuestionnaireResponse", content);
        var outcome = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, outcome.ToJsonString());
        Assert.Equal("OperationOutcome", (string?)outcome["resourceType"]);
        var issue = Assert.Single(outcome["issue"]!.AsArray())!;
        Assert.Equal("QuestionnaireResponse.authored", (string?)issue["expression"]![0]);
        Assert.Contains(PrecisionMessage, issue.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync($"/api/v1/patients/{patient}/questionnaires"));
    }
}
