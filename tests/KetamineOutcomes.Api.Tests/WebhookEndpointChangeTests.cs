using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using KetamineOutcomes.Api.Webhooks;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// A queued delivery names its endpoint; the URL comes from configuration when it is sent (issue 18). So a service
/// restarted with a changed URL sends queued deliveries to the new one, and one whose endpoint was removed fails them.
/// </summary>
public sealed class WebhookEndpointChangeTests : IAsyncLifetime
{
    private const string AdminKey = "webhook-endpoint-change-admin-key-0123456789";
    private readonly TestStore _store = TestStore.Create();
    private readonly WebhookReceiver _old = new(), _new = new();

    private static Dictionary<string, string?> WithKeys(Dictionary<string, string?> s)
    {
        s["Auth:BootstrapAdminKey"] = AdminKey;
        return s;
    }

    private static HttpClient AdminOf(OutcomesApp app)
    {
        var admin = app.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        return admin;
    }

    /// <summary>Raises one alert (so one delivery per configured endpoint) and waits until an attempt has failed.</summary>
    private static async Task QueueOneAlertWhileTheReceiverIsDownAsync(OutcomesApp app)
    {
        using var admin = AdminOf(app);
        var key = (await (await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "c", role = "clinician" })).Content.ReadFromJsonAsync<JsonNode>())!["key"]!.ToString();
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        var patient = (await (await client.PostAsJsonAsync("/api/v1/patients", new { researchConsent = true })).Content.ReadFromJsonAsync<JsonNode>())!["id"]!.ToString();
        var created = await client.PostAsJsonAsync($"/api/v1/patients/{patient}/questionnaires",
            new { instrument = "phq9", completedAt = "2026-03-02T09:00:00Z", items = new[] { 2, 2, 2, 2, 2, 2, 1, 0, 2 } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await Eventually.HoldsAsync(async () => (await DeliveriesAsync(app)).Any(d => (int)d!["attempts"]! >= 1), "a failed attempt while the receiver is down");
    }

    private static async Task<JsonArray> DeliveriesAsync(OutcomesApp app, string? status = null)
    {
        using var admin = AdminOf(app);
        return (await admin.GetFromJsonAsync<JsonNode>("/api/v1/webhook-deliveries" + (status is null ? "" : $"?status={status}")))!["items"]!.AsArray();
    }

    [Fact]
    public async Task A_url_changed_in_configuration_is_used_for_deliveries_already_queued()
    {
        using (var before = new OutcomesApp(WithKeys(WebhookDeliveryTests.Settings(_old.Url, maxAttempts: 50)), _store))
            await QueueOneAlertWhileTheReceiverIsDownAsync(before);

        await _old.StartAsync();
        await _new.StartAsync();
        using var after = new OutcomesApp(WithKeys(WebhookDeliveryTests.Settings(_new.Url, maxAttempts: 50)), _store); // same Name, new URL
        await Eventually.HoldsAsync(async () => (await DeliveriesAsync(after, "delivered")).Count == 1, "delivered after the restart");
        Assert.Single(_new.Requests);
        Assert.Empty(_old.Requests);
    }

    [Fact]
    public async Task A_token_rotated_in_an_unnamed_endpoints_url_is_used_for_deliveries_already_queued()
    {
        using (var before = new OutcomesApp(WithKeys(WebhookReceiverUrlTests.UnnamedSettings(WebhookReceiverUrlTests.TokenUrl(_new, "old-token-1"), maxAttempts: 50)), _store))
            await QueueOneAlertWhileTheReceiverIsDownAsync(before);

        await _new.StartAsync();
        using var after = new OutcomesApp(WithKeys(WebhookReceiverUrlTests.UnnamedSettings(WebhookReceiverUrlTests.TokenUrl(_new, "new-token-2"), maxAttempts: 50)), _store);
        await Eventually.HoldsAsync(async () => (await DeliveriesAsync(after, "delivered")).Count == 1, "delivered after the restart");
        Assert.Equal("?token=new-token-2", Assert.Single(_new.Requests).Query);
    }

    [Fact]
    public async Task A_delivery_whose_endpoint_was_removed_fails_as_endpoint_not_configured_and_an_admin_retries_it_once_it_is_back()
    {
        using (var before = new OutcomesApp(WithKeys(WebhookDeliveryTests.Settings(_old.Url, maxAttempts: 50)), _store))
            await QueueOneAlertWhileTheReceiverIsDownAsync(before);
        await _old.StartAsync();

        JsonNode failed;
        var elsewhere = WebhookDeliveryTests.Settings(_new.Url, maxAttempts: 50); // only another endpoint is configured now
        elsewhere["Webhooks:Endpoints:0:Name"] = "another-inbox";
        using (var without = new OutcomesApp(WithKeys(elsewhere), _store))
        {
            await Eventually.HoldsAsync(async () => (await DeliveriesAsync(without, "failed")).Count == 1, "failed once its endpoint is gone");
            failed = (await DeliveriesAsync(without, "failed"))[0]!;
            Assert.Equal(WebhookDispatcher.EndpointNotConfigured, (string)failed["lastError"]!);
            Assert.Equal("ehr-inbox", (string)failed["endpoint"]!);
        }
        Assert.Empty(_old.Requests);

        using var restored = new OutcomesApp(WithKeys(WebhookDeliveryTests.Settings(_old.Url, maxAttempts: 50)), _store);
        using var admin = AdminOf(restored);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/webhook-deliveries/{failed["id"]}/retry", null)).StatusCode);
        await Eventually.HoldsAsync(async () => (await DeliveriesAsync(restored, "delivered")).Count == 1, "delivered after the admin retry");
        Assert.Single(_old.Requests);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _old.DisposeAsync();
        await _new.DisposeAsync();
        _store.Dispose();
    }
}
