using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using KetamineOutcomes.Api.Webhooks;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

/// <summary>Safety-alert webhooks against a real HTTP receiver on 127.0.0.1, with short timings set through options.</summary>
public sealed class WebhookDeliveryTests : ApiTest
{
    internal const string Secret = "receiver-secret-0123456789";
    private readonly WebhookReceiver _receiver;

    public WebhookDeliveryTests() : this(new WebhookReceiver()) { }

    private WebhookDeliveryTests(WebhookReceiver receiver) : base(Settings(receiver.Url)) => _receiver = receiver;

    internal static Dictionary<string, string?> Settings(string url, int maxAttempts = 4) => new()
    {
        ["Webhooks:Endpoints:0:Name"] = "ehr-inbox",
        ["Webhooks:Endpoints:0:Url"] = url,
        ["Webhooks:Endpoints:0:Secret"] = Secret,
        ["Webhooks:MaxAttempts"] = maxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Webhooks:InProcessRetries"] = "1",
        ["Webhooks:PollInterval"] = "00:00:00.050",
        ["Webhooks:BaseDelay"] = "00:00:00.050",
        ["Webhooks:MaxDelay"] = "00:00:00.200",
        ["Webhooks:AttemptTimeout"] = "00:00:02",
        ["Webhooks:BreakerMinimumThroughput"] = "1000", // breaker has its own test
        // Registering a patient makes enrolment occurrences due: these tests count alert and correction events only
        // (assessment.due has its own, AssessmentDueWebhookTests).
        ["Scheduler:Enabled"] = "false",
    };

    private async Task<JsonNode> AlertingPhq9Async(string patient, int item9 = 2) =>
        await CreatedAsync($"/api/v1/patients/{patient}/questionnaires", new { instrument = "phq9", completedAt = Iso(Day0), items = Phq9Items(14, item9) });

    private async Task<JsonArray> DeliveriesAsync(string? status = null) =>
        (await Admin.GetFromJsonAsync<JsonNode>("/api/v1/webhook-deliveries" + (status is null ? "" : $"?status={status}")))!["items"]!.AsArray();

    [Fact]
    public async Task Alert_is_delivered_once_signed_with_event_id_and_the_spec_body()
    {
        await _receiver.StartAsync();
        var patient = await CreatePatientAsync();
        var q = await AlertingPhq9Async(patient);

        await Eventually.HoldsAsync(async () => (await DeliveriesAsync("delivered")).Count == 1, "delivery marked delivered");
        var got = Assert.Single(_receiver.Requests);
        Assert.True(WebhookSignature.Verify(Secret, got.Body, got.Headers["X-Signature"]), "signature verifies over the raw body");
        Assert.StartsWith("sha256=", got.Headers["X-Signature"], StringComparison.Ordinal);
        Assert.False(WebhookSignature.Verify("another-secret-000000", got.Body, got.Headers["X-Signature"]));

        var body = JsonNode.Parse(got.Text)!;
        Assert.Equal(got.Headers["X-Event-Id"], (string)body["eventId"]!);
        Assert.Equal("safety-alert.created", (string)body["type"]!);
        Assert.Equal((string)q["alert"]!["id"]!, (string)body["alertId"]!);
        Assert.Equal(patient, (string)body["patientId"]!);
        Assert.Equal("moderate", (string)body["level"]!);
        Assert.Equal("phq9-item9", (string)body["trigger"]!);
        Assert.NotNull((string?)body["createdAt"]);
        Assert.Equal(["alertId", "createdAt", "eventId", "level", "patientId", "trigger", "type"], body.AsObject().Select(p => p.Key).Order());
    }

    [Fact]
    public async Task Receiver_answering_500_three_times_gets_it_on_the_fourth_attempt_with_the_same_event_id()
    {
        _receiver.StatusFor = n => n < 3 ? 500 : 200;
        await _receiver.StartAsync();
        var patient = await CreatePatientAsync();
        await AlertingPhq9Async(patient, item9: 3);

        await Eventually.HoldsAsync(async () => (await DeliveriesAsync("delivered")).Count == 1, "delivered after three 500s");
        var delivery = (await DeliveriesAsync("delivered"))[0]!;
        Assert.Equal(4, (int)delivery["attempts"]!);
        Assert.Equal(4, _receiver.Requests.Count);
        Assert.Single(_receiver.Requests.Select(r => r.Headers["X-Event-Id"]).Distinct());
        Assert.Equal(["1", "2", "3", "4"], _receiver.Requests.Select(r => r.Headers["X-Delivery-Attempt"]));
    }

    [Fact]
    public async Task Endpoint_that_never_recovers_leaves_the_delivery_failed_after_the_configured_attempts_and_admin_can_retry()
    {
        _receiver.StatusFor = _ => 503;
        await _receiver.StartAsync();
        var patient = await CreatePatientAsync();
        await CreatedAsync($"/api/v1/patients/{patient}/suicidality-checkins", new { completedAt = Iso(Day0), wishToBeDead = true, suicidalThoughts = false, suicidalBehavior = "none" });

        await Eventually.HoldsAsync(async () => (await DeliveriesAsync("failed")).Count == 1, "delivery failed");
        var failed = (await DeliveriesAsync("failed"))[0]!;
        Assert.Equal(4, (int)failed["attempts"]!);
        Assert.Equal("http-503", (string)failed["lastError"]!);
        await Task.Delay(300);
        Assert.Equal(4, _receiver.Requests.Count); // no attempt after failing

        _receiver.StatusFor = _ => 200;
        var retried = await Admin.PostAsync($"/api/v1/webhook-deliveries/{failed["id"]}/retry", null);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        await Eventually.HoldsAsync(async () => (await DeliveriesAsync("delivered")).Count == 1, "delivered after an admin retry");
        var again = await Admin.PostAsync($"/api/v1/webhook-deliveries/{failed["id"]}/retry", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Delivery_carries_Standard_Webhooks_headers_that_verify_and_refuse_a_stale_replay()
    {
        await _receiver.StartAsync();
        var patient = await CreatePatientAsync();
        await AlertingPhq9Async(patient);
        await Eventually.HoldsAsync(async () => (await DeliveriesAsync("delivered")).Count == 1, "delivery marked delivered");
        var got = Assert.Single(_receiver.Requests);

        Assert.Equal(got.Headers["X-Event-Id"], got.Headers["webhook-id"]);
        var sent = DateTimeOffset.FromUnixTimeSeconds(long.Parse(got.Headers["webhook-timestamp"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(sent, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.StartsWith("v1,", got.Headers["webhook-signature"], StringComparison.Ordinal);

        // A receiver checks with the same well-kept library: id + timestamp + body under the endpoint's secret.
        var receiver = new StandardWebhooks.StandardWebhook(System.Text.Encoding.UTF8.GetBytes(Secret));
        Microsoft.AspNetCore.Http.HeaderDictionary Headers(string timestamp) => new()
        {
            ["webhook-id"] = got.Headers["webhook-id"], ["webhook-timestamp"] = timestamp, ["webhook-signature"] = got.Headers["webhook-signature"],
        };
        receiver.Verify(got.Text, Headers(got.Headers["webhook-timestamp"]));
        // The same signature under a timestamp an hour old (a captured delivery replayed) is refused.
        var stale = sent.AddHours(-1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.ThrowsAny<Exception>(() => receiver.Verify(got.Text, Headers(stale)));
        Assert.ThrowsAny<Exception>(() => new StandardWebhooks.StandardWebhook(System.Text.Encoding.UTF8.GetBytes("another-secret-000000"))
            .Verify(got.Text, Headers(got.Headers["webhook-timestamp"])));
    }

    [Fact]
    public async Task A_site_bound_admin_lists_and_retries_only_its_own_sites_deliveries()
    {
        _receiver.StatusFor = _ => 503;
        await _receiver.StartAsync();
        var north = await CreatePatientAsync(siteId: "north");
        var south = await CreatePatientAsync(siteId: "south");
        await AlertingPhq9Async(north);
        await AlertingPhq9Async(south);
        await Eventually.HoldsAsync(async () => (await DeliveriesAsync("failed")).Count == 2, "both deliveries failed");

        using var northAdmin = ClientWith(await CreateKeyAsync("admin", "north"));
        var seen = (await northAdmin.GetFromJsonAsync<JsonNode>("/api/v1/webhook-deliveries"))!["items"]!.AsArray();
        var own = Assert.Single(seen)!;
        var all = await DeliveriesAsync("failed");
        var southDelivery = all.Single(d => (string)d!["id"]! != (string)own["id"]!)!;
        Assert.Equal(HttpStatusCode.NotFound, (await northAdmin.PostAsync($"/api/v1/webhook-deliveries/{southDelivery["id"]}/retry", null)).StatusCode);
        Assert.Equal("failed", (string)(await DeliveriesAsync()).Single(d => (string)d!["id"]! == (string)southDelivery["id"]!)!["status"]!);
        Assert.Equal(HttpStatusCode.OK, (await northAdmin.PostAsync($"/api/v1/webhook-deliveries/{own["id"]}/retry", null)).StatusCode);
    }

    [Theory]
    [InlineData(307)]
    [InlineData(302)]
    public async Task A_redirect_is_a_failed_attempt_never_followed_to_another_address(int status)
    {
        await using var elsewhere = new WebhookReceiver();
        await elsewhere.StartAsync();
        _receiver.StatusFor = _ => status;
        _receiver.RedirectTo = elsewhere.Url;
        await _receiver.StartAsync();
        var patient = await CreatePatientAsync();
        await CreatedAsync($"/api/v1/patients/{patient}/suicidality-checkins", new { completedAt = Iso(Day0), wishToBeDead = true, suicidalThoughts = false, suicidalBehavior = "none" });

        await Eventually.HoldsAsync(async () => (await DeliveriesAsync("failed")).Count == 1, "delivery failed");
        var failed = (await DeliveriesAsync("failed"))[0]!;
        Assert.Equal(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"http-{status}"), (string)failed["lastError"]!);
        Assert.Empty(await DeliveriesAsync("delivered"));
        Assert.Empty(elsewhere.Requests); // the signed body never reached the redirect target
    }

    [Fact]
    public async Task Outbox_failure_rolls_back_the_submission_and_its_alert()
    {
        var patient = await CreatePatientAsync();
        await App.Store.FailInsertsIntoAsync("outbox_events");
        var (status, _, _) = await PostAsync($"/api/v1/patients/{patient}/questionnaires", new { instrument = "phq9", completedAt = Iso(Day0), items = Phq9Items(14, 1) });
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        await using var check = await App.OpenConnectionAsync();
        Assert.Equal(0, await check.ExecuteScalarAsync<long>("SELECT (SELECT COUNT(*) FROM questionnaires) + (SELECT COUNT(*) FROM safety_alerts) + (SELECT COUNT(*) FROM webhook_deliveries)"));
    }

    public override async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await base.DisposeAsync();
    }
}

/// <summary>
/// A receiver that is down, then up: its own class, with attempts enough that the receiver's start (which a loaded
/// machine can delay by seconds) always comes before the delivery gives up; the retry timings are those of the others.
/// </summary>
public sealed class WebhookReceiverDownTests : ApiTest
{
    private readonly WebhookReceiver _receiver;

    public WebhookReceiverDownTests() : this(new WebhookReceiver()) { }

    private WebhookReceiverDownTests(WebhookReceiver receiver) : base(WebhookDeliveryTests.Settings(receiver.Url, maxAttempts: 100)) => _receiver = receiver;

    [Fact]
    public async Task Receiver_down_then_up_gets_the_delivery()
    {
        var patient = await CreatePatientAsync();
        await CreatedAsync($"/api/v1/patients/{patient}/questionnaires", new { instrument = "phq9", completedAt = Iso(Day0), items = Phq9Items(14, 2) });
        await Eventually.HoldsAsync(async () => (await DeliveriesAsync("pending")).Any(d => (int)d!["attempts"]! >= 1), "a failed attempt while the receiver is down");
        Assert.NotNull((string?)(await DeliveriesAsync("pending"))[0]!["lastError"]);

        await _receiver.StartAsync();
        await Eventually.HoldsAsync(async () => (await DeliveriesAsync("delivered")).Count == 1, "delivered once the receiver is up");
        Assert.Single(_receiver.Requests.Select(r => r.Headers["X-Event-Id"]).Distinct());
    }

    private async Task<JsonArray> DeliveriesAsync(string status) =>
        (await Admin.GetFromJsonAsync<JsonNode>($"/api/v1/webhook-deliveries?status={status}"))!["items"]!.AsArray();

    public override async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await base.DisposeAsync();
    }
}
