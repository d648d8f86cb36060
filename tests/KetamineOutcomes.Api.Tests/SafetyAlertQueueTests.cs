using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests;

public class SafetyAlertQueueTests : ApiTest
{
    private async Task<string> AlertAsync(string patient, int item9, int minutesAfter) =>
        (string)(await Phq9Async(patient, Day0.AddMinutes(minutesAfter), Phq9Items(12, item9)))["alert"]!["id"]!;

    private async Task<JsonArray> QueueAsync(string query = "", HttpClient? client = null) =>
        (await (client ?? Client).GetFromJsonAsync<JsonNode>("/api/v1/safety-alerts" + query))!["items"]!.AsArray();

    [Fact]
    public async Task Queue_lists_open_alerts_highest_level_first_then_oldest()
    {
        var p = await CreatePatientAsync();
        var lowOld = await AlertAsync(p, 1, 0);
        var high = await AlertAsync(p, 3, 1);
        var lowNew = await AlertAsync(p, 1, 2);
        var moderate = await AlertAsync(p, 2, 3);
        var highNew = await AlertAsync(p, 3, 4);

        var queue = await QueueAsync();
        Assert.Equal([high, highNew, moderate, lowOld, lowNew], queue.Select(a => (string)a!["id"]!));
        Assert.Equal([high, highNew], (await QueueAsync("?level=high")).Select(a => (string)a!["id"]!));

        var paged = new List<string>();
        string? cursor = null;
        do
        {
            var page = (await Client.GetFromJsonAsync<JsonNode>("/api/v1/safety-alerts?limit=2" + (cursor is null ? "" : $"&cursor={cursor}")))!;
            paged.AddRange(page["items"]!.AsArray().Select(a => (string)a!["id"]!));
            cursor = (string?)page["nextCursor"];
        } while (cursor is not null);
        Assert.Equal(queue.Select(a => (string)a!["id"]!), paged);
    }

    [Fact]
    public async Task Acknowledging_records_who_when_and_note_removes_it_from_the_open_queue_and_twice_is_409()
    {
        var p = await CreatePatientAsync();
        var id = await AlertAsync(p, 2, 0);
        Assert.Single((await GetOkAsync($"/api/v1/patients/{p}/trends"))["openAlerts"]!.AsArray());

        var ack = await Client.PostAsJsonAsync($"/api/v1/safety-alerts/{id}/acknowledge", new { note = "Called patient; safety plan reviewed." });
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        var body = (await ack.Content.ReadFromJsonAsync<JsonNode>())!;
        Assert.Equal("acknowledged", (string)body["status"]!);
        Assert.Equal("Called patient; safety plan reviewed.", (string)body["note"]!);
        Assert.NotNull((string?)body["acknowledgedAt"]);
        var keys = (await Admin.GetFromJsonAsync<JsonNode>("/api/v1/api-keys"))!["items"]!.AsArray();
        Assert.Equal(keys.Single(k => (string)k!["role"]! == "clinician")!["id"]!.ToString(), (string)body["acknowledgedBy"]!);

        Assert.Empty(await QueueAsync());
        Assert.Single(await QueueAsync("?status=acknowledged"));
        Assert.Empty((await GetOkAsync($"/api/v1/patients/{p}/trends"))["openAlerts"]!.AsArray());

        var again = await Client.PostAsJsonAsync($"/api/v1/safety-alerts/{id}/acknowledge", new { note = "again" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("Called patient; safety plan reviewed.", (string)(await QueueAsync("?status=acknowledged"))[0]!["note"]!);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.PostAsJsonAsync($"/api/v1/safety-alerts/{Guid.NewGuid()}/acknowledge", new { note = "x" })).StatusCode);
    }

    [Fact]
    public async Task Queue_item_shows_the_MRN_when_the_PHQ9_was_completed_and_its_item_9_answer_and_the_read_is_audited_for_that_patient()
    {
        var mrn = $"MRN-{Guid.NewGuid():N}";
        var p = await CreatePatientAsync(mrn);
        var completed = Day0.AddMinutes(7);
        await Phq9Async(p, completed, Phq9Items(14, 2));

        var item = Assert.Single(await QueueAsync());
        Assert.Equal(mrn, (string?)item!["mrn"]);
        Assert.Equal("north", (string?)item["siteId"]);
        // The completion time is the patient's, not the moment the row was stored (the test posts it months later).
        Assert.Equal(completed, DateTimeOffset.Parse((string)item["sourceCompletedAt"]!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.NotEqual((string)item["sourceCompletedAt"]!, (string)item["createdAt"]!);
        var answer = Assert.Single(item["triggeringAnswers"]!.AsArray())!;
        Assert.Equal("items[8]", (string?)answer["field"]);
        Assert.Equal("Thoughts that you would be better off dead, or of hurting yourself", (string?)answer["question"]);
        Assert.Equal("More than half the days", (string?)answer["answer"]);
        Assert.Equal(2, (int?)answer["score"]);

        var audit = (await Admin.GetFromJsonAsync<JsonNode>($"/api/v1/audit?patientId={p}&limit=500"))!["items"]!.AsArray();
        Assert.Contains(audit, r => (string?)r!["action"] == "ListSafetyAlerts");
    }

    [Fact]
    public async Task Queue_item_and_acknowledgement_show_every_yes_of_the_CSSRS_that_raised_the_alert_with_its_wording()
    {
        var p = await CreatePatientAsync("CSSRS-1");
        var completed = Day0.AddHours(3);
        var checkin = await CreatedAsync($"/api/v1/patients/{p}/suicidality-checkins", new
        {
            completedAt = Iso(completed), wishToBeDead = true, suicidalThoughts = true, thoughtsOfMethod = false, intent = true, plan = false,
            suicidalBehavior = "over-3-months-ago",
        });
        var id = (string)checkin["alert"]!["id"]!;

        var item = Assert.Single(await QueueAsync())!;
        Assert.Equal("high", (string?)item["level"]);
        Assert.Equal("CSSRS-1", (string?)item["mrn"]);
        Assert.Equal(completed, DateTimeOffset.Parse((string)item["sourceCompletedAt"]!, System.Globalization.CultureInfo.InvariantCulture));
        var answers = item["triggeringAnswers"]!.AsArray();
        Assert.Equal(["wishToBeDead", "suicidalThoughts", "intent", "suicidalBehavior"], answers.Select(a => (string)a!["field"]!));
        Assert.Equal(["Yes", "Yes", "Yes", "Yes, over 3 months ago"], answers.Select(a => (string)a!["answer"]!));
        Assert.Equal("Have you had these thoughts and had some intention of acting on them?", (string?)answers[2]!["question"]);
        Assert.All(answers, a => Assert.Null((int?)a!["score"]));

        var ack = await Client.PostAsJsonAsync($"/api/v1/safety-alerts/{id}/acknowledge", new { note = "Called; safety plan reviewed." });
        var body = (await ack.Content.ReadFromJsonAsync<JsonNode>())!;
        Assert.Equal("CSSRS-1", (string?)body["mrn"]);
        Assert.Equal(item["sourceCompletedAt"]!.ToJsonString(), body["sourceCompletedAt"]!.ToJsonString());
        Assert.Equal(answers.ToJsonString(), body["triggeringAnswers"]!.ToJsonString());
    }

    [Fact]
    public async Task Site_bound_clinician_sees_and_acknowledges_only_its_sites_alerts()
    {
        var north = await CreatePatientAsync("AN", "north");
        var south = await CreatePatientAsync("AS", "south");
        var northAlert = await AlertAsync(north, 1, 0);
        var southAlert = await AlertAsync(south, 3, 0);
        using var northClinician = ClientWith(await CreateKeyAsync("clinician", "north"));

        Assert.Equal([northAlert], (await QueueAsync("", northClinician)).Select(a => (string)a!["id"]!));
        Assert.Equal(["AN"], (await QueueAsync("?status=all", northClinician)).Select(a => (string)a!["mrn"]!)); // no other site's MRN
        Assert.Empty(await QueueAsync("?siteId=south", northClinician));
        Assert.Equal(2, (await QueueAsync()).Count); // an unbound key sees both
        Assert.Equal([southAlert], (await QueueAsync("?siteId=south")).Select(a => (string)a!["id"]!));

        var cross = await northClinician.PostAsJsonAsync($"/api/v1/safety-alerts/{southAlert}/acknowledge", new { note = "not mine" });
        Assert.Equal(HttpStatusCode.NotFound, cross.StatusCode);
        Assert.Equal("open", (string)(await QueueAsync("?siteId=south"))[0]!["status"]!);
    }

    [Theory]
    [InlineData("?status=closed", "status")]
    [InlineData("?level=urgent", "level")]
    [InlineData("?limit=0", "limit")]
    public async Task Bad_queue_query_is_refused_naming_the_parameter(string query, string field)
    {
        var response = await Client.GetAsync("/api/v1/safety-alerts" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal([field], ErrorKeys(await response.Content.ReadFromJsonAsync<JsonNode>()));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"note":null}""")]
    [InlineData("""{"note":"   "}""")]
    [InlineData("""{"note":"\u200B"}""")]
    [InlineData("""{"note":"\u3164\u2800"}""")]
    [InlineData("""{"note":"\uE000\u00AD\uFFFD"}""")]
    public async Task Acknowledging_without_a_note_is_a_400_naming_note_and_the_alert_stays_open(string body)
    {
        var patient = await CreatePatientAsync();
        var raised = await Phq9Async(patient, Day0, Phq9Items(14, 2));
        var id = (string)raised["alert"]!["id"]!;
        var (status, problem, _) = await PostAsync($"/api/v1/safety-alerts/{id}/acknowledge", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["note"], ErrorKeys(problem));
        var open = (await GetOkAsync("/api/v1/safety-alerts?status=open"))["items"]!.AsArray();
        Assert.Contains(open, a => (string)a!["id"]! == id);
    }
}
