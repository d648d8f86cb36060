using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests;

/// <summary>Restarts, several dispatchers over one database, and the per-endpoint circuit breaker.</summary>
public sealed class WebhookResilienceTests : IAsyncLifetime
{
    private const string AdminKey = "webhook-resilience-admin-key-0123456789";
    private readonly TestStore _store = TestStore.Create();
    private readonly WebhookReceiver _receiver = new();

    private Dictionary<string, string?> Settings(Dictionary<string, string?>? extra = null)
    {
        var s = WebhookDeliveryTests.Settings(_receiver.Url, maxAttempts: 50);
        s["Auth:BootstrapAdminKey"] = AdminKey;
        s["RateLimiting:PermitsPerSecond"] = "100000";
        s["RateLimiting:Burst"] = "1000000";
        foreach (var (k, v) in extra ?? []) s[k] = v;
        return s;
    }

    private static async Task<HttpClient> ClinicianAsync(OutcomesApp app)
    {
        using var admin = app.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        var key = (await (await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "c", role = "clinician" })).Content.ReadFromJsonAsync<JsonNode>())!["key"]!.ToString();
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    private static async Task RaiseAlertsAsync(HttpClient client, int count)
    {
        var patient = (await (await client.PostAsJsonAsync("/api/v1/patients", new { researchConsent = true })).Content.ReadFromJsonAsync<JsonNode>())!["id"]!.ToString();
        for (var i = 0; i < count; i++)
        {
            var response = await client.PostAsJsonAsync($"/api/v1/patients/{patient}/questionnaires",
                new { instrument = "phq9", completedAt = "2026-03-02T09:00:00Z", items = new[] { 1, 1, 1, 1, 1, 1, 1, 1, 1 + i % 3 } });
            Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        }
    }

    private static async Task<int> CountAsync(OutcomesApp app, string status)
    {
        using var admin = app.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        return (await admin.GetFromJsonAsync<JsonNode>($"/api/v1/webhook-deliveries?status={status}&limit=500"))!["items"]!.AsArray().Count;
    }

    [Fact]
    public async Task Service_stopped_mid_backlog_resumes_pending_deliveries_after_restart()
    {
        using (var first = new OutcomesApp(Settings(), _store))
        {
            using var client = await ClinicianAsync(first);
            await RaiseAlertsAsync(client, 5); // receiver is down: all stay pending
            Assert.Equal(5, await CountAsync(first, "pending"));
        }

        await _receiver.StartAsync();
        using var second = new OutcomesApp(Settings(), _store);
        await Eventually.HoldsAsync(async () => await CountAsync(second, "delivered") == 5, "all five delivered after restart");
        Assert.Equal(5, _receiver.Requests.Select(r => r.Headers["X-Event-Id"]).Distinct().Count());
    }

    [Fact]
    public async Task Two_dispatchers_over_one_database_send_each_delivery_once()
    {
        await _receiver.StartAsync();
        using var one = new OutcomesApp(Settings(), _store);
        using var two = new OutcomesApp(Settings(), _store);
        using var c1 = await ClinicianAsync(one);
        using var c2 = await ClinicianAsync(two);
        await Task.WhenAll(RaiseAlertsAsync(c1, 10), RaiseAlertsAsync(c2, 10));

        await Eventually.HoldsAsync(async () => await CountAsync(one, "delivered") == 20, "twenty delivered");
        var perEvent = _receiver.Requests.GroupBy(r => r.Headers["X-Event-Id"]).ToArray();
        Assert.Equal(20, perEvent.Length);
        Assert.All(perEvent, g => Assert.Single(g));
    }

    [Fact]
    public async Task Open_circuit_holds_back_a_failing_endpoint_without_delaying_a_healthy_one()
    {
        await using var healthy = new WebhookReceiver();
        await healthy.StartAsync();
        _receiver.StatusFor = _ => 500;
        await _receiver.StartAsync();
        using var app = new OutcomesApp(Settings(new()
        {
            ["Webhooks:Endpoints:1:Name"] = "healthy",
            ["Webhooks:Endpoints:1:Url"] = healthy.Url,
            ["Webhooks:Endpoints:1:Secret"] = WebhookDeliveryTests.Secret,
            ["Webhooks:InProcessRetries"] = "0",
            ["Webhooks:BreakerMinimumThroughput"] = "3",
            ["Webhooks:BreakerFailureRatio"] = "0.5",
            ["Webhooks:BreakerBreakDuration"] = "00:00:30",
        }), _store);
        using var client = await ClinicianAsync(app);
        await RaiseAlertsAsync(client, 8);

        await Eventually.HoldsAsync(() => Task.FromResult(healthy.Requests.Count == 8), "the healthy endpoint gets all eight");
        await Task.Delay(500);
        // The failing endpoint saw a few attempts, then the circuit opened and the rest wait without being sent.
        Assert.InRange(_receiver.Requests.Count, 3, 5);
        using var admin = app.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        var pending = (await admin.GetFromJsonAsync<JsonNode>("/api/v1/webhook-deliveries?status=pending&limit=500"))!["items"]!.AsArray();
        Assert.Equal(8, pending.Count);
        Assert.Contains(pending, d => (string?)d!["lastError"] == "circuit-open");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _store.Dispose();
    }
}
