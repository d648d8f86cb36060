using System.Net;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests.Plans;

/// <summary>
/// <c>GET /due</c> (a site's worklist) and a stored plan's effect on <c>GET /patients/{id}/due</c>, on the test's real
/// store with the service's clock in the test's hands: worked timelines for due and overdue, paging while records are
/// added, site-bound keys and refused query values.
/// </summary>
public class DueWorklistTests : ApiTest
{
    /// <summary>"Now" of the worked timelines; site plans are stored 60 days before it, so they govern every occurrence below.</summary>
    private static readonly DateTimeOffset T0 = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly TestClock _clock;

    public DueWorklistTests() : this(new TestClock(T0.AddDays(-60))) { }

    private DueWorklistTests(TestClock clock) : base(clock: clock) => _clock = clock;

    private async Task StorePlanAsync(string rules, string version = "W/\"0\"", string site = "north")
    {
        var (status, body, _) = await MeasurementPlanTests.PutPlanAsync(Admin, $"/api/v1/sites/{site}/measurement-plan", $$"""{"rules":{{rules}}}""", version);
        Assert.True(status == HttpStatusCode.OK, body?.ToJsonString());
    }

    private void MoveTo(DateTimeOffset t) => _clock.Advance(t - _clock.GetUtcNow());

    private static string Rows(JsonNode page) => string.Join("|", page["items"]!.AsArray().Select(i =>
        $"{i!["mrn"]} {i["ruleId"]} {i["instrument"]} {i["dueAt"]} {i["windowEnd"]} {i["status"]}"));

    private static List<string> InIdOrder(params (string Id, string Row)[] rows) =>
        [.. rows.OrderBy(r => r.Id, StringComparer.Ordinal).Select(r => r.Row)];

    [Fact]
    public async Task Overdue_lists_windows_closed_within_30_days_and_not_completed_due_lists_open_windows()
    {
        // One rule: a PHQ-9 from 24 h after each infusion, open 48 h.
        await StorePlanAsync("""[{"id":"after-phq9","instrument":"phq9","anchor":"after-infusion","offsetHours":24,"windowHours":48}]""");
        MoveTo(T0);
        async Task<string> PatientAsync(string mrn, double infusionDaysAgo)
        {
            var id = await CreatePatientAsync(mrn);
            await InfusionAsync(id, T0.AddDays(-infusionDaysAgo));
            return id;
        }
        var overdue = await PatientAsync("A-OVERDUE", 10);      // due T0−9 d, closed T0−7 d
        var edge = await PatientAsync("B-EDGE", 33);            // closed T0−30 d: exactly 30 days ago, still listed
        await PatientAsync("C-OLD", 40);                        // closed T0−37 d: too long ago
        var open = await PatientAsync("D-DUE", 1);              // due T0, open until T0+2 d
        var done = await PatientAsync("E-DONE", 1);
        await Phq9Async(done, T0, Phq9Items(8));                // completes its occurrence at dueAt
        await CreatePatientAsync("F-NONE");                     // no infusion: nothing asked

        var overdueRows = InIdOrder(
            (overdue, "A-OVERDUE after-phq9 phq9 2026-05-23T09:00:00+00:00 2026-05-25T09:00:00+00:00 overdue"),
            (edge, "B-EDGE after-phq9 phq9 2026-04-30T09:00:00+00:00 2026-05-02T09:00:00+00:00 overdue"));
        const string DueRow = "D-DUE after-phq9 phq9 2026-06-01T09:00:00+00:00 2026-06-03T09:00:00+00:00 due";
        Assert.Equal(string.Join("|", overdueRows), Rows(await GetOkAsync("/api/v1/due?siteId=north&status=overdue")));
        Assert.Equal(DueRow, Rows(await GetOkAsync("/api/v1/due?siteId=north&status=due")));
        Assert.Equal(string.Join("|", InIdOrder((overdue, overdueRows[0]), (edge, overdueRows[1]), (open, DueRow))),
            Rows(await GetOkAsync("/api/v1/due?siteId=north")));

        // A microsecond later the edge window closed more than 30 days ago; two days later D's window is still open
        // (windowEnd inclusive), and after it D is overdue.
        MoveTo(T0.AddTicks(10));
        Assert.DoesNotContain("B-EDGE", Rows(await GetOkAsync("/api/v1/due?siteId=north&status=overdue")), StringComparison.Ordinal);
        MoveTo(T0.AddDays(2));
        Assert.Equal(DueRow, Rows(await GetOkAsync("/api/v1/due?siteId=north&status=due")));
        MoveTo(T0.AddDays(2).AddTicks(10));
        Assert.Equal("", Rows(await GetOkAsync("/api/v1/due?siteId=north&status=due")));
        Assert.Contains(DueRow.Replace(" due", " overdue", StringComparison.Ordinal), Rows(await GetOkAsync("/api/v1/due?siteId=north&status=overdue")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Paging_neither_repeats_nor_skips_items_while_records_are_added_between_pages()
    {
        // Two occurrences per patient with the same dueAt, so page boundaries fall inside a patient's items.
        await StorePlanAsync("""
            [{"id":"a-phq9","instrument":"phq9","anchor":"after-infusion","offsetHours":0,"windowHours":720},
             {"id":"b-gad7","instrument":"gad7","anchor":"after-infusion","offsetHours":0,"windowHours":720}]
            """);
        MoveTo(T0);
        var patients = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            patients.Add(await CreatePatientAsync($"P-{i:D2}"));
            await InfusionAsync(patients[^1], T0.AddDays(-1));
        }
        static IEnumerable<string> Keys(JsonNode page) => page["items"]!.AsArray().Select(i => $"{i!["patientId"]} {i["ruleId"]}");
        var before = Keys(await GetOkAsync("/api/v1/due?siteId=north&limit=500")).ToHashSet();
        Assert.Equal(24, before.Count);

        var paged = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await GetOkAsync($"/api/v1/due?siteId=north&limit=5{(cursor is null ? "" : "&cursor=" + cursor)}");
            paged.AddRange(Keys(page));
            cursor = (string?)page["nextCursor"];
            pages++;
            // Between pages another clinic task works: a new patient with an open item, and a GAD-7 completing the
            // b-gad7 item of a patient already listed and of one not reached yet.
            var added = await CreatePatientAsync($"NEW-{pages}");
            await InfusionAsync(added, T0.AddDays(-1));
            foreach (var p in new[] { patients[(pages - 1) % 12], patients[(pages + 6) % 12] })
                await CreatedAsync($"/api/v1/patients/{p}/questionnaires", new { instrument = "gad7", completedAt = Iso(T0.AddMinutes(-pages)), items = new[] { 1, 1, 1, 1, 1, 1, 1 } });
        } while (cursor is not null && pages < 50);
        var after = Keys(await GetOkAsync("/api/v1/due?siteId=north&limit=500")).ToHashSet();

        Assert.True(pages >= 5, $"{pages} pages");
        Assert.Equal(paged.Count, paged.Distinct().Count());                     // no repeats
        Assert.Empty(before.Intersect(after).Except(paged));                     // no skips of what stayed open throughout
        Assert.Empty(paged.Except(before.Union(after)));                         // nothing that was never open
        Assert.Contains(paged, k => !before.Contains(k));                        // patients added meanwhile come at the end
    }

    [Fact]
    public async Task A_stored_plan_governs_infusions_given_after_it_and_the_default_those_before()
    {
        MoveTo(T0);
        var patient = await CreatePatientAsync("PLAN-CHANGE");
        await InfusionAsync(patient, T0);
        MoveTo(T0.AddDays(2));
        // From day 2: a PHQ-9 from 24 h after each infusion, open 72 h instead of 24 h.
        await StorePlanAsync("""[{"id":"after-phq9-wide","instrument":"phq9","anchor":"after-infusion","offsetHours":24,"windowHours":72}]""");
        await InfusionAsync(patient, T0.AddDays(2));
        MoveTo(T0.AddDays(5));
        var phq9 = await Phq9Async(patient, T0.AddDays(5), Phq9Items(9));   // outside a 24 h window, inside the 72 h one
        MoveTo(T0.AddDays(8));

        static string AfterRows(JsonNode due) => string.Join("|", due["items"]!.AsArray()
            .Where(i => ((string)i!["ruleId"]!).StartsWith("after-", StringComparison.Ordinal))
            .Select(i => $"{i!["ruleId"]} {i["dueAt"]} {i["windowEnd"]} {i["status"]}{(i["completedBy"] is { } by ? " by " + by : "")}"));
        // Infusion 1 (day 0) was given before the change: the default plan's 24 h window, missed. Infusion 2 (day 2, at
        // the change) follows the stored plan and the PHQ-9 on day 5 completes it.
        Assert.Equal(
            "after-infusion-phq9 2026-06-02T09:00:00+00:00 2026-06-03T09:00:00+00:00 overdue|" +
            $"after-phq9-wide 2026-06-04T09:00:00+00:00 2026-06-07T09:00:00+00:00 completed by {phq9["id"]}",
            AfterRows(await GetOkAsync($"/api/v1/patients/{patient}/due")));
        // The default plan's interval rules no longer ask for anything after the change; its enrolment ones (due at
        // registration, before it) still do.
        var rules = (await GetOkAsync($"/api/v1/patients/{patient}/due"))["items"]!.AsArray().Select(i => (string)i!["ruleId"]!).ToHashSet();
        Assert.DoesNotContain("interval-phq9", rules);
        Assert.Contains("enrolment-gad7", rules);
        // As it stood on day 1, before the change: the default plan alone.
        Assert.Equal("after-infusion-phq9 2026-06-02T09:00:00+00:00 2026-06-03T09:00:00+00:00 upcoming",
            AfterRows(await GetOkAsync($"/api/v1/patients/{patient}/due?at={Uri.EscapeDataString(Iso(T0.AddDays(1).AddHours(-1)))}")));
        // The worklist follows the same plan: the missed default occurrence is overdue, the completed one absent.
        var overdue = Rows(await GetOkAsync("/api/v1/due?siteId=north&status=overdue"));
        Assert.Contains("PLAN-CHANGE after-infusion-phq9 phq9 2026-06-02T09:00:00+00:00", overdue, StringComparison.Ordinal);
        Assert.DoesNotContain("after-phq9-wide", overdue, StringComparison.Ordinal);
        // Adherence under both versions: enrolment-phq9 (the day-5 PHQ-9 falls in its 7-day window too) and
        // after-phq9-wide completed, after-infusion-phq9 missed.
        var adherence = await GetOkAsync($"/api/v1/patients/{patient}/adherence?instrument=phq9");
        Assert.Equal((3, 2), ((int)adherence["due"]!, (int)adherence["completedInWindow"]!));
    }

    [Fact]
    public async Task Site_bound_clinicians_see_their_own_sites_worklist_and_another_site_is_empty()
    {
        MoveTo(T0);
        var north = await CreatePatientAsync("N-1", siteId: "north");
        await CreatePatientAsync("S-1", siteId: "south");
        using var northClinician = ClientWith(await CreateKeyAsync("clinician", "north"));
        // Registered now: the default plan's enrolment occurrences are due.
        var own = JsonNode.Parse(await northClinician.GetStringAsync("/api/v1/due?status=due"))!;
        Assert.Equal([north], own["items"]!.AsArray().Select(i => (string)i!["patientId"]!).Distinct());
        var other = JsonNode.Parse(await northClinician.GetStringAsync("/api/v1/due?siteId=south"))!;
        Assert.Empty(other["items"]!.AsArray());
    }

    [Theory]
    [InlineData("/api/v1/due?status=due", "siteId")]                           // an unbound key names its site
    [InlineData("/api/v1/due?siteId=north&status=upcoming", "status")]
    [InlineData("/api/v1/due?siteId=north&status=Overdue", "status")]
    [InlineData("/api/v1/due?siteId=north&limit=0", "limit")]
    [InlineData("/api/v1/due?siteId=north&limit=5x", "limit")]
    [InlineData("/api/v1/due?siteId=north&cursor=nope", "cursor")]
    [InlineData("/api/v1/due?siteId=no%20space", "siteId")]
    [InlineData("/api/v1/due?siteId=north&limit=01", "limit")]                 // a leading zero is not the canonical integer
    [InlineData("/api/v1/due?siteId=north&limit=%2B5", "limit")]
    [InlineData("/api/v1/due?siteId=north&at=2026-06-01T09:00:00Z", "at")]     // the worklist is always now: refused, not ignored
    [InlineData("/api/v1/due?siteId=north&siteid=south", "siteid")]
    [InlineData("/api/v1/due?siteId=north&status=due&status=overdue", "status")]
    public async Task Ambiguous_query_values_answer_400_naming_the_field(string url, string field)
    {
        var (status, body, _) = await SendAsync(HttpMethod.Get, url);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal([field], ErrorKeys(body));
    }

    [Theory]
    // The break-it example (issue 21): an infusion 2 h before a plan change of offset; the old version's occurrence
    // stays, exactly once, and the infusion after the change follows the new version. Old +24 h: the default plan.
    [InlineData(24, 0, "after-infusion-phq9 2026-06-01T12:00:00+00:00 due|after-infusion-phq9 2026-06-02T07:00:00+00:00 upcoming")]
    [InlineData(0, 24, "after-infusion-phq9 2026-06-01T07:00:00+00:00 due|after-infusion-phq9 2026-06-02T12:00:00+00:00 upcoming")]
    public async Task An_infusion_given_just_before_a_plan_change_keeps_its_occurrence_under_the_old_plan(int oldOffset, int newOffset, string expected)
    {
        static string Plan(int offset) => $$"""[{"id":"after-infusion-phq9","instrument":"phq9","anchor":"after-infusion","offsetHours":{{offset}},"windowHours":48}]""";
        if (oldOffset != 24) await StorePlanAsync(Plan(oldOffset));             // stored at T0 − 60 d; else the default plan
        MoveTo(T0);
        var patient = await CreatePatientAsync("CHANGE-2H");
        await InfusionAsync(patient, T0.AddHours(-2));
        await StorePlanAsync(Plan(newOffset), oldOffset != 24 ? "W/\"1\"" : "W/\"0\"");   // at T0
        MoveTo(T0.AddHours(3));
        await InfusionAsync(patient, T0.AddHours(3));
        MoveTo(T0.AddHours(4));
        var rows = (await GetOkAsync($"/api/v1/patients/{patient}/due"))["items"]!.AsArray()
            .Where(i => (string)i!["ruleId"]! == "after-infusion-phq9").Select(i => $"{i!["ruleId"]} {i["dueAt"]} {i["status"]}");
        Assert.Equal(expected, string.Join("|", rows));
    }

    [Fact]
    public async Task A_cursor_is_refused_with_another_site_or_status_and_when_forged()
    {
        MoveTo(T0);
        for (var i = 0; i < 3; i++) await CreatePatientAsync($"CUR-{i}");     // each: three enrolment occurrences due now
        var first = await GetOkAsync("/api/v1/due?siteId=north&status=due&limit=2");
        var cursor = (string)first["nextCursor"]!;
        Assert.Equal(2, (await GetOkAsync($"/api/v1/due?siteId=north&status=due&limit=2&cursor={cursor}"))["items"]!.AsArray().Count);

        static string Forged(string text) => System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.ASCII.GetBytes(text));
        var patient = (string)first["items"]![1]!["patientId"]!;
        var parts = System.Text.Encoding.ASCII.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(cursor)).Split('|');
        Assert.Equal(["w1", "north", "due"], parts[..3]);
        foreach (var url in new[]
        {
            $"/api/v1/due?siteId=south&status=due&cursor={cursor}",                 // another site
            $"/api/v1/due?siteId=north&status=overdue&cursor={cursor}",             // another status
            $"/api/v1/due?siteId=north&cursor={cursor}",                            // both statuses
            $"/api/v1/due?siteId=north&status=due&cursor={Forged($"w1|north|due|{long.MaxValue}|{Guid.Parse(patient):N}|enrolment-phq9")}",
            $"/api/v1/due?siteId=north&status=due&cursor={Forged($"w1|north|due|0|{Guid.Parse(patient):N}|{new string('a', 5000)}")}",
            $"/api/v1/due?siteId=north&status=due&cursor={Forged($"w1|north|due|0|{Guid.Parse(patient):N}|Enrolment")}",
            $"/api/v1/due?siteId=north&status=due&cursor={Forged($"{parts[3]}|{parts[4]}|{parts[5]}")}",   // the old unbound form
        })
        {
            var (status, body, _) = await SendAsync(HttpMethod.Get, url);
            Assert.True(status == HttpStatusCode.BadRequest, url);
            Assert.Equal(["cursor"], ErrorKeys(body));
        }
    }
}
