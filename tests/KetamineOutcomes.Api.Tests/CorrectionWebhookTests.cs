using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using KetamineOutcomes.Api.Webhooks;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// SPEC v2, Corrections: assessment.amended and assessment.entered-in-error go through the same outbox as
/// safety-alert.created — signed, retried, listed — to a real receiver on 127.0.0.1, without answers or MRN.
/// </summary>
public sealed class CorrectionWebhookTests : ApiTest
{
    private readonly WebhookReceiver _receiver;

    public CorrectionWebhookTests() : this(new WebhookReceiver()) { }

    private CorrectionWebhookTests(WebhookReceiver receiver) : base(WebhookDeliveryTests.Settings(receiver.Url)) => _receiver = receiver;

    private async Task<JsonArray> DeliveriesAsync(HttpClient client, string? status = null) =>
        (await client.GetFromJsonAsync<JsonNode>("/api/v1/webhook-deliveries?limit=500" + (status is null ? "" : $"&status={status}")))!["items"]!.AsArray();

    private async Task<HttpStatusCode> CorrectAsync(HttpMethod method, string url, object body, string? ifMatch)
    {
        using var request = new HttpRequestMessage(method, url) { Content = JsonContent.Create(body) };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return (await Client.SendAsync(request)).StatusCode;
    }

    [Fact]
    public async Task Amendment_and_entered_in_error_events_reach_the_receiver_signed_with_the_record_and_version_only()
    {
        _receiver.StatusFor = n => n == 0 ? 500 : 200; // the first attempt fails: retried like any event
        await _receiver.StartAsync();
        var patient = await CreatePatientAsync(mrn: "MRN-NOT-IN-EVENTS");
        var q = await Phq9Async(patient, Day0, Phq9Items(11));
        var k = await CreatedAsync($"/api/v1/patients/{patient}/suicidality-checkins", new { completedAt = Iso(Day0), wishToBeDead = false, suicidalThoughts = false, suicidalBehavior = "none" });
        Assert.Equal(HttpStatusCode.OK, await CorrectAsync(HttpMethod.Put, $"/api/v1/patients/{patient}/questionnaires/{q["id"]}",
            new { instrument = "phq9", completedAt = Iso(Day0), items = Phq9Items(13), reason = "Mis-tapped" }, "W/\"1\""));
        Assert.Equal(HttpStatusCode.OK, await CorrectAsync(HttpMethod.Post, $"/api/v1/patients/{patient}/suicidality-checkins/{k["id"]}/entered-in-error",
            new { reason = "Wrong patient" }, null));

        await Eventually.HoldsAsync(async () => (await DeliveriesAsync(Admin, "delivered")).Count == 2, "both events delivered");
        // One event per correction (a retried one arrives again under its id).
        var events = _receiver.Requests.GroupBy(r => r.Headers["X-Event-Id"]).Select(g => g.Last()).ToArray();
        Assert.Equal(2, events.Length);
        foreach (var e in events)
        {
            Assert.True(WebhookSignature.Verify(WebhookDeliveryTests.Secret, e.Body, e.Headers["X-Signature"]), "signature verifies over the raw body");
            Assert.DoesNotContain("MRN-NOT-IN-EVENTS", e.Text, StringComparison.Ordinal);
            var body = JsonNode.Parse(e.Text)!;
            Assert.Equal(["eventId", "occurredAt", "patientId", "recordId", "recordType", "status", "type", "version"], body.AsObject().Select(p => p.Key).Order());
            Assert.Equal(e.Headers["X-Event-Type"], (string)body["type"]!);
            Assert.Equal(patient, (string)body["patientId"]!);
            Assert.Equal(2, (int)body["version"]!);
        }
        var byType = events.Select(e => JsonNode.Parse(e.Text)!).ToDictionary(b => (string)b["type"]!);
        Assert.Equal(("questionnaire", (string)q["id"]!, "amended"),
            ((string)byType["assessment.amended"]["recordType"]!, (string)byType["assessment.amended"]["recordId"]!, (string)byType["assessment.amended"]["status"]!));
        Assert.Equal(("suicidality-checkin", (string)k["id"]!, "entered-in-error"),
            ((string)byType["assessment.entered-in-error"]["recordType"]!, (string)byType["assessment.entered-in-error"]["recordId"]!, (string)byType["assessment.entered-in-error"]["status"]!));
        Assert.Contains(await DeliveriesAsync(Admin, "delivered"), d => (int)d!["attempts"]! == 2);

        // A site-bound admin sees deliveries of events about its own site's patients only.
        using var north = ClientWith(await CreateKeyAsync("admin", "north"));
        using var south = ClientWith(await CreateKeyAsync("admin", "south"));
        Assert.Equal(2, (await DeliveriesAsync(north)).Count);
        Assert.Empty(await DeliveriesAsync(south));
    }

    public override async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await base.DisposeAsync();
    }
}
