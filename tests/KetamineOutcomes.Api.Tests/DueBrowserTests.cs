using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// The dashboard's measurement-plan views in real Chromium (issue 21), driven by
/// <c>tests/KetamineOutcomes.E2E/due.e2e.mjs</c> against the built service with the demo cohort: the site's overdue
/// worklist paged to its end with "Show more overdue", and the due list of the patient opened from it, each checked
/// against the API; axe-core finds nothing with both shown; a failed load or another site leaves no rows or cursor
/// of the previous site, and "Forget key" hides "Nothing overdue".
/// </summary>
public sealed class DueBrowserTests : IDisposable
{
    private const string AdminKey = "due-test-bootstrap-admin-key-0123456789abcdef";
    private const string Site = "demo-north";
    private readonly string _workDir = Directory.CreateTempSubdirectory("ko-due-").FullName;
    private readonly BuiltService _service;

    public DueBrowserTests() => _service = new BuiltService(_workDir, new Dictionary<string, string>
    {
        ["Seed__Demo"] = "true",
        ["Auth__BootstrapAdminKey"] = AdminKey,
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
    });

    [BrowserFact]
    public async Task The_site_overdue_worklist_pages_to_its_end_and_the_opened_patients_due_list_shows_the_APIs_occurrences_in_Chromium()
    {
        Assert.Null(DashboardBrowserTests.MissingForBrowser());
        using var http = new HttpClient { BaseAddress = await _service.ListeningAsync() };
        http.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        var created = await http.PostAsJsonAsync("/api/v1/api-keys", new { name = "due test", role = "clinician" });
        var key = (string)(await created.Content.ReadFromJsonAsync<JsonNode>())!["key"]!;
        http.DefaultRequestHeaders.Remove("X-Api-Key");
        http.DefaultRequestHeaders.Add("X-Api-Key", key);

        // The whole worklist in one page, to compare with what the page gathered ten at a time.
        var worklist = (await http.GetFromJsonAsync<JsonNode>($"/api/v1/due?siteId={Site}&status=overdue&limit=500"))!["items"]!.AsArray();
        Assert.True(worklist.Count > 10, $"the demo site's overdue worklist ({worklist.Count}) is longer than one page of 10");
        Assert.Null((await http.GetFromJsonAsync<JsonNode>($"/api/v1/due?siteId={Site}&status=overdue&limit=500"))!["nextCursor"]);

        var seen = await BrowserScript.RunAsync("due.e2e.mjs", new Dictionary<string, string>
        {
            ["KO_BASE_URL"] = http.BaseAddress!.ToString().TrimEnd('/'),
            ["KO_API_KEY"] = key,
            ["KO_SITE"] = Site,
            ["KO_SCREENSHOTS"] = _workDir,
        });

        Assert.Empty(seen["problems"]!.AsArray());
        Assert.True(seen["accessibility"]!.AsArray().Count == 0, $"axe-core (WCAG 2.1 A/AA) found: {seen["accessibility"]!.ToJsonString()}");

        // Every overdue occurrence once, in the service's order, with its MRN and instrument as words.
        var rows = seen["overdue"]!.AsArray();
        Assert.Equal((worklist.Count + 9) / 10, (int)seen["pages"]!);
        Assert.Equal(
            worklist.Select(i => ((string)i!["patientId"]!, (string)i["ruleId"]!, Instant((string)i["dueAt"]!))),
            rows.Select(r => ((string)r!["patientId"]!, (string)r["rule"]!, Instant((string)r["dueAt"]!))));
        Assert.All(worklist.Zip(rows), pair =>
        {
            var text = (string)pair.Second!["text"]!;
            Assert.Contains($"Open MRN {pair.First!["mrn"]}", text, StringComparison.Ordinal);
            Assert.Contains(Words((string)pair.First["instrument"]!), text, StringComparison.Ordinal);
        });

        // The opened patient's due list: the API's occurrences, in its order, with status and completing record.
        var patientId = (string)seen["patientId"]!;
        Assert.Equal((string)worklist[0]!["patientId"]!, patientId);
        var due = (await http.GetFromJsonAsync<JsonNode>($"/api/v1/patients/{patientId}/due"))!["items"]!.AsArray();
        var shown = seen["due"]!.AsArray();
        Assert.Equal(due.Count, shown.Count);
        Assert.Contains(due, o => (string)o!["status"]! == "overdue");
        Assert.All(due.Zip(shown), pair =>
        {
            var (api, row) = (pair.First!, pair.Second!);
            Assert.Equal((string)api["ruleId"]!, (string)row["rule"]!);
            Assert.Equal((string)api["status"]!, (string)row["status"]!);
            Assert.Equal(Instant((string)api["dueAt"]!), Instant((string)row["dueAt"]!));
            Assert.Equal(Instant((string)api["windowEnd"]!), Instant((string)row["windowEnd"]!));
            Assert.Equal((string?)api["completedBy"], (string?)row["completedBy"]);
            Assert.StartsWith(Words((string)api["instrument"]!), (string)row["text"]!, StringComparison.Ordinal);
            Assert.Contains((string)api["status"]! == "due" ? "due now" : (string)api["status"]!, (string)row["text"]!, StringComparison.Ordinal);
        });

        // Another site whose load fails: none of the first site's rows, no "Show more" (it would send the old cursor).
        Assert.Equal("""{"rows":0,"moreShown":false,"emptyShown":false}""", seen["afterFailedLoad"]!.ToJsonString());
        Assert.True((bool)seen["emptyShownForEmptySite"]!);
        Assert.False((bool)seen["emptyShownAfterForget"]!);

        var shot = await File.ReadAllBytesAsync(Path.Combine(_workDir, "due.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], shot[..4]);
    }

    private static DateTimeOffset Instant(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture);

    private static string Words(string instrument) => instrument switch
    {
        "phq9" => "PHQ-9",
        "gad7" => "GAD-7",
        "cssrs" => "C-SSRS",
        _ => instrument,
    };

    public void Dispose()
    {
        _service.Dispose();
        try { Directory.Delete(_workDir, recursive: true); } catch (IOException) { }
    }
}
