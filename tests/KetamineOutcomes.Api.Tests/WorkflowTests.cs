using System.Net;

namespace KetamineOutcomes.Api.Tests;

/// <summary>The README's tour, end to end: a six-infusion course and the trend a clinician reads.</summary>
public class WorkflowTests : ApiTest
{
    [Fact]
    public async Task Six_infusion_course_yields_baseline_response_remission_relapse_loss_of_response_and_flags()
    {
        var patient = await CreatePatientAsync("MRN-TOUR");
        var days = new[] { 0, 2, 4, 7, 9, 11 };
        var infusionIds = new List<string>();
        foreach (var (d, n) in days.Select((d, i) => (d, i + 1)))
        {
            var inf = await InfusionAsync(patient, Day0.AddDays(d));
            Assert.Equal(n, (int)inf["sessionNumber"]!);
            infusionIds.Add((string)inf["id"]!);
        }

        var baseline = await Phq9Async(patient, Day0.AddDays(-2), Phq9Items(20, item9: 1));
        Assert.Equal(20, (int)baseline["totalScore"]!);
        Assert.Equal("severe", (string)baseline["severity"]!);
        Assert.Equal("low", (string)baseline["alert"]!["level"]!);
        Assert.Equal(0, (int)baseline["timepoint"]!["sessionNumber"]!);

        var s1 = await Phq9Async(patient, Day0.AddDays(1), Phq9Items(14));
        Assert.Equal(1, (int)s1["timepoint"]!["sessionNumber"]!);
        Assert.Equal(infusionIds[0], (string)s1["timepoint"]!["infusionId"]!);
        Assert.Equal(24.0m, (decimal)s1["timepoint"]!["hoursSinceLastInfusion"]!);
        Assert.Null(s1["alert"]);
        var s4 = await Phq9Async(patient, Day0.AddDays(8), Phq9Items(10));
        var s6 = await Phq9Async(patient, Day0.AddDays(12), Phq9Items(4));
        var lost = await Phq9Async(patient, Day0.AddDays(40), Phq9Items(12));

        var gad = await CreatedAsync($"/api/v1/patients/{patient}/questionnaires", new { instrument = "gad7", completedAt = Iso(Day0.AddDays(-2)), items = new int?[] { 2, 2, 2, 2, 2, 2, null } });
        Assert.Equal(14, (int)gad["totalScore"]!);
        Assert.True((bool)gad["prorated"]!);
        var checkin = await CreatedAsync($"/api/v1/patients/{patient}/suicidality-checkins", new
        {
            completedAt = Iso(Day0.AddDays(-2)), wishToBeDead = true, suicidalThoughts = true, thoughtsOfMethod = true, intent = false, plan = false, suicidalBehavior = "none",
        });
        Assert.Equal("moderate", (string)checkin["riskLevel"]!);
        Assert.Equal("moderate", (string)checkin["alert"]!["level"]!);
        Assert.Equal("cssrs", (string)checkin["alert"]!["trigger"]!);

        var trend = await GetOkAsync($"/api/v1/patients/{patient}/trends?instrument=phq9");
        Assert.Equal((string)baseline["id"]!, (string)trend["baseline"]!["questionnaireId"]!);
        Assert.Equal(20, (int)trend["baseline"]!["totalScore"]!);
        Assert.Equal(12, (int)trend["latest"]!["totalScore"]!);
        Assert.Equal("partial-response", (string)trend["status"]!);
        Assert.Null(trend["statusReason"]);
        Assert.Equal((string)s4["id"]!, (string)trend["firstResponse"]!["questionnaireId"]!);
        Assert.Equal(4, (int)trend["firstResponse"]!["sessionNumber"]!);
        Assert.Equal(8, (int)trend["firstResponse"]!["daysSinceFirstInfusion"]!);
        Assert.Equal((string)s6["id"]!, (string)trend["firstRemission"]!["questionnaireId"]!);
        Assert.Equal(6, (int)trend["firstRemission"]!["sessionNumber"]!);
        Assert.True((bool)trend["relapse"]!);
        // 12 > 50 % of 20: the response is lost 29 days after infusion 6 (day 11), 32 days after the first response.
        var loss = trend["lossOfResponse"]!;
        Assert.Equal((string)lost["id"]!, (string)loss["questionnaireId"]!);
        Assert.Equal([12, 6, 40, 29], new[] { "totalScore", "sessionNumber", "daysSinceFirstInfusion", "daysSinceLastInfusion" }.Select(f => (int)loss[f]!));
        Assert.Equal(32, (int)trend["responseDurationDays"]!);
        Assert.Equal(6, trend["infusions"]!.AsArray().Count);
        Assert.Equal(2, trend["openAlerts"]!.AsArray().Count);

        var points = trend["points"]!.AsArray();
        Assert.Equal([20, 14, 10, 4, 12], points.Select(p => (int)p!["totalScore"]!));
        Assert.Equal([true, false, false, false, false], points.Select(p => (bool)p!["isBaseline"]!));
        Assert.Equal([null, -6, -10, -16, -8], points.Select(p => (int?)p!["changeFromBaseline"]));
        Assert.Equal([null, -30.0m, -50.0m, -80.0m, -40.0m], points.Select(p => (decimal?)p!["percentChange"]));
        Assert.Equal([null, false, true, true, false], points.Select(p => (bool?)p!["response"]));
        Assert.Equal([null, false, false, true, false], points.Select(p => (bool?)p!["remission"]));
        Assert.Equal([null, true, false, false, true], points.Select(p => (bool?)p!["partialResponse"]));
        Assert.Equal([null, true, true, true, true], points.Select(p => (bool?)p!["reliableImprovement"]));

        var gadTrend = await GetOkAsync($"/api/v1/patients/{patient}/trends?instrument=gad7");
        Assert.Equal("not-evaluable", (string)gadTrend["status"]!);
        Assert.Equal("no-follow-up", (string)gadTrend["statusReason"]!);
    }

    [Fact]
    public async Task Trend_of_a_patient_with_a_baseline_below_10_is_not_evaluable_with_null_flags()
    {
        var patient = await CreatePatientAsync();
        await InfusionAsync(patient, Day0);
        await Phq9Async(patient, Day0.AddDays(-1), Phq9Items(9));
        await Phq9Async(patient, Day0.AddDays(1), Phq9Items(2));
        var trend = await GetOkAsync($"/api/v1/patients/{patient}/trends");
        Assert.Equal("not-evaluable", (string)trend["status"]!);
        Assert.Equal("baseline-below-threshold", (string)trend["statusReason"]!);
        Assert.Null(trend["firstRemission"]);
        Assert.False((bool)trend["relapse"]!);
        Assert.Null(trend["lossOfResponse"]);
        Assert.Null(trend["responseDurationDays"]);
        var follow = trend["points"]![1]!;
        Assert.Equal(-7, (int)follow["changeFromBaseline"]!);
        Assert.Null(follow["remission"]);
    }

    [Fact]
    public async Task Back_dated_infusion_re_keys_assessments_recorded_before_it()
    {
        var patient = await CreatePatientAsync();
        await InfusionAsync(patient, Day0);
        var q = await Phq9Async(patient, Day0.AddDays(3), Phq9Items(12));
        Assert.Equal(1, (int)q["timepoint"]!["sessionNumber"]!);
        Assert.Equal(3, (int)q["timepoint"]!["daysSinceFirstInfusion"]!);

        var early = await InfusionAsync(patient, Day0.AddDays(-2));
        Assert.Equal(1, (int)early["sessionNumber"]!);

        var reread = await GetOkAsync($"/api/v1/patients/{patient}/questionnaires/{q["id"]}");
        Assert.Equal(2, (int)reread["timepoint"]!["sessionNumber"]!);
        Assert.Equal(5, (int)reread["timepoint"]!["daysSinceFirstInfusion"]!);
        var list = await GetOkAsync($"/api/v1/patients/{patient}/infusions");
        Assert.Equal([1, 2], list["items"]!.AsArray().Select(i => (int)i!["sessionNumber"]!));
        Assert.Equal((string)early["id"]!, (string)list["items"]![0]!["id"]!);
    }

    [Fact]
    public async Task Lists_paginate_with_cursors_and_inclusive_time_filters()
    {
        var patient = await CreatePatientAsync();
        for (var d = 0; d < 5; d++) await Phq9Async(patient, Day0.AddDays(d), Phq9Items(10 + d));

        var seen = new List<int>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await GetOkAsync($"/api/v1/patients/{patient}/questionnaires?limit=2" + (cursor is null ? "" : $"&cursor={cursor}"));
            seen.AddRange(page["items"]!.AsArray().Select(i => (int)i!["totalScore"]!));
            cursor = (string?)page["nextCursor"];
            pages++;
        } while (cursor is not null);
        Assert.Equal([10, 11, 12, 13, 14], seen);
        Assert.Equal(3, pages);

        var window = await GetOkAsync($"/api/v1/patients/{patient}/questionnaires?from={Uri.EscapeDataString(Iso(Day0.AddDays(1)))}&to={Uri.EscapeDataString(Iso(Day0.AddDays(3)))}");
        Assert.Equal([11, 12, 13], window["items"]!.AsArray().Select(i => (int)i!["totalScore"]!));
        var gadOnly = await GetOkAsync($"/api/v1/patients/{patient}/questionnaires?instrument=gad7");
        Assert.Empty(gadOnly["items"]!.AsArray());
    }

    [Fact]
    public async Task Patients_are_found_by_mrn_and_site_and_research_consent_can_be_withdrawn()
    {
        var a = await CreatePatientAsync("MRN-7", "north");
        var b = await CreatePatientAsync("MRN-7", "south");
        var found = await GetOkAsync("/api/v1/patients?mrn=MRN-7&siteId=south");
        Assert.Equal([b], found["items"]!.AsArray().Select(p => (string)p!["id"]!));
        Assert.Equal(2, (await GetOkAsync("/api/v1/patients?mrn=MRN-7"))["items"]!.AsArray().Count);

        var (status, body, _) = await SendAsync(HttpMethod.Put, $"/api/v1/patients/{a}/research-consent", new { researchConsent = false });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False((bool)body!["researchConsent"]!);
        Assert.False((bool)(await GetOkAsync($"/api/v1/patients/{a}"))["researchConsent"]!);
    }

    [Fact]
    public async Task Created_records_answer_201_with_a_location_that_reads_them_back()
    {
        var patient = await CreatePatientAsync();
        var (status, body, response) = await PostAsync($"/api/v1/patients/{patient}/suicidality-checkins", new
        {
            completedAt = Iso(Day0), wishToBeDead = false, suicidalThoughts = false, suicidalBehavior = "none",
        });
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("none", (string)body!["riskLevel"]!);
        Assert.Null(body["alert"]);
        var again = await GetOkAsync(response.Headers.Location!.ToString());
        Assert.Equal((string)body["id"]!, (string)again["id"]!);
        var list = await GetOkAsync($"/api/v1/patients/{patient}/suicidality-checkins");
        Assert.Single(list["items"]!.AsArray());
    }
}
