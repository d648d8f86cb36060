using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// The dashboard's response watch in real Chromium (issue 22): the built service on 127.0.0.1 with patients made through
/// the API, the worklist beside the alert queue in the service's order, and the opened patient's chart ringing the loss
/// of response with its label; then a key the watch refuses clears the list.
/// </summary>
public sealed class ResponseWatchBrowserTests : IDisposable
{
    private const string AdminKey = "watch-test-bootstrap-admin-key-0123456789";
    private readonly string _workDir = Directory.CreateTempSubdirectory("ko-watch-").FullName;
    private readonly BuiltService _service;

    public ResponseWatchBrowserTests() => _service = new BuiltService(_workDir, new Dictionary<string, string>
    {
        ["Auth__BootstrapAdminKey"] = AdminKey,
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
    });

    private static readonly DateTimeOffset Day0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static string Iso(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture);

    private static async Task<string> CourseAsync(HttpClient http, string mrn, params int[] totals)
    {
        var created = await http.PostAsJsonAsync("/api/v1/patients", new { mrn, siteId = "north", researchConsent = false });
        var id = (string)(await created.Content.ReadFromJsonAsync<JsonNode>())!["id"]!;
        (await http.PostAsJsonAsync($"/api/v1/patients/{id}/infusions", new { administeredAt = Iso(Day0), route = "iv", drug = "ketamine" })).EnsureSuccessStatusCode();
        for (var i = 0; i < totals.Length; i++)
        {
            var items = Enumerable.Range(0, 9).Select(k => k < 8 ? Math.Min(3, Math.Max(0, totals[i] - 3 * k)) : 0).ToArray();
            (await http.PostAsJsonAsync($"/api/v1/patients/{id}/questionnaires",
                new { instrument = "phq9", completedAt = Iso(Day0.AddDays(i == 0 ? -1 : 3 * i)), items })).EnsureSuccessStatusCode();
        }
        return id;
    }

    [BrowserFact]
    public async Task The_worklist_shows_the_watch_in_the_service_order_and_the_opened_chart_rings_the_loss_of_response_in_Chromium()
    {
        Assert.Null(DashboardBrowserTests.MissingForBrowser());
        using var http = new HttpClient { BaseAddress = await _service.ListeningAsync() };
        http.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        var created = await http.PostAsJsonAsync("/api/v1/api-keys", new { name = "watch test", role = "clinician" });
        var key = (string)(await created.Content.ReadFromJsonAsync<JsonNode>())!["key"]!;
        http.DefaultRequestHeaders.Remove("X-Api-Key");
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        var backAtBaseline = await CourseAsync(http, "MRN-WATCH-1", 14, 6, 14); // loss at 100 % of baseline: first
        var slight = await CourseAsync(http, "MRN-WATCH-2", 20, 9, 11);         // loss at 55 %
        await CourseAsync(http, "MRN-WATCH-3", 20, 9, 10);                      // response holds: not listed

        var api = (await http.GetFromJsonAsync<JsonNode>("/api/v1/response-watch"))!["items"]!.AsArray();
        Assert.Equal([backAtBaseline, slight], api.Select(i => (string)i!["patientId"]!));
        // Nine more at 55 % (after the two: same share, later setbacks or ids) so the first page of 10 has "Show more".
        for (var i = 0; i < 9; i++) await CourseAsync(http, $"MRN-WATCH-X{i}", 20, 9, 11);
        // One open suicide-risk alert (PHQ-9 item 9 answered 1), so the queue beside the watch has a card to lose too.
        var alerted = (string)(await (await http.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-WATCH-ALERT", siteId = "north", researchConsent = false }))
            .Content.ReadFromJsonAsync<JsonNode>())!["id"]!;
        (await http.PostAsJsonAsync($"/api/v1/patients/{alerted}/questionnaires",
            new { instrument = "phq9", completedAt = Iso(Day0), items = new[] { 1, 1, 1, 1, 1, 1, 1, 1, 1 } })).EnsureSuccessStatusCode();
        http.DefaultRequestHeaders.Remove("X-Api-Key");
        http.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        var researcher = (await http.PostAsJsonAsync("/api/v1/api-keys", new { name = "watch test researcher", role = "researcher" }));
        var otherKey = (string)(await researcher.Content.ReadFromJsonAsync<JsonNode>())!["key"]!;

        var seen = await BrowserScript.RunAsync("response-watch.e2e.mjs", new Dictionary<string, string>
        {
            ["KO_BASE_URL"] = http.BaseAddress!.ToString().TrimEnd('/'),
            ["KO_API_KEY"] = key,
            ["KO_OTHER_KEY"] = otherKey,
            ["KO_SCREENSHOTS"] = _workDir,
        });
        var items = seen["items"]!.AsArray();
        Assert.Equal(10, items.Count);
        Assert.Equal([backAtBaseline, slight], items.Take(2).Select(i => (string)i!["patientId"]!));
        Assert.All(items, i => Assert.Equal("loss-of-response", (string)i!["kind"]!));
        Assert.Contains("Loss of response · PHQ-9", (string)items[0]!["text"]!, StringComparison.Ordinal);
        Assert.Contains("Baseline 14 → latest 14 (100 % of baseline)", (string)items[0]!["text"]!, StringComparison.Ordinal);
        Assert.Contains("MRN-WATCH-1", (string)items[0]!["text"]!, StringComparison.Ordinal);
        Assert.Equal((14, "Loss of response"), ((int)seen["marker"]!["total"]!, (string)seen["marker"]!["label"]!));

        // Another role's key (403 on the watch): the earlier key's cards, their MRNs and "Show more" leave the screen.
        var refused = seen["refused"]!;
        Assert.Equal((403, 10, true), ((int)refused["status"]!, (int)refused["before"]!["cards"]!, (bool)refused["before"]!["more"]!));
        Assert.Equal((0, false, ""), ((int)refused["after"]!["cards"]!, (bool)refused["after"]!["more"]!, ((string)refused["after"]!["text"]!).Trim()));
        // The alert queue's cards leave with them (the researcher's key is refused there too).
        Assert.Equal((1, 0), ((int)refused["before"]!["alerts"]!, (int)refused["after"]!["alerts"]!));
    }

    public void Dispose()
    {
        _service.Dispose();
        try { Directory.Delete(_workDir, recursive: true); } catch (IOException) { }
    }
}
