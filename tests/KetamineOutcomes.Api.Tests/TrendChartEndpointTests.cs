using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace KetamineOutcomes.Api.Tests;

/// <summary>GET /patients/{id}/trends/{instrument}.svg: the trend JSON's data, drawn.</summary>
public class TrendChartEndpointTests : ApiTest
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private async Task<(HttpResponseMessage Response, string Body)> GetAsync(string url)
    {
        var response = await Client.GetAsync(url);
        return (response, await response.Content.ReadAsStringAsync());
    }

    private static IEnumerable<XElement> Marks(XDocument svg, string kind) =>
        svg.Descendants().Where(e => (string?)e.Attribute("data-kind") == kind);

    [Fact]
    public async Task The_chart_draws_every_point_infusion_and_item9_answer_of_the_trend()
    {
        var patient = await CreatePatientAsync();
        await Phq9Async(patient, Day0.AddDays(-2), Phq9Items(20, item9: 1));
        foreach (var day in new[] { 0, 2, 4 }) await InfusionAsync(patient, Day0.AddDays(day));
        await Phq9Async(patient, Day0.AddDays(3), Phq9Items(12));
        await Phq9Async(patient, Day0.AddDays(6), Phq9Items(4));

        var (response, body) = await GetAsync($"/api/v1/patients/{patient}/trends/phq9.svg");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());
        var svg = XDocument.Parse(body);
        Assert.Equal(Svg + "svg", svg.Root!.Name);
        Assert.Equal(("600", "300", "0 0 600 300"), ((string?)svg.Root.Attribute("width"), (string?)svg.Root.Attribute("height"), (string?)svg.Root.Attribute("viewBox")));
        Assert.Equal("PHQ-9 total score — remission, first response on day 6", svg.Root.Element(Svg + "title")!.Value);
        Assert.Empty(svg.Descendants(Svg + "script"));

        var trend = await GetOkAsync($"/api/v1/patients/{patient}/trends");
        var points = Marks(svg, "point").ToArray();
        Assert.Equal(trend["points"]!.AsArray().Select(p => (string)p!["totalScore"]!.ToString()), points.Select(p => (string)p.Attribute("data-total")!));
        Assert.Equal(["none", "none", "remission"], points.Select(p => (string)p.Attribute("data-outcome")!));
        Assert.Equal(["1", "2", "3"], Marks(svg, "infusion").Select(m => (string)m.Attribute("data-session")!));
        Assert.Equal(["-2"], Marks(svg, "item9").Select(m => (string)m.Attribute("data-day")!));
        Assert.Equal(["20", "10", "5"], new[] { "baseline", "response", "remission" }.Select(k => (string)Marks(svg, k).Single().Attribute("data-total")!));
    }

    [Fact]
    public async Task The_trend_summary_the_dashboard_shows_is_the_chart_title_for_a_patient_without_that_instrument_or_without_infusions()
    {
        var patient = await CreatePatientAsync();
        await Phq9Async(patient, Day0, Phq9Items(15));

        // PHQ-9 only, no infusion: GAD-7 has nothing yet; PHQ-9 cannot be evaluated before treatment (not "no baseline").
        foreach (var (instrument, summary, title) in new[]
        {
            ("gad7", "No GAD-7 yet", "No GAD-7 yet"),
            ("phq9", "Not evaluable: no infusion recorded yet", "PHQ-9 total score — not evaluable: no infusion recorded yet"),
        })
        {
            var trend = await GetOkAsync($"/api/v1/patients/{patient}/trends?instrument={instrument}");
            Assert.Equal(summary, (string?)trend["summary"]);
            var (_, body) = await GetAsync($"/api/v1/patients/{patient}/trends/{instrument}.svg");
            Assert.Equal(title, XDocument.Parse(body).Root!.Element(Svg + "title")!.Value);
        }
    }

    [Fact]
    public async Task Width_and_height_set_the_canvas_and_out_of_range_values_are_refused_by_name()
    {
        var patient = await CreatePatientAsync();
        await Phq9Async(patient, Day0, Phq9Items(15));
        var (_, body) = await GetAsync($"/api/v1/patients/{patient}/trends/phq9.svg?width=1200&height=500");
        var root = XDocument.Parse(body).Root!;
        Assert.Equal(("1200", "500"), ((string?)root.Attribute("width"), (string?)root.Attribute("height")));

        foreach (var (query, field) in new[] { ("width=10", "width"), ("height=5000", "height"), ("width=abc", "width"), ("height=-1", "height") })
        {
            var (status, problem, _) = await SendAsync(HttpMethod.Get, $"/api/v1/patients/{patient}/trends/phq9.svg?{query}");
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal([field], ErrorKeys(problem));
        }
        var (badInstrument, instrumentProblem, _) = await SendAsync(HttpMethod.Get, $"/api/v1/patients/{patient}/trends/bdi.svg");
        Assert.Equal(HttpStatusCode.BadRequest, badInstrument);
        Assert.Equal(["instrument"], ErrorKeys(instrumentProblem));
    }

    [Fact]
    public async Task An_unknown_patient_is_404_and_each_drawing_is_audited_like_the_trend()
    {
        var (missing, _, _) = await SendAsync(HttpMethod.Get, $"/api/v1/patients/{Guid.NewGuid()}/trends/phq9.svg");
        Assert.Equal(HttpStatusCode.NotFound, missing);

        var patient = await CreatePatientAsync();
        await GetAsync($"/api/v1/patients/{patient}/trends/gad7.svg");
        var rows = (await Admin.GetFromJsonAsync<JsonNode>($"/api/v1/audit?patientId={patient}&limit=500"))!["items"]!.AsArray();
        Assert.Equal(["CreatePatient", "GetTrendChart"], rows.Select(r => (string)r!["action"]!));
    }

    [Fact]
    public async Task The_chart_rings_every_setback_the_watch_and_the_trend_episodes_name_not_only_the_first_recovered_loss()
    {
        // Baseline 20, then 10 (day 5, response), 11 (day 9, lost), 9 (day 13, response again), 12 (day 17, lost again).
        var patient = await CreatePatientAsync();
        await InfusionAsync(patient, Day0);
        await Phq9Async(patient, Day0.AddDays(-1), Phq9Items(20));
        var ids = new List<string>();
        foreach (var (day, total) in new[] { (5, 10), (9, 11), (13, 9), (17, 12) })
            ids.Add((string)(await Phq9Async(patient, Day0.AddDays(day), Phq9Items(total)))["id"]!);

        var svg = XDocument.Parse((await GetAsync($"/api/v1/patients/{patient}/trends/phq9.svg")).Body);
        Assert.Equal(["9", "17"], Marks(svg, "loss-of-response").Select(m => (string)m.Attribute("data-day")!));
        Assert.Equal(2, Marks(svg, "loss-of-response-label").Count());
        Assert.Empty(Marks(svg, "relapse"));

        // The trend keeps the SPEC's lossOfResponse (the first, day 9, duration 4) and lists every episode: the last is the
        // current one, the one the watch lists.
        var trend = await GetOkAsync($"/api/v1/patients/{patient}/trends?instrument=phq9");
        Assert.Equal((ids[1], 4), ((string)trend["lossOfResponse"]!["questionnaireId"]!, (int)trend["responseDurationDays"]!));
        var episodes = trend["responseEpisodes"]!.AsArray();
        Assert.Equal([(ids[0], ids[1], 4), (ids[2], ids[3], 4)], episodes.Select(e => ((string)e!["response"]!["questionnaireId"]!, (string)e["loss"]!["questionnaireId"]!, (int)e["durationDays"]!)));
        Assert.Empty(trend["remissionEpisodes"]!.AsArray());
        var watched = (await GetOkAsync("/api/v1/response-watch?siteId=north"))["items"]!.AsArray().Single(i => (string)i!["patientId"]! == patient)!;
        Assert.Equal(ids[3], (string)watched["setback"]!["questionnaireId"]!);
    }

    [Fact]
    public async Task The_chart_rings_a_relapse_with_its_own_kind_and_label()
    {
        // Baseline 20, remission 4 (day 3), then 10 (day 8): a relapse (≥ 10) though 10 still responds — on the watch.
        var patient = await CreatePatientAsync();
        await InfusionAsync(patient, Day0);
        await Phq9Async(patient, Day0.AddDays(-1), Phq9Items(20));
        await Phq9Async(patient, Day0.AddDays(3), Phq9Items(4));
        await Phq9Async(patient, Day0.AddDays(8), Phq9Items(10));

        var svg = XDocument.Parse((await GetAsync($"/api/v1/patients/{patient}/trends/phq9.svg")).Body);
        Assert.Equal(["8"], Marks(svg, "relapse").Select(m => (string)m.Attribute("data-day")!));
        Assert.Equal("Relapse", Marks(svg, "relapse-label").Single().Value);
        Assert.Empty(Marks(svg, "loss-of-response"));
        var trend = await GetOkAsync($"/api/v1/patients/{patient}/trends?instrument=phq9");
        Assert.Equal(10, (int)trend["remissionEpisodes"]![0]!["relapse"]!["totalScore"]!);
        Assert.Equal("relapse", (string)(await GetOkAsync("/api/v1/response-watch?siteId=north"))["items"]![0]!["kind"]!);
    }
}
