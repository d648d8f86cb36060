using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests;

/// <summary>GET /response-watch (SPEC v2 "Response durability"): who is listed, in which order, paged, per site, audited.</summary>
public sealed class ResponseWatchTests : ApiTest
{
    /// <summary>A patient with one infusion on Day0, a baseline the day before, then the given PHQ-9 totals on days 2, 4, 6 ….</summary>
    private async Task<(string Id, List<string> Questionnaires)> CourseAsync(string site, int baseline, params int[] later)
    {
        var p = await CreatePatientAsync(mrn: $"MRN-{site}-{Guid.NewGuid():N}"[..20], siteId: site);
        await InfusionAsync(p, Day0);
        var ids = new List<string> { (string)(await Phq9Async(p, Day0.AddDays(-1), Phq9Items(baseline)))["id"]! };
        for (var i = 0; i < later.Length; i++) ids.Add((string)(await Phq9Async(p, Day0.AddDays(2 * (i + 1)), Phq9Items(later[i])))["id"]!);
        return (p, ids);
    }

    private async Task<JsonArray> ItemsAsync(string query) => (await GetOkAsync("/api/v1/response-watch" + query))["items"]!.AsArray();

    [Fact]
    public async Task Relapses_come_first_then_the_largest_share_of_baseline_and_responders_are_not_listed()
    {
        var slight = await CourseAsync("north", 20, 8, 11);          // loss at 55 %
        var relapse = await CourseAsync("north", 20, 4, 10);         // remission then 10: relapse (and 50 %: still a response)
        var backAtBaseline = await CourseAsync("north", 12, 5, 12);  // loss at 100 %
        await CourseAsync("north", 20, 8, 9);                        // response holds
        await CourseAsync("north", 20, 15, 18);                      // never a response

        var items = await ItemsAsync("?siteId=north");
        Assert.Equal([relapse.Id, backAtBaseline.Id, slight.Id], items.Select(i => (string)i!["patientId"]!));
        Assert.Equal(["relapse", "loss-of-response", "loss-of-response"], items.Select(i => (string)i!["kind"]!));
        var first = items[1]!;
        Assert.Equal((12, 12, 100.0m, 1, "phq9"), ((int)first["baseline"]!["totalScore"]!, (int)first["latest"]!["totalScore"]!,
            (decimal)first["percentOfBaseline"]!, (int)first["lastSessionNumber"]!, (string)first["instrument"]!));
        Assert.Equal((backAtBaseline.Questionnaires[1], backAtBaseline.Questionnaires[2]),
            ((string)first["episodeStart"]!["questionnaireId"]!, (string)first["setback"]!["questionnaireId"]!));
        Assert.StartsWith("MRN-north-", (string)first["mrn"]!, StringComparison.Ordinal);
        var days = (DateTimeOffset.UtcNow - Day0).TotalDays;
        Assert.InRange((int)first["daysSinceLastInfusion"]!, (int)days - 1, (int)days);
    }

    [Fact]
    public async Task Pages_follow_the_order_without_repeating_or_skipping_while_a_patient_is_added()
    {
        var expected = new List<string>();
        foreach (var latest in new[] { 11, 13, 15, 17, 19 }) expected.Add((await CourseAsync("north", 20, 8, latest)).Id);
        expected.Reverse(); // highest share of baseline first

        var page1 = await GetOkAsync("/api/v1/response-watch?siteId=north&limit=2");
        var seen = page1["items"]!.AsArray().Select(i => (string)i!["patientId"]!).ToList();
        // Added between pages, ordered before the cursor: the next pages neither repeat nor skip what was listed.
        await CourseAsync("north", 20, 8, 20);
        var cursor = (string?)page1["nextCursor"];
        while (cursor is not null)
        {
            var page = await GetOkAsync($"/api/v1/response-watch?siteId=north&limit=2&cursor={cursor}");
            seen.AddRange(page["items"]!.AsArray().Select(i => (string)i!["patientId"]!));
            cursor = (string?)page["nextCursor"];
        }
        Assert.Equal(expected, seen);

        var (status, problem, _) = await SendAsync(HttpMethod.Get, "/api/v1/response-watch?cursor=bm90LWEtY3Vyc29y");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["cursor"], ErrorKeys(problem));
        (status, problem, _) = await SendAsync(HttpMethod.Get, "/api/v1/response-watch?instrument=PHQ9&limit=0");
        Assert.Equal(["instrument", "limit"], ErrorKeys(problem));
    }

    [Fact]
    public async Task A_site_bound_key_sees_its_own_site_only_and_an_unbound_key_every_site()
    {
        var north = await CourseAsync("north", 20, 8, 15);
        var south = await CourseAsync("south", 20, 8, 15);
        using var northKey = ClientWith(await CreateKeyAsync("clinician", "north"));
        var own = (await northKey.GetFromJsonAsync<JsonNode>("/api/v1/response-watch"))!["items"]!.AsArray();
        Assert.Equal([north.Id], own.Select(i => (string)i!["patientId"]!));
        Assert.Empty((await northKey.GetFromJsonAsync<JsonNode>("/api/v1/response-watch?siteId=south"))!["items"]!.AsArray());
        Assert.Equal([north.Id, south.Id], (await ItemsAsync("")).Select(i => (string)i!["patientId"]!).Order());
        Assert.Equal([south.Id], (await ItemsAsync("?siteId=south")).Select(i => (string)i!["patientId"]!));
    }

    [Fact]
    public async Task Entering_the_loss_in_error_takes_the_patient_off_and_a_GAD7_loss_is_listed_on_its_own()
    {
        var (p, qs) = await CourseAsync("north", 20, 8, 15);
        var gad = await CreatedAsync($"/api/v1/patients/{p}/questionnaires", new { instrument = "gad7", completedAt = Iso(Day0.AddDays(-1)), items = new[] { 2, 2, 2, 2, 2, 2, 2 } });
        await CreatedAsync($"/api/v1/patients/{p}/questionnaires", new { instrument = "gad7", completedAt = Iso(Day0.AddDays(2)), items = new[] { 1, 1, 1, 1, 1, 1, 0 } });
        await CreatedAsync($"/api/v1/patients/{p}/questionnaires", new { instrument = "gad7", completedAt = Iso(Day0.AddDays(4)), items = new[] { 2, 2, 2, 1, 1, 1, 1 } });
        Assert.Equal(["gad7", "phq9"], (await ItemsAsync("?siteId=north")).Select(i => (string)i!["instrument"]!).Order());
        Assert.Equal(["gad7"], (await ItemsAsync("?siteId=north&instrument=gad7")).Select(i => (string)i!["instrument"]!));
        Assert.NotNull(gad["id"]);

        var (status, _, _) = await PostAsync($"/api/v1/patients/{p}/questionnaires/{qs[2]}/entered-in-error", new { reason = "Wrong patient" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["gad7"], (await ItemsAsync("?siteId=north")).Select(i => (string)i!["instrument"]!));
    }

    [Fact]
    public async Task The_read_is_audited_for_each_patient_listed()
    {
        var (p, _) = await CourseAsync("north", 20, 8, 15);
        await ItemsAsync("?siteId=north");
        var audit = (await Admin.GetFromJsonAsync<JsonNode>($"/api/v1/audit?patientId={p}&limit=500"))!["items"]!.AsArray();
        Assert.Contains(audit, r => (string?)r!["action"] == "ListResponseWatch");
    }
}
