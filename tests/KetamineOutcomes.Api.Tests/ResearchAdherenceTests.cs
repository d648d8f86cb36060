using System.Net;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// SPEC v2, Measurement plans: the research summary's <c>adherenceRate</c>, under the small-cell rules (k = 5 here) and
/// the summary's filters. Every patient is registered now and had one IV infusion ten days ago (back-entered), so under
/// the default plan each has exactly one occurrence counted: PHQ-9 24 h after infusion 1, window [−9 d, −8 d], closed.
/// (Enrolment is still open and not completed; the next interval occurrence is upcoming.)
/// </summary>
public class ResearchAdherenceTests() : ApiTest(new() { ["Research:MinCellSize"] = "5" })
{
    private static readonly DateTimeOffset Infused = DateTimeOffset.UtcNow.AddDays(-10);

    private HttpClient Researcher { get; set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Researcher = ClientWith(await CreateKeyAsync("researcher"));
    }

    private async Task<JsonNode> SummaryAsync(string query)
    {
        var response = await Researcher.GetAsync($"/api/v1/research/summary?instrument=phq9&{query}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    // A PHQ-9 inside the window completes the occurrence; one four days later (keeping the patient in the cohort)
    // completes nothing. Returns the patient and the completing PHQ-9's id (null for a patient who missed it).
    private async Task<(string Patient, string? Completing)> PatientAsync(string site, bool adherent)
    {
        var p = await CreatePatientAsync(siteId: site);
        await InfusionAsync(p, Infused);
        string? completing = null;
        if (adherent) completing = (string)(await Phq9Async(p, Infused.AddHours(30), Phq9Items(14)))["id"]!;
        await Phq9Async(p, Infused.AddDays(5), Phq9Items(12));
        return (p, completing);
    }

    [Fact]
    public async Task Adherence_rate_is_withheld_when_k_minus_1_patients_missed_and_published_at_k_with_entered_in_error_completing_nothing()
    {
        // Site "adh-4": 6 adherent, 4 who missed → 4 patients (and 4 occurrences) on the missed side: withheld.
        for (var i = 0; i < 6; i++) await PatientAsync("adh-4", adherent: true);
        for (var i = 0; i < 4; i++) await PatientAsync("adh-4", adherent: false);
        var withheld = await SummaryAsync("siteId=adh-4");
        Assert.Equal(10, (int)withheld["cohortN"]!);
        Assert.Null(withheld["adherenceRate"]);
        Assert.True((bool)withheld["adherenceRateSuppressed"]!);

        // Site "adh-5": 6 adherent and 4 who missed again, then the completing PHQ-9 of one adherent patient is marked
        // entered in error: 5 missed, 5 completed, published. Were it still counted, 6/10 with 4 missed would be withheld.
        var adherent = new List<(string Patient, string? Completing)>();
        for (var i = 0; i < 6; i++) adherent.Add(await PatientAsync("adh-5", adherent: true));
        for (var i = 0; i < 4; i++) await PatientAsync("adh-5", adherent: false);
        Assert.True((bool)(await SummaryAsync("siteId=adh-5"))["adherenceRateSuppressed"]!);

        var (patient, completing) = adherent[0];
        var (status, _, _) = await SendAsync(HttpMethod.Post, $"/api/v1/patients/{patient}/questionnaires/{completing}/entered-in-error",
            new { reason = "Entered for the wrong patient" });
        Assert.Equal(HttpStatusCode.OK, status);
        var published = await SummaryAsync("siteId=adh-5");
        Assert.Equal(0.5, (double)published["adherenceRate"]!);
        Assert.False((bool)published["adherenceRateSuppressed"]!);
    }

    [Fact]
    public async Task Adherence_rate_follows_the_summary_filters_and_counts_patients_without_any_assessment()
    {
        // Site "adh-f": 5 adherent IV patients, 5 who missed; the filter route=im leaves none of them.
        for (var i = 0; i < 5; i++) await PatientAsync("adh-f", adherent: true);
        for (var i = 0; i < 5; i++) await PatientAsync("adh-f", adherent: false);
        Assert.Equal(0.5, (double)(await SummaryAsync("siteId=adh-f"))["adherenceRate"]!);
        Assert.Equal(0, (int)(await SummaryAsync("siteId=adh-f&route=im"))["cohortN"]!);

        // 5 more who were infused and never answered: outside cohortN (no PHQ-9) but inside the adherence rate.
        for (var i = 0; i < 5; i++) await InfusionAsync(await CreatePatientAsync(siteId: "adh-f"), Infused);
        var s = await SummaryAsync("siteId=adh-f");
        Assert.Equal(10, (int)s["cohortN"]!);
        Assert.Equal(Math.Round(5 / 15.0, 4), (double)s["adherenceRate"]!);
    }
}
