using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// The trend chart's text as Chromium draws it (<c>tests/KetamineOutcomes.E2E/chart-text.e2e.mjs</c>): at the smallest,
/// default, largest and odd sizes, and for the busiest courses (a relapse story, many infusions close together, item-9
/// answers, no infusions, no assessments), no text is cut by the canvas, none overlaps another, and no reference-line
/// label covers a data point. The layout works from estimated widths (ChartText); this measures the real ones.
/// </summary>
public sealed class ChartTextBrowserTests : IDisposable
{
    private const string AdminKey = "chart-text-test-bootstrap-admin-key-0123456789";
    private static readonly DateTimeOffset Day0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private readonly string _workDir = Directory.CreateTempSubdirectory("ko-chart-").FullName;
    private readonly BuiltService _service;

    public ChartTextBrowserTests()
    {
        _service = new BuiltService(_workDir, new Dictionary<string, string>
        {
            ["Auth__BootstrapAdminKey"] = AdminKey,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        });
    }

    private static string Iso(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<string> CreatedIdAsync(HttpClient http, string url, object body)
    {
        var response = await http.PostAsJsonAsync(url, body);
        var json = await response.Content.ReadFromJsonAsync<JsonNode>();
        Assert.True(response.IsSuccessStatusCode, $"POST {url}: {json?.ToJsonString()}");
        return (string)json!["id"]!;
    }

    private static int?[] Items(int total, int item9)
    {
        var items = new int?[9];
        items[8] = item9;
        var rest = total - item9;
        for (var i = 0; i < 8; i++) rest -= (items[i] = Math.Min(3, rest)).Value;
        return items;
    }

    [BrowserFact]
    public async Task No_chart_text_is_cut_or_overlaps_in_Chromium_at_any_allowed_size()
    {
        Assert.Null(DashboardBrowserTests.MissingForBrowser());
        var baseUri = await _service.ListeningAsync();
        using var http = new HttpClient { BaseAddress = baseUri };
        http.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        var created = await http.PostAsJsonAsync("/api/v1/api-keys", new { name = "chart test", role = "clinician" });
        var key = (string)(await created.Content.ReadFromJsonAsync<JsonNode>())!["key"]!;
        http.DefaultRequestHeaders.Remove("X-Api-Key");
        http.DefaultRequestHeaders.Add("X-Api-Key", key);

        // A relapse after remission with a long baseline window, 14 infusions (8 on consecutive days) and item-9 answers.
        var busy = await CreatedIdAsync(http, "/api/v1/patients", new { mrn = "CHART-BUSY", siteId = "north", researchConsent = false });
        foreach (var day in new[] { 0, 1, 2, 3, 4, 5, 6, 7, 14, 21, 28, 35, 42, 180 })
            await CreatedIdAsync(http, $"/api/v1/patients/{busy}/infusions", new { administeredAt = Iso(Day0.AddDays(day)), route = "iv", drug = "ketamine" });
        foreach (var (day, total, item9) in new[] { (-30, 10, 1), (1, 4, 0), (3, 3, 1), (6, 17, 2), (200, 2, 0) })
            await CreatedIdAsync(http, $"/api/v1/patients/{busy}/questionnaires", new { instrument = "phq9", completedAt = Iso(Day0.AddDays(day)), items = Items(total, item9) });
        // No infusions: the longest x-axis label; scores at the top of the scale.
        var bare = await CreatedIdAsync(http, "/api/v1/patients", new { mrn = "CHART-BARE", siteId = "north", researchConsent = false });
        foreach (var (day, total) in new[] { (-300, 27), (-1, 26) })
            await CreatedIdAsync(http, $"/api/v1/patients/{bare}/questionnaires", new { instrument = "phq9", completedAt = Iso(Day0.AddDays(day)), items = Items(total, 3) });

        string[] charts = [$"/api/v1/patients/{busy}/trends/phq9.svg", $"/api/v1/patients/{busy}/trends/gad7.svg", $"/api/v1/patients/{bare}/trends/phq9.svg"];
        int[][] sizes = [[300, 150], [300, 1200], [333, 157], [450, 200], [600, 300], [799, 211], [1200, 600], [2400, 150], [2400, 1200]];
        var seen = await RunAsync(baseUri, key, charts, sizes);

        Assert.Equal(charts.Length * sizes.Length, (int)seen["charts"]!);
        Assert.True((int)seen["texts"]! >= charts.Length * sizes.Length * 8, $"only {(int)seen["texts"]!} texts measured");
        Assert.True(seen["problems"]!.AsArray().Count == 0, string.Join("\n", seen["problems"]!.AsArray().Select(p => (string)p!)));
    }

    private static Task<JsonNode> RunAsync(Uri baseUri, string key, string[] charts, int[][] sizes) =>
        BrowserScript.RunAsync("chart-text.e2e.mjs", new Dictionary<string, string>
        {
            ["KO_BASE_URL"] = baseUri.ToString().TrimEnd('/'),
            ["KO_API_KEY"] = key,
            ["KO_CHARTS"] = JsonSerializer.Serialize(charts),
            ["KO_SIZES"] = JsonSerializer.Serialize(sizes),
        });

    public void Dispose()
    {
        _service.Dispose();
        Directory.Delete(_workDir, recursive: true);
    }
}
