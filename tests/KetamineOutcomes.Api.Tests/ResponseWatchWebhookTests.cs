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
        Assert.Equal(["baselineTotal", "daysSinceLastInfusion", "episodeStart", "eventId", "instrument", "kind", "occurredAt", "patientId", "sessionNumber", "setback", "siteId", "type"],
            first.AsObject().Select(kv => kv.Key).Order());
        Assert.Equal(("response.lost", "loss-of-response", p, "north", "phq9", 20), ((string)first["type"]!, (string)first["kind"]!, (string)first["patientId"]!,
            (string)first["siteId"]!, (string)first["instrument"]!, (int)first["baselineTotal"]!));
        Assert.Equal((response, 8, lossId, 14, 9), ((string)first["episodeStart"]!["questionnaireId"]!, (int)first["episodeStart"]!["totalScore"]!,
            (string)first["setback"]!["questionnaireId"]!, (int)first["setback"]!["totalScore"]!, (int)first["daysSinceLastInfusion"]!));

        // A new response, then a new loss: a second episode, a second event; a relapse after a remission: its own type.
        await Phq9Async(p, Day0.AddDays(12), Phq9Items(3));
        Assert.Equal(0, await PassAsync()); // responding again: nothing to send
        await Phq9Async(p, Day0.AddDays(16), Phq9Items(13));
        Assert.Equal(1, await PassAsync());
        await Eventually.HoldsAsync(() => Task.FromResult(WatchEvents().Length == 2), "the second episode's event delivered");
        var second = WatchEvents().Single(e => (string)e["eventId"]! != (string)first["eventId"]!);
        Assert.Equal(("remission.relapsed", "relapse", 3), ((string)second["type"]!, (string)second["kind"]!, (int)second["episodeStart"]!["totalScore"]!));

        var outbox = (await Admin.GetFromJsonAsync<JsonNode>("/api/v1/webhook-deliveries?limit=500"))!["items"]!.AsArray();
        Assert.Equal(2, outbox.Count);
        Assert.Equal(0, await PassAsync());
    }

    public override async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await base.DisposeAsync();
    }
}
