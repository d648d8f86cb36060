using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// SPEC v2, Corrections, safety: an alert is never removed; it keeps its status and gains sourceStatus when its PHQ-9 or
/// check-in is amended or entered in error; an amendment meeting a trigger above every alert of the record raises a new
/// alert with its outbox event, in the same transaction.
/// </summary>
public class CorrectionAlertTests : CorrectionTest
{
    private async Task<(string Url, JsonNode Created)> Phq9WithItem9Async(int item9)
    {
        var patient = await CreatePatientAsync();
        var q = await Phq9Async(patient, Day0, Phq9Items(12, item9));
        return ($"/api/v1/patients/{patient}/questionnaires/{q["id"]}", q);
    }

    private async Task<JsonNode> AmendItem9Async(string url, int item9, string ifMatch = "W/\"1\"")
    {
        var (status, body, _) = await SendAsync(HttpMethod.Put, url, new { instrument = "phq9", completedAt = Iso(Day0), items = Phq9Items(12, item9), reason = "Patient mis-tapped item 9" }, ifMatch);
        Assert.True(status == HttpStatusCode.OK, body?.ToJsonString());
        return body!;
    }

    private async Task<JsonArray> QueueAsync() => (await Client.GetFromJsonAsync<JsonNode>("/api/v1/safety-alerts?status=open&limit=500"))!["items"]!.AsArray();

    private async Task<IReadOnlyList<(string Type, string? AlertId)>> OutboxAsync()
    {
        await using var c = await App.OpenConnectionAsync();
        return (await c.QueryAsync<(string, string?)>("SELECT type, CAST(alert_id AS TEXT) FROM outbox_events ORDER BY created_at, id")).ToArray();
    }

    [Fact]
    public async Task Amending_item9_from_2_to_0_keeps_the_open_alert_with_source_status_amended_and_raises_none()
    {
        var (url, created) = await Phq9WithItem9Async(2);
        var amended = await AmendItem9Async(url, 0);

        var alert = Assert.Single(await QueueAsync())!;
        Assert.Equal(((string)created["alert"]!["id"]!, "moderate", "open", "amended"),
            ((string)alert["id"]!, (string)alert["level"]!, (string)alert["status"]!, (string)alert["sourceStatus"]!));
        Assert.Equal(((string)created["alert"]!["id"]!, "amended"), ((string)amended["alert"]!["id"]!, (string)amended["alert"]!["sourceStatus"]!));
        Assert.Equal([("safety-alert.created", (string?)created["alert"]!["id"]), ("assessment.amended", null)],
            (await OutboxAsync()).Select(e => (e.Type, e.AlertId?.ToLowerInvariant())));
    }

    [Fact]
    public async Task An_amendment_that_still_meets_the_alert_leaves_its_source_status_null()
    {
        var (url, created) = await Phq9WithItem9Async(2);
        var (status, body, _) = await SendAsync(HttpMethod.Put, url,
            new { instrument = "phq9", completedAt = Iso(Day0), items = new[] { 3, 1, 1, 1, 1, 1, 1, 1, 2 }, reason = "Item 1 was mis-tapped" }, "W/\"1\"");
        Assert.True(status == HttpStatusCode.OK, body?.ToJsonString());

        var alert = Assert.Single(await QueueAsync())!;
        Assert.Equal(((string)created["alert"]!["id"]!, null, 1), ((string)alert["id"]!, (string?)alert["sourceStatus"], (int)alert["sourceVersion"]!));
        Assert.Null((string?)body!["alert"]!["sourceStatus"]);
    }

    [Fact]
    public async Task The_alert_card_shows_the_answers_and_completion_time_of_the_version_that_raised_it_after_an_amendment()
    {
        var (url, created) = await Phq9WithItem9Async(2);
        var (status, body, _) = await SendAsync(HttpMethod.Put, url,
            new { instrument = "phq9", completedAt = Iso(Day0.AddHours(1)), items = Phq9Items(12, 0), reason = "Patient mis-tapped item 9" }, "W/\"1\"");
        Assert.True(status == HttpStatusCode.OK, body?.ToJsonString());

        var card = Assert.Single(await QueueAsync())!;
        Assert.Equal("amended", (string)card["sourceStatus"]!);
        var answer = Assert.Single(card["triggeringAnswers"]!.AsArray())!;
        Assert.Equal(("items[8]", 2), ((string)answer["field"]!, (int)answer["score"]!));
        Assert.Equal(DateTimeOffset.Parse((string)created["completedAt"]!, System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.Parse((string)card["sourceCompletedAt"]!, System.Globalization.CultureInfo.InvariantCulture));
        // The acknowledgement answers with the same card.
        var ack = await Client.PostAsJsonAsync($"/api/v1/safety-alerts/{card["id"]}/acknowledge", new { note = "Called patient" });
        var acked = (await ack.Content.ReadFromJsonAsync<JsonNode>())!;
        Assert.Equal(2, (int)acked["triggeringAnswers"]![0]!["score"]!);
    }

    [Fact]
    public async Task A_checkin_alert_card_keeps_the_yes_answers_that_raised_it_after_they_are_amended_to_no()
    {
        var patient = await CreatePatientAsync();
        var k = await CreatedAsync($"/api/v1/patients/{patient}/suicidality-checkins", new { completedAt = Iso(Day0), wishToBeDead = true, suicidalThoughts = false, suicidalBehavior = "none" });
        var url = $"/api/v1/patients/{patient}/suicidality-checkins/{k["id"]}";
        var (status, body, _) = await SendAsync(HttpMethod.Put, url,
            new { completedAt = Iso(Day0), wishToBeDead = false, suicidalThoughts = false, suicidalBehavior = "none", reason = "Wrong box ticked" }, "W/\"1\"");
        Assert.True(status == HttpStatusCode.OK, body?.ToJsonString());

        var card = Assert.Single(await QueueAsync())!;
        Assert.Equal("amended", (string)card["sourceStatus"]!);
        Assert.Equal(["wishToBeDead"], card["triggeringAnswers"]!.AsArray().Select(t => (string)t!["field"]!));
    }

    [Fact]
    public async Task Amending_item9_from_0_to_3_raises_one_new_high_alert_with_one_outbox_event()
    {
        var (url, created) = await Phq9WithItem9Async(0);
        Assert.Null(created["alert"]);
        var amended = await AmendItem9Async(url, 3);

        // Raised by version 2, whose answers meet it: nothing became of its source.
        var alert = Assert.Single(await QueueAsync())!;
        Assert.Equal(("high", "open", null, 2), ((string)alert["level"]!, (string)alert["status"]!, (string?)alert["sourceStatus"], (int)alert["sourceVersion"]!));
        Assert.Equal((string)alert["id"]!, (string)amended["alert"]!["id"]!);
        var outbox = await OutboxAsync();
        Assert.Equal(1, outbox.Count(e => e.Type == "safety-alert.created"));
        Assert.Equal((string)alert["id"]!, outbox.Single(e => e.Type == "safety-alert.created").AlertId!.ToLowerInvariant());
        // The first version raised nothing; the history shows each version with the alert it had.
        var history = await HistoryAsync(url);
        Assert.Equal([null, "high"], history.Select(h => (string?)h!["values"]!["alert"]?["level"]));
    }

    [Fact]
    public async Task Amending_item9_from_1_to_3_adds_a_high_alert_back_to_1_lapses_it_and_to_3_again_raises_another()
    {
        var (url, _) = await Phq9WithItem9Async(1);
        var amended = await AmendItem9Async(url, 3);
        Assert.Equal("high", (string)amended["alert"]!["level"]!);
        Assert.Equal([("high", null), ("low", null)], (await QueueAsync()).Select(a => ((string)a!["level"]!, (string?)a["sourceStatus"])));
        await AmendItem9Async(url, 1, "W/\"2\"");
        // Back to 1: the high alert's source no longer meets it (it has lapsed); the low one still stands for the answer.
        Assert.Equal([("high", "amended"), ("low", null)], (await QueueAsync()).Select(a => ((string)a!["level"]!, (string?)a["sourceStatus"])));
        Assert.Equal(2, (await OutboxAsync()).Count(e => e.Type == "safety-alert.created"));
        // 3 again is a new answer for someone to act on: a new high alert, raised by version 4; the lapsed one stays lapsed.
        var again = await AmendItem9Async(url, 3, "W/\"3\"");
        Assert.Equal([("high", "amended", 2), ("high", null, 4), ("low", null, 1)],
            (await QueueAsync()).Select(a => ((string)a!["level"]!, (string?)a["sourceStatus"], (int)a["sourceVersion"]!)).OrderBy(a => a.Item1, StringComparer.Ordinal).ThenBy(a => a.Item3));
        Assert.Equal(3, (await OutboxAsync()).Count(e => e.Type == "safety-alert.created"));
        Assert.Equal(("high", 4), ((string)again["alert"]!["level"]!, (int)again["alert"]!["sourceVersion"]!));
        Assert.Equal(("high", 4), ((string)(await GetOkAsync(url))["alert"]!["level"]!, (int)(await GetOkAsync(url))["alert"]!["sourceVersion"]!));
    }

    [Fact]
    public async Task An_answer_that_comes_back_after_its_lapsed_alert_was_acknowledged_raises_a_new_open_alert_with_its_event()
    {
        var (url, created) = await Phq9WithItem9Async(3);
        await AmendItem9Async(url, 0);
        var first = (string)created["alert"]!["id"]!;
        var ack = await Client.PostAsJsonAsync($"/api/v1/safety-alerts/{first}/acknowledge", new { note = "Source amended to 0: mis-tap, no action" });
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        Assert.Empty(await QueueAsync());

        var amended = await AmendItem9Async(url, 3, "W/\"2\"");
        var open = Assert.Single(await QueueAsync())!;
        Assert.NotEqual(first, (string)open["id"]!);
        Assert.Equal(("high", null, 3), ((string)open["level"]!, (string?)open["sourceStatus"], (int)open["sourceVersion"]!));
        Assert.Equal((string)open["id"]!, (string)amended["alert"]!["id"]!);
        Assert.Equal([first, (string)open["id"]!], (await OutboxAsync()).Where(e => e.Type == "safety-alert.created").Select(e => e.AlertId!.ToLowerInvariant()));
    }

    [Fact]
    public async Task A_positive_answer_amended_down_but_still_positive_gets_an_alert_at_its_new_level()
    {
        var (url, created) = await Phq9WithItem9Async(3);
        var amended = await AmendItem9Async(url, 1);
        var queue = await QueueAsync();
        Assert.Equal([("high", "amended", 1), ("low", null, 2)], queue.Select(a => ((string)a!["level"]!, (string?)a["sourceStatus"], (int)a["sourceVersion"]!)));
        Assert.Equal((string)created["alert"]!["id"]!, (string)amended["alert"]!["id"]!); // the record shows its highest alert
        Assert.Equal(2, (await OutboxAsync()).Count(e => e.Type == "safety-alert.created"));
    }

    [Fact]
    public async Task A_checkin_amended_to_high_risk_raises_a_high_alert_and_entered_in_error_marks_every_alert_keeping_its_status()
    {
        var patient = await CreatePatientAsync();
        var k = await CreatedAsync($"/api/v1/patients/{patient}/suicidality-checkins", new { completedAt = Iso(Day0), wishToBeDead = true, suicidalThoughts = false, suicidalBehavior = "none" });
        var url = $"/api/v1/patients/{patient}/suicidality-checkins/{k["id"]}";
        var low = (string)k["alert"]!["id"]!;
        var ack = await Client.PostAsJsonAsync($"/api/v1/safety-alerts/{low}/acknowledge", new { note = "Called patient" });
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);

        var (status, amended, _) = await SendAsync(HttpMethod.Put, url,
            new { completedAt = Iso(Day0), wishToBeDead = true, suicidalThoughts = false, suicidalBehavior = "within-3-months", reason = "Behaviour was missed" }, "W/\"1\"");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("high", "high"), ((string)amended!["riskLevel"]!, (string)amended["alert"]!["level"]!));

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Post, url + "/entered-in-error", new { reason = "Wrong patient" }, null)).Status);
        var all = (await Client.GetFromJsonAsync<JsonNode>("/api/v1/safety-alerts?status=all&limit=500"))!["items"]!.AsArray();
        Assert.Equal([("high", "open", "entered-in-error"), ("low", "acknowledged", "entered-in-error")],
            all.Select(a => ((string)a!["level"]!, (string)a["status"]!, (string)a["sourceStatus"]!)));
        Assert.Equal("entered-in-error", (string)(await GetOkAsync(url))["alert"]!["sourceStatus"]!);
    }

    [Fact]
    public async Task A_failing_outbox_rolls_the_amendment_back_with_its_alert_and_history()
    {
        var (url, _) = await Phq9WithItem9Async(0);
        await App.Store.FailInsertsIntoAsync("outbox_events");
        var (status, _, _) = await SendAsync(HttpMethod.Put, url, new { instrument = "phq9", completedAt = Iso(Day0), items = Phq9Items(12, 3), reason = "x" }, "W/\"1\"");
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Equal(1, (int)(await GetOkAsync(url))["version"]!);
        await using var c = await App.OpenConnectionAsync();
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT (SELECT COUNT(*) FROM safety_alerts) + (SELECT COUNT(*) FROM record_versions)"));
    }
}
