using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace KetamineOutcomes.Api.Tests.Corrections;

/// <summary>
/// SPEC v2, Corrections: an entered-in-error questionnaire or infusion leaves the trend, its summary, the timepoints
/// (session numbers, days since the first infusion) and the chart, and stays readable by id.
/// </summary>
public class EnteredInErrorTrendTests : ApiTest
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private Task<JsonNode> TrendAsync(string patient) => GetOkAsync($"/api/v1/patients/{patient}/trends?instrument=phq9");

    private async Task<XDocument> ChartAsync(string patient) =>
        XDocument.Parse(await Client.GetStringAsync($"/api/v1/patients/{patient}/trends/phq9.svg"));

    private static IEnumerable<XElement> Marks(XDocument svg, string kind) =>
        svg.Descendants().Where(e => (string?)e.Attribute("data-kind") == kind);

    /// <summary>Baseline 20, one infusion, then 8 (response), 4 (remission); <paramref name="wrong25"/> adds a 25 a week later.</summary>
    private async Task<(string Patient, string? Wrong)> CourseAsync(bool wrong25)
    {
        var patient = await CreatePatientAsync();
        await Phq9Async(patient, Day0.AddDays(-1), Phq9Items(20));
        await InfusionAsync(patient, Day0);
        await Phq9Async(patient, Day0.AddDays(7), Phq9Items(8));
        await Phq9Async(patient, Day0.AddDays(14), Phq9Items(4));
        var wrong = wrong25 ? (string)(await Phq9Async(patient, Day0.AddDays(21), Phq9Items(25, item9: 2)))["id"]! : null;
        return (patient, wrong);
    }

    // The trend without what identifies the patient or a record: two courses with the same scores and times compare equal.
    private static string Shape(JsonNode trend)
    {
        var copy = trend.DeepClone().AsObject();
        copy.Remove("patientId");
        copy.Remove("openAlerts");
        var text = copy.ToJsonString();
        return System.Text.RegularExpressions.Regex.Replace(text, "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>");
    }

    [Fact]
    public async Task Marking_a_wrong_25_entered_in_error_restores_remission_in_the_trend_its_summary_and_the_chart()
    {
        var (patient, wrong) = await CourseAsync(wrong25: true);
        var before = await TrendAsync(patient);
        Assert.Equal("non-response", (string)before["status"]!);
        Assert.True((bool)before["relapse"]!);
        Assert.Equal(25, (int)before["latest"]!["totalScore"]!);
        Assert.Equal(["item9"], Marks(await ChartAsync(patient), "item9").Select(_ => "item9"));

        await EnteredInErrorFixture.MarkAsync(App, RecordTable.Questionnaires, wrong!);

        var after = await TrendAsync(patient);
        Assert.Equal("remission", (string)after["status"]!);
        Assert.False((bool)after["relapse"]!);
        Assert.Equal(4, (int)after["latest"]!["totalScore"]!);
        Assert.Equal([20, 8, 4], after["points"]!.AsArray().Select(p => (int)p!["totalScore"]!));
        Assert.DoesNotContain(wrong!, after.ToJsonString(), StringComparison.Ordinal);
        Assert.NotEqual((string)before["summary"]!, (string)after["summary"]!);

        // Exactly the trend of the same course never given the 25: summary, milestones, flags and timepoints.
        var (twin, _) = await CourseAsync(wrong25: false);
        Assert.Equal(Shape(await TrendAsync(twin)), Shape(after));

        // The chart: three points, no item-9 flag (the 25's item 9 was its only one), the remission title.
        var svg = await ChartAsync(patient);
        Assert.Equal(["20", "8", "4"], Marks(svg, "point").Select(p => (string)p.Attribute("data-total")!));
        Assert.Empty(Marks(svg, "item9"));
        Assert.Equal((await ChartAsync(twin)).Root!.Element(Svg + "title")!.Value, svg.Root!.Element(Svg + "title")!.Value);

        // Still readable by id.
        Assert.Equal(25, (int)(await GetOkAsync($"/api/v1/patients/{patient}/questionnaires/{wrong}"))["totalScore"]!);
    }

    [Fact]
    public async Task An_entered_in_error_infusion_is_no_session_and_later_sessions_and_days_are_renumbered()
    {
        var patient = await CreatePatientAsync();
        var first = (string)(await InfusionAsync(patient, Day0))["id"]!;
        var second = (string)(await InfusionAsync(patient, Day0.AddDays(2)))["id"]!;
        var third = (string)(await InfusionAsync(patient, Day0.AddDays(4)))["id"]!;
        var q = (string)(await Phq9Async(patient, Day0.AddDays(5), Phq9Items(9)))["id"]!;
        var c = (string)(await CreatedAsync($"/api/v1/patients/{patient}/suicidality-checkins", new
        {
            completedAt = Iso(Day0.AddDays(5)), wishToBeDead = false, suicidalThoughts = false, suicidalBehavior = "none",
        }))["id"]!;

        // Before: the assessment follows session 3, five days after the first infusion, one day after the last.
        var tp = (await GetOkAsync($"/api/v1/patients/{patient}/questionnaires/{q}"))["timepoint"]!;
        Assert.Equal((3, 5, 24.0m), ((int)tp["sessionNumber"]!, (int)tp["daysSinceFirstInfusion"]!, (decimal)tp["hoursSinceLastInfusion"]!));

        await EnteredInErrorFixture.MarkAsync(App, RecordTable.Infusions, second);

        // Day 0 and day 4 remain: the third infusion is now session 2; the assessment still follows it by a day.
        var list = (await GetOkAsync($"/api/v1/patients/{patient}/infusions"))["items"]!.AsArray();
        Assert.Equal([(first, 1), (third, 2)], list.Select(i => ((string)i!["id"]!, (int)i["sessionNumber"]!)));
        tp = (await GetOkAsync($"/api/v1/patients/{patient}/questionnaires/{q}"))["timepoint"]!;
        Assert.Equal((2, third, 5, 24.0m), ((int)tp["sessionNumber"]!, (string)tp["infusionId"]!, (int)tp["daysSinceFirstInfusion"]!, (decimal)tp["hoursSinceLastInfusion"]!));
        Assert.Equal(2, (int)(await GetOkAsync($"/api/v1/patients/{patient}/suicidality-checkins/{c}"))["timepoint"]!["sessionNumber"]!);
        var trend = await TrendAsync(patient);
        Assert.Equal([(first, 1), (third, 2)], trend["infusions"]!.AsArray().Select(i => ((string)i!["id"]!, (int)i["sessionNumber"]!)));
        Assert.Equal(["1", "2"], Marks(await ChartAsync(patient), "infusion").Select(m => (string)m.Attribute("data-session")!));

        // Read by id, the entered-in-error infusion has no session number; listed only when asked for, in time order.
        var gone = await GetOkAsync($"/api/v1/patients/{patient}/infusions/{second}");
        Assert.Null(gone["sessionNumber"]);
        var all = (await GetOkAsync($"/api/v1/patients/{patient}/infusions?includeEnteredInError=true"))["items"]!.AsArray();
        Assert.Equal([(first, (int?)1), (second, null), (third, 2)], all.Select(i => ((string)i!["id"]!, (int?)i["sessionNumber"])));

        // The first infusion entered in error too: day 4 is the first infusion, so the day-5 assessment is day 1, session 1.
        await EnteredInErrorFixture.MarkAsync(App, RecordTable.Infusions, first);
        tp = (await GetOkAsync($"/api/v1/patients/{patient}/questionnaires/{q}"))["timepoint"]!;
        Assert.Equal((1, 1), ((int)tp["sessionNumber"]!, (int)tp["daysSinceFirstInfusion"]!));
        Assert.Equal(1, (int)(await GetOkAsync($"/api/v1/patients/{patient}/infusions/{third}"))["sessionNumber"]!);
    }
}
