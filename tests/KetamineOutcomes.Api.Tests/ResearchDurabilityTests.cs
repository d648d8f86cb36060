using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// GET /research/durability (SPEC "Response durability"): Kaplan–Meier of days from first response to loss of
/// response over consenting responders, with the research small-cell rules at k = 5.
/// </summary>
public class ResearchDurabilityTests() : ApiTest(new() { ["Research:MinCellSize"] = "5" })
{
    private const int K = 5;
    private HttpClient Researcher { get; set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Researcher = ClientWith(await CreateKeyAsync("researcher"));
    }

    private async Task<JsonObject> DurabilityAsync(string query = "")
    {
        var response = await Researcher.GetAsync("/api/v1/research/durability?instrument=phq9" + query);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>
    /// A patient with baseline 20 the day before infusion 1 (day 0), a response (10) on day 2 and, <paramref name="days"/>
    /// later, a loss (14) or a held response (8). Returns the patient and the response questionnaire's id.
    /// </summary>
    private async Task<(string Patient, string Response)> ResponderAsync(int days, bool lost, string siteId = "north", bool consent = true)
    {
        var p = await CreatePatientAsync(siteId: siteId, consent: consent);
        await InfusionAsync(p, Day0);
        await Phq9Async(p, Day0.AddDays(-1), Phq9Items(20));
        var response = (string)(await Phq9Async(p, Day0.AddDays(2), Phq9Items(10)))["id"]!;
        await Phq9Async(p, Day0.AddDays(2 + days), Phq9Items(lost ? 14 : 8));
        return (p, response);
    }

    private async Task NonResponderAsync()
    {
        var p = await CreatePatientAsync();
        await InfusionAsync(p, Day0);
        await Phq9Async(p, Day0.AddDays(-1), Phq9Items(20));
        await Phq9Async(p, Day0.AddDays(3), Phq9Items(15));
    }

    [Theory]
    [InlineData(K - 1, true)]
    [InlineData(K, false)]
    [InlineData(K + 1, false)]
    public async Task Fewer_than_k_responders_suppress_the_estimate_to_instrument_k_and_suppressed(int responders, bool suppressed)
    {
        for (var i = 0; i < responders; i++) await ResponderAsync(5 + i, lost: i % 2 == 0);
        await ResponderAsync(3, lost: true, consent: false);          // without research consent: never counted
        await NonResponderAsync();                                    // evaluable, never a response: not in the estimate

        var d = await DurabilityAsync();
        Assert.Equal(suppressed, (bool)d["suppressed"]!);
        if (suppressed)
        {
            Assert.Equal(["instrument", "minCellSize", "suppressed"], d.Select(kv => kv.Key).Order());
            return;
        }
        Assert.Equal(responders, (int)d["n"]!);
        Assert.Equal(["curve", "instrument", "medianCi95High", "medianCi95Low", "medianDays", "medianSuppressed", "minCellSize", "n", "suppressed"], d.Select(kv => kv.Key).Order());
        // Losses on days 5, 7 (and 9 with k + 1): only day 5 has k or more at risk; no counts of events or censors.
        var first = Assert.Single(d["curve"]!.AsArray())!.AsObject();
        Assert.Equal(["atRisk", "ci95High", "ci95Low", "day", "survival"], first.Select(kv => kv.Key).Order());
        Assert.Equal((5, responders), ((int)first["day"]!, (int)first["atRisk"]!));
        Assert.Equal(1 - 1.0 / responders, (double)first["survival"]!, 1e-12);
        Assert.True((double)first["ci95Low"]! < (double)first["survival"]! && (double)first["survival"]! < (double)first["ci95High"]!);
    }

    [Fact]
    public async Task Filter_that_narrows_the_cohort_below_k_is_suppressed_and_one_that_keeps_k_is_published()
    {
        for (var i = 0; i < K; i++) await ResponderAsync(4 + i, lost: true, siteId: "north");
        for (var i = 0; i < K - 1; i++) await ResponderAsync(4 + i, lost: true, siteId: "south");

        Assert.Equal(2 * K - 1, (int)(await DurabilityAsync())["n"]!);
        var north = await DurabilityAsync("&siteId=north");
        Assert.Equal(K, (int)north["n"]!);
        // Losses on days 4 … 8: S = 2/5 after day 6, but only day 4 has k at risk — the median 6 is withheld.
        Assert.Equal((1, null, true), (north["curve"]!.AsArray().Count, (double?)north["medianDays"], (bool)north["medianSuppressed"]!));
        Assert.True((bool)(await DurabilityAsync("&siteId=south"))["suppressed"]!);
        Assert.True((bool)(await DurabilityAsync("&siteId=south&route=iv&drug=ketamine&diagnosis=trd"))["suppressed"]!);
        var elsewhere = await DurabilityAsync("&siteId=nowhere");
        Assert.Equal((false, 0), ((bool)elsewhere["suppressed"]!, (int)elsewhere["n"]!));
        Assert.Empty(elsewhere["curve"]!.AsArray());
    }

    [Fact]
    public async Task Response_entered_in_error_takes_the_patient_out_of_the_estimate()
    {
        var responders = new List<(string Patient, string Response)>();
        for (var i = 0; i < K; i++) responders.Add(await ResponderAsync(10, lost: true));
        var before = await DurabilityAsync();
        Assert.Equal(K, (int)before["n"]!);
        Assert.Equal(0.0, (double)before["curve"]![0]!["survival"]!); // all five lost on day 10: no interval at 0
        Assert.Null(before["curve"]![0]!["ci95Low"]);

        var (patient, response) = responders[0];
        var (status, body, _) = await PostAsync($"/api/v1/patients/{patient}/questionnaires/{response}/entered-in-error", new { reason = "wrong patient" });
        Assert.True(status == HttpStatusCode.OK, body?.ToJsonString());
        Assert.True((bool)(await DurabilityAsync())["suppressed"]!); // 4 responders left
    }

    [Fact]
    public async Task Summary_gives_the_durability_median_once_k_patients_responded_and_the_curve_reaches_it()
    {
        for (var i = 0; i < K; i++) await NonResponderAsync(); // the summary's cohort is published throughout
        for (var i = 0; i < K - 1; i++) await ResponderAsync(4 + i, lost: true);
        Assert.Null(await SummaryMedianAsync()); // K − 1 responders

        await ResponderAsync(8, lost: true);
        Assert.Null(await SummaryMedianAsync()); // losses on days 4 … 8: the median 6 is after the curve's only day, 4

        for (var i = 0; i < K; i++) await ResponderAsync(9 + i, lost: true);
        // Losses on days 4 … 13: curve days 4 … 9 (10 … 5 at risk); S = 5/10 from day 8 to 9 → 8.5, on the curve.
        Assert.Equal(8.5, await SummaryMedianAsync());
        var d = await DurabilityAsync();
        Assert.Equal((8.5, 9), ((double)d["medianDays"]!, (int)d["curve"]!.AsArray()[^1]!["day"]!));
    }

    private async Task<double?> SummaryMedianAsync()
    {
        var summary = JsonNode.Parse(await Researcher.GetStringAsync("/api/v1/research/summary?instrument=phq9"))!.AsObject();
        Assert.False((bool)summary["suppressed"]!);
        Assert.True(summary.ContainsKey("medianResponseDurationDays"));
        return (double?)summary["medianResponseDurationDays"];
    }

    [Fact]
    public async Task A_median_after_the_last_published_curve_day_is_withheld_in_the_estimate_and_the_summary()
    {
        // Durations 5 (lost), 7 (held), 10 (lost), 10 (lost), 14 (held), k = 5: day 10 has 3 at risk, so the curve is day 5
        // alone; R's median is 10 and its limits 5 and NA. 10 would speak of the 3: withheld; the lower limit 5 is on the curve.
        foreach (var (days, lost) in new[] { (5, true), (7, false), (10, true), (10, true), (14, false) }) await ResponderAsync(days, lost);
        for (var i = 0; i < K; i++) await NonResponderAsync();
        var d = await DurabilityAsync();
        Assert.Equal([5], d["curve"]!.AsArray().Select(c => (int)c!["day"]!));
        Assert.Equal((null, 5.0, null, true), ((double?)d["medianDays"], (double?)d["medianCi95Low"], (double?)d["medianCi95High"], (bool)d["medianSuppressed"]!));
        Assert.Null(await SummaryMedianAsync());
    }

    [Theory]
    [InlineData("durability", "instrument")]
    [InlineData("durability?instrument=madrs", "instrument")]
    [InlineData("durability?instrument=phq9&route=rectal", "route")]
    [InlineData("durability?instrument=phq9&drug=aspirin", "drug")]
    [InlineData("durability?instrument=phq9&diagnosis=flu", "diagnosis")]
    [InlineData("durability?instrument=phq9&siteId=%E2%80%8Bnorth", "siteId")]
    public async Task Bad_durability_query_is_refused_naming_the_parameter(string path, string field)
    {
        var response = await Researcher.GetAsync("/api/v1/research/" + path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal([field], ErrorKeys(await response.Content.ReadFromJsonAsync<JsonNode>()));
    }

    [Fact]
    public async Task Site_bound_researcher_asking_for_another_site_gets_an_empty_estimate()
    {
        for (var i = 0; i < K; i++) await ResponderAsync(4 + i, lost: true, siteId: "north");
        using var southResearcher = ClientWith(await CreateKeyAsync("researcher", "south"));
        var response = JsonNode.Parse(await southResearcher.GetStringAsync("/api/v1/research/durability?instrument=phq9&siteId=north"))!;
        Assert.Equal(0, (int)response["n"]!);
        Assert.Equal(K, (int)(await DurabilityAsync("&siteId=north"))["n"]!);
    }
}

/// <summary>The demo cohort at the default k = 11: no median or limit is published beyond its curve, on any site.</summary>
public class ResearchDurabilityOnDemoTests() : ApiTest(new() { ["Seed:Demo"] = "true" })
{
    [Fact]
    public async Task Every_published_median_and_limit_on_the_demo_cohort_lies_on_or_before_the_curves_last_day()
    {
        using var researcher = ClientWith(await CreateKeyAsync("researcher"));
        var withheld = 0;
        foreach (var filter in new[] { "", "&siteId=north", "&siteId=south", "&route=iv", "&diagnosis=trd" })
        {
            var d = JsonNode.Parse(await researcher.GetStringAsync("/api/v1/research/durability?instrument=phq9" + filter))!;
            if ((bool)d["suppressed"]!) continue;
            var curve = d["curve"]!.AsArray();
            double? last = curve.Count == 0 ? null : (int)curve[^1]!["day"]!;
            foreach (var field in new[] { "medianDays", "medianCi95Low", "medianCi95High" })
            {
                if ((double?)d[field] is { } day) Assert.True(last is { } l && day <= l, $"{filter}: {field} {day} after the curve's last day {last}");
            }
            if ((bool)d["medianSuppressed"]!) withheld++;
            var summary = JsonNode.Parse(await researcher.GetStringAsync("/api/v1/research/summary?instrument=phq9" + filter))!;
            if (!(bool)summary["suppressed"]!) Assert.Equal((double?)d["medianDays"], (double?)summary["medianResponseDurationDays"]);
        }
        Assert.True(withheld > 0, "the demo cohort has medians beyond their curves (issue 22: medianDays 26 with the curve ending on day 15)");
    }
}
