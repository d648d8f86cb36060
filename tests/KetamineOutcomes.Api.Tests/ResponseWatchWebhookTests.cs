using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using KetamineOutcomes.Api.ResponseWatch;
using KetamineOutcomes.Api.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// response.lost and remission.relapsed (SPEC v2 "Response durability"): through the outbox to a real receiver on
/// 127.0.0.1, signed, retried, once per episode — a replayed submission and repeated passes add nothing, a second
/// episode adds one — with no MRN and no alert id. Passes are run directly (the timer is set far apart).
/// </summary>
public sealed class ResponseWatchWebhookTests : ApiTest
{
    private readonly WebhookReceiver _receiver;

    public ResponseWatchWebhookTests() : this(new WebhookReceiver()) { }

    private ResponseWatchWebhookTests(WebhookReceiver receiver)
        : base(new Dictionary<string, string?>(WebhookDeliveryTests.Settings(receiver.Url)) { ["ResponseWatch:Interval"] = "01:00:00" }) => _receiver = receiver;

    private Task<int> PassAsync() => App.Services.GetRequiredService<ResponseWatchPass>().PassAsync(CancellationToken.None);

    private JsonNode[] WatchEvents() => _receiver.Requests.GroupBy(r => r.Headers["X-Event-Id"]).Select(g => JsonNode.Parse(g.Last().Text)!)
        .Where(b => (string)b["type"]! is ResponseWatchOutbox.LostType or ResponseWatchOutbox.RelapsedType).ToArray();

    [Fact]
    public async Task One_event_per_episode_across_a_replayed_submission_and_repeated_passes_and_a_new_one_for_a_second_episode()
    {
        _receiver.StatusFor = n => n == 0 ? 503 : 200; // the first attempt fails: retried like any event
        await _receiver.StartAsync();
        var p = await CreatePatientAsync(mrn: "MRN-NOT-IN-EVENTS");
        await InfusionAsync(p, Day0);
        await Phq9Async(p, Day0.AddDays(-1), Phq9Items(20));
        var response = (string)(await Phq9Async(p, Day0.AddDays(2), Phq9Items(8)))["id"]!;
        var loss = new { instrument = "phq9", completedAt = Iso(Day0.AddDays(9)), items = Phq9Items(14) };
        var lossId = (string)(await CreatedAsync($"/api/v1/patients/{p}/questionnaires", loss, key: "loss-1"))["id"]!;
        Assert.Equal(1, await PassAsync());
        // The same submission retried (Idempotency-Key replay) and more passes: still one event.
        Assert.Equal(lossId, (string)(await CreatedAsync($"/api/v1/patients/{p}/questionnaires", loss, key: "loss-1"))["id"]!);
        Assert.Equal(0, await PassAsync());
        Assert.Equal(0, await PassAsync());
        await Eventually.HoldsAsync(() => Task.FromResult(WatchEvents().Length == 1 && _receiver.Requests.Count == 2), "the first event delivered after a retry");

        var first = WatchEvents()[0];
        var raw = _receiver.Requests.Last();
        Assert.True(WebhookSignature.Verify(WebhookDeliveryTests.Secret, raw.Body, raw.Headers["X-Signature"]), "signature verifies over the raw body");
        Assert.DoesNotContain("MRN-NOT-IN-EVENTS", raw.Text, StringComparison.Ordinal);
        Assert.Equal(BodyFields, first.AsObject().Select(kv => kv.Key).Order(StringComparer.Ordinal));
        Assert.Equal(("response.lost", p, "north", "phq9", response, lossId), ((string)first["type"]!, (string)first["patientId"]!,
            (string)first["siteId"]!, (string)first["instrument"]!, (string)first["episodeStartQuestionnaireId"]!, (string)first["setbackQuestionnaireId"]!));

        // A new response, then a new loss: a second episode, a second event; a relapse after a remission: its own type.
        var remission = (string)(await Phq9Async(p, Day0.AddDays(12), Phq9Items(3)))["id"]!;
        Assert.Equal(0, await PassAsync()); // responding again: nothing to send
        await Phq9Async(p, Day0.AddDays(16), Phq9Items(13));
        Assert.Equal(1, await PassAsync());
        await Eventually.HoldsAsync(() => Task.FromResult(WatchEvents().Length == 2), "the second episode's event delivered");
        var second = WatchEvents().Single(e => (string)e["eventId"]! != (string)first["eventId"]!);
        Assert.Equal(("remission.relapsed", remission), ((string)second["type"]!, (string)second["episodeStartQuestionnaireId"]!));

        var outbox = (await Admin.GetFromJsonAsync<JsonNode>("/api/v1/webhook-deliveries?limit=500"))!["items"]!.AsArray();
        Assert.Equal(2, outbox.Count);
        Assert.Equal(0, await PassAsync());
    }

    /// <summary>The documented body (README "response.lost and remission.relapsed"): ids and names only, no score or clinical date.</summary>
    private static readonly string[] BodyFields =
        ["episodeStartQuestionnaireId", "eventId", "instrument", "occurredAt", "patientId", "setbackQuestionnaireId", "siteId", "type"];

    [Fact]
    public async Task A_relapse_then_a_later_total_still_in_that_setback_sends_one_event_and_the_watch_keeps_the_relapse()
    {
        await _receiver.StartAsync();
        var p = await CreatePatientAsync();
        await InfusionAsync(p, Day0);
        await Phq9Async(p, Day0.AddDays(-1), Phq9Items(14));
        var remission = (string)(await Phq9Async(p, Day0.AddDays(4), Phq9Items(3)))["id"]!;
        var setback = (string)(await Phq9Async(p, Day0.AddDays(8), Phq9Items(12)))["id"]!; // ≥ 10 after remission, and 12 > 7
        Assert.Equal(1, await PassAsync());
        await Eventually.HoldsAsync(() => Task.FromResult(WatchEvents().Length == 1), "the relapse delivered");

        // 9: below 10, but above 50 % of 14 — the response lost at the 12 has not come back. Same setback: nothing new.
        await Phq9Async(p, Day0.AddDays(12), Phq9Items(9));
        Assert.Equal(0, await PassAsync());
        var item = (await GetOkAsync($"/api/v1/response-watch?siteId=north"))["items"]!.AsArray().Single()!;
        Assert.Equal(("relapse", remission, setback, 9), ((string)item["kind"]!, (string)item["episodeStart"]!["questionnaireId"]!,
            (string)item["setback"]!["questionnaireId"]!, (int)item["latest"]!["totalScore"]!));

        await Task.Delay(300); // room for a second delivery, were one written
        var sent = Assert.Single(WatchEvents());
        Assert.Equal(("remission.relapsed", remission, setback), ((string)sent["type"]!, (string)sent["episodeStartQuestionnaireId"]!, (string)sent["setbackQuestionnaireId"]!));
        var outbox = (await Admin.GetFromJsonAsync<JsonNode>("/api/v1/webhook-deliveries?limit=500"))!["items"]!.AsArray();
        Assert.Single(outbox);
    }

    [Fact]
    public async Task A_delivered_body_has_exactly_the_documented_fields_and_no_score_or_clinical_date()
    {
        await _receiver.StartAsync();
        var p = await CreatePatientAsync();
        await InfusionAsync(p, Day0);
        await Phq9Async(p, Day0.AddDays(-1), Phq9Items(23));
        await Phq9Async(p, Day0.AddDays(3), Phq9Items(11));
        await Phq9Async(p, Day0.AddDays(9), Phq9Items(17));
        Assert.Equal(1, await PassAsync());
        await Eventually.HoldsAsync(() => Task.FromResult(WatchEvents().Length == 1), "the loss delivered");
        var raw = _receiver.Requests.Last();
        var body = JsonNode.Parse(raw.Text)!.AsObject();
        Assert.Equal(BodyFields, body.Select(kv => kv.Key).Order(StringComparer.Ordinal));
        Assert.All(body, kv => Assert.True(kv.Value is JsonValue, $"{kv.Key} is a plain value, not an object"));
        // occurredAt is the pass's own time, not a clinical date; with it and the ids set aside, no total (23, 11, 17)
        // and no completedAt is left in the text.
        Assert.True(Math.Abs((DateTimeOffset.UtcNow - DateTimeOffset.Parse((string)body["occurredAt"]!, CultureInfo.InvariantCulture)).TotalMinutes) < 5);
        var rest = string.Join("|", body.Where(kv => kv.Key is not ("patientId" or "eventId" or "episodeStartQuestionnaireId" or "setbackQuestionnaireId" or "occurredAt"))
            .Select(kv => $"{kv.Key}={kv.Value}"));
        Assert.Equal("type=response.lost|siteId=north|instrument=phq9", rest);
        Assert.DoesNotContain("2026-03-", raw.Text, StringComparison.Ordinal);
    }

    public override async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await base.DisposeAsync();
    }
}
