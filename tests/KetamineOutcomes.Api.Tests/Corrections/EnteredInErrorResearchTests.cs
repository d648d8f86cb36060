using System.Net;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests.Corrections;

/// <summary>
/// SPEC v2, Corrections: research builds every course without entered-in-error records — the summary's counts and
/// mean baseline, the cohort filters, the export's rows. A cohort sized for k = 5 so every figure here is published.
/// </summary>
public class EnteredInErrorResearchTests() : ApiTest(new() { ["Research:MinCellSize"] = "5" })
{
    private HttpClient Researcher { get; set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Researcher = ClientWith(await CreateKeyAsync("researcher"));
    }

    private async Task<JsonNode> SummaryAsync()
    {
        var response = await Researcher.GetAsync("/api/v1/research/summary?instrument=phq9");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    private async Task<string[][]> ExportRowsAsync() =>
        (await Researcher.GetStringAsync("/api/v1/research/export.csv?instrument=phq9")).Split("\r\n", StringSplitOptions.RemoveEmptyEntries)[1..]
            .Select(line => line.Split(',')).ToArray();

    // The export's route column: the route of the infusion an assessment follows.
    private static int AfterIm(string[][] rows) => rows.Count(r => r[4] == "im");

    private static (int CohortN, int EvaluableN, double MeanBaseline) Figures(JsonNode s)
    {
        Assert.False((bool)s["suppressed"]!);
        return ((int)s["cohortN"]!, (int)s["evaluableN"]!, (double)s["meanBaseline"]!);
    }

    [Fact]
    public async Task Summary_counts_mean_baseline_and_export_leave_out_entered_in_error_assessments_and_infusions()
    {
        // Five evaluable patients with baselines 20, 16, 18, 14, 12 the day before their first infusion, and a follow-up.
        var wrongInfusion = "";
        foreach (var (baseline, n) in new[] { 20, 16, 18, 14, 12 }.Select((b, n) => (b, n)))
        {
            var p = await CreatePatientAsync();
            await Phq9Async(p, Day0.AddHours(-1), Phq9Items(baseline));
            await InfusionAsync(p, Day0);
            await Phq9Async(p, Day0.AddDays(7), Phq9Items(baseline / 2));
            if (n > 0) continue;
            // The first also has an intramuscular infusion wrongly entered twelve days early, which makes an older 24 its baseline.
            await Phq9Async(p, Day0.AddDays(-12), Phq9Items(24));
            wrongInfusion = (string)(await CreatedAsync($"/api/v1/patients/{p}/infusions",
                new { administeredAt = Iso(Day0.AddDays(-10)), route = "im", drug = "ketamine", doseMgPerKg = 0.5 }))["id"]!;
        }
        // A sixth patient whose only PHQ-9, 22, was posted to the wrong patient.
        var sixth = await CreatePatientAsync();
        await InfusionAsync(sixth, Day0);
        var wrongPhq9 = (string)(await Phq9Async(sixth, Day0.AddHours(-1), Phq9Items(22)))["id"]!;

        Assert.Equal((6, 6, Math.Round((24 + 16 + 18 + 14 + 12 + 22) / 6.0, 2)), Figures(await SummaryAsync()));
        Assert.Equal(12, (await ExportRowsAsync()).Length);
        Assert.Equal(1, AfterIm(await ExportRowsAsync())); // the first patient's 20, an hour before day 0

        await EnteredInErrorFixture.MarkAsync(App, RecordTable.Questionnaires, wrongPhq9);
        // The sixth patient has no PHQ-9 left: out of the cohort and of the export.
        Assert.Equal((5, 5, (24 + 16 + 18 + 14 + 12) / 5.0), Figures(await SummaryAsync()));
        Assert.Equal(11, (await ExportRowsAsync()).Length);

        await EnteredInErrorFixture.MarkAsync(App, RecordTable.Infusions, wrongInfusion);
        // The first patient's course starts on day 0 again: baseline 20, and no assessment follows an intramuscular infusion.
        Assert.Equal((5, 5, (20 + 16 + 18 + 14 + 12) / 5.0), Figures(await SummaryAsync()));
        var rows = await ExportRowsAsync();
        Assert.Equal(11, rows.Length);
        Assert.Equal(0, AfterIm(rows));
    }
}
