using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using KetamineOutcomes.Api.Endpoints;

namespace KetamineOutcomes.Api.Tests.Plans;

/// <summary>
/// <c>GET /patients/{id}/due</c> and <c>/adherence</c> on a real SQLite file: the default plan over stored infusions,
/// questionnaires and check-ins (infusions from <see cref="ApiTest.Day0"/>, entered before the patient was registered
/// today, so they count by their own dates).
/// </summary>
public class PatientDueTests : ApiTest
{
    private static string Rows(JsonNode due) => string.Join("|", due["items"]!.AsArray().Select(i =>
        $"{i!["ruleId"]} {i["dueAt"]} {i["windowEnd"]} {i["status"]}{(i["completedBy"] is { } by ? " by " + by : "")}"));

    private async Task<string> PatientWithTwoInfusionsAsync()
    {
        var patient = await CreatePatientAsync();
        await InfusionAsync(patient, Day0);
        await InfusionAsync(patient, Day0.AddDays(2));
        return patient;
    }

    [Fact]
    public async Task Due_list_at_an_instant_follows_the_stored_infusions_and_completions()
    {
        var patient = await PatientWithTwoInfusionsAsync();
        var phq9 = await Phq9Async(patient, Day0.AddHours(30), Phq9Items(12));   // inside the first 24 h window

        var due = await GetOkAsync($"/api/v1/patients/{patient}/due?at={Uri.EscapeDataString(Iso(Day0.AddDays(3).AddHours(1)))}");
        Assert.Equal("2026-03-05T10:00:00+00:00", (string)due["at"]!);
        // Registration (today) is after the instant: no enrolment occurrence yet. interval-phq9 restarted at the PHQ-9.
        Assert.Equal(
            $"after-infusion-phq9 2026-03-03T09:00:00+00:00 2026-03-04T09:00:00+00:00 completed by {phq9["id"]}|" +
            "after-infusion-phq9 2026-03-05T09:00:00+00:00 2026-03-06T09:00:00+00:00 due|" +
            "interval-cssrs 2026-03-18T09:00:00+00:00 2026-03-21T09:00:00+00:00 upcoming|" +
            "interval-phq9 2026-03-18T09:00:00+00:00 2026-03-21T09:00:00+00:00 upcoming",
            Rows(due));
    }

    [Fact]
    public async Task Due_list_now_holds_the_enrolment_occurrences_and_a_checkin_completes_the_cssrs_one()
    {
        var patient = await PatientWithTwoInfusionsAsync();
        var checkin = await CreatedAsync($"/api/v1/patients/{patient}/suicidality-checkins", new
        {
            completedAt = Iso(DateTimeOffset.UtcNow), // after registration: an earlier check-in would precede the window
            wishToBeDead = false, suicidalThoughts = false, suicidalBehavior = "none",
        });
        var items = (await GetOkAsync($"/api/v1/patients/{patient}/due"))["items"]!.AsArray();
        var enrolment = items.Where(i => ((string)i!["ruleId"]!).StartsWith("enrolment-", StringComparison.Ordinal))
            .ToDictionary(i => (string)i!["instrument"]!, i => ((string)i!["status"]!, (string?)i["completedBy"]));
        Assert.Equal(("due", null), enrolment["phq9"]);
        Assert.Equal(("due", null), enrolment["gad7"]);
        Assert.Equal(("completed", (string)checkin["id"]!), enrolment["cssrs"]);
    }

    [Fact]
    public async Task Adherence_counts_closed_and_completed_after_infusion_windows()
    {
        var patient = await PatientWithTwoInfusionsAsync();
        await Phq9Async(patient, Day0.AddHours(30), Phq9Items(12));
        // Two after-infusion occurrences (one completed, one missed) and the interval occurrences since, all closed.
        var adherence = await GetOkAsync($"/api/v1/patients/{patient}/adherence?instrument=phq9");
        var due = (int)adherence["due"]!;
        Assert.True(due >= 2, adherence.ToJsonString());
        Assert.Equal(1, (int)adherence["completedInWindow"]!);
        Assert.Equal(Math.Round(1.0 / due, 4), (double)adherence["rate"]!);
        Assert.Equal("phq9", (string)adherence["instrument"]!);
    }

    [Theory]
    [InlineData("due?at=yesterday", "at")]
    [InlineData("due?at=2026-03-05T10:00:00", "at")]        // no offset: ambiguous
    [InlineData("due?at=2026-03-05T10:00:00%2001:00", "at")] // an unencoded '+' arrives as a space: not read back as one
    [InlineData("due?at=9999-12-31T23:59:59Z", "at")]       // past the horizon: would build occurrences up to year 9999
    [InlineData("due?AT=2026-03-05T10:00:00Z", "AT")]       // parameter names are exact
    [InlineData("due?at=2026-03-05T10:00:00Z&at=2026-03-06T10:00:00Z", "at")] // which one?
    [InlineData("due?instrument=phq9", "instrument")]       // not a parameter of the due list
    [InlineData("adherence", "instrument")]
    [InlineData("adherence?instrument=madrs", "instrument")]
    [InlineData("adherence?instrument=phq9&at=2026-11-22T09:00:00", "at")] // adherence is always now: at is refused, not ignored
    [InlineData("adherence?instrument=phq9&at=2026-11-22T09:00:00Z", "at")]
    public async Task Ambiguous_query_values_answer_400_naming_the_field(string path, string field)
    {
        var patient = await CreatePatientAsync();
        var (status, body, _) = await SendAsync(HttpMethod.Get, $"/api/v1/patients/{patient}/{path}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal([field], ErrorKeys(body));
    }

    [Fact]
    public async Task At_up_to_366_days_after_now_is_read_and_a_moment_later_is_refused_naming_at()
    {
        var patient = await PatientWithTwoInfusionsAsync();
        var horizon = DateTimeOffset.UtcNow.AddDays(DueEndpoints.AtHorizonDays);
        var read = await GetOkAsync($"/api/v1/patients/{patient}/due?at={Uri.EscapeDataString(Iso(horizon.AddMinutes(-1)))}");
        Assert.NotEmpty(read["items"]!.AsArray());
        var (status, body, _) = await SendAsync(HttpMethod.Get, $"/api/v1/patients/{patient}/due?at={Uri.EscapeDataString(Iso(horizon.AddMinutes(1)))}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["at"], ErrorKeys(body));
        Assert.Contains("366 days", body!["errors"]!["at"]![0]!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_sites_patient_and_another_patients_portal_key_answer_404()
    {
        var patient = await CreatePatientAsync(siteId: "north");
        var other = await CreatePatientAsync(siteId: "north");
        using var south = ClientWith(await CreateKeyAsync("clinician", "south"));
        Assert.Equal(HttpStatusCode.NotFound, (await south.GetAsync($"/api/v1/patients/{patient}/due")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await south.GetAsync($"/api/v1/patients/{patient}/adherence?instrument=phq9")).StatusCode);

        var created = await Admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "patient app", role = "portal", patientId = patient });
        using var portal = ClientWith((string)(await created.Content.ReadFromJsonAsync<JsonNode>())!["key"]!);
        Assert.Equal(HttpStatusCode.OK, (await portal.GetAsync($"/api/v1/patients/{patient}/due")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await portal.GetAsync($"/api/v1/patients/{other}/due")).StatusCode);
    }
}
