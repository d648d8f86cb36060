using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;

namespace KetamineOutcomes.Api.Tests;

/// <summary>Two service instances over one store (PostgreSQL in CI's second run): no state that breaks across them.</summary>
public sealed class MultiInstanceTests : IDisposable
{
    private const string AdminKey = "multi-instance-admin-key-0123456789abcdef";
    private readonly TestStore _store = TestStore.Create();
    private readonly OutcomesApp _one, _two;

    public MultiInstanceTests()
    {
        var settings = new Dictionary<string, string?> { ["Auth:BootstrapAdminKey"] = AdminKey, ["RateLimiting:PermitsPerSecond"] = "100000", ["RateLimiting:Burst"] = "1000000" };
        _one = new OutcomesApp(settings, _store);
        _two = new OutcomesApp(settings, _store);
    }

    private async Task<(HttpClient One, HttpClient Two)> ClinicianClientsAsync()
    {
        using var admin = _one.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        var key = (await (await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "c", role = "clinician" })).Content.ReadFromJsonAsync<JsonNode>())!["key"]!.ToString();
        var one = _one.CreateClient();
        var two = _two.CreateClient();
        one.DefaultRequestHeaders.Add("X-Api-Key", key);
        two.DefaultRequestHeaders.Add("X-Api-Key", key); // a key made on one instance works at once on the other
        return (one, two);
    }

    [Fact]
    public async Task Concurrent_posts_with_one_idempotency_key_to_both_instances_create_exactly_one_record()
    {
        var (one, two) = await ClinicianClientsAsync();
        var patient = (await (await one.PostAsJsonAsync("/api/v1/patients", new { researchConsent = true })).Content.ReadFromJsonAsync<JsonNode>())!["id"]!.ToString();
        var body = new { instrument = "phq9", completedAt = "2026-03-02T09:00:00Z", items = new[] { 2, 2, 2, 2, 2, 2, 2, 2, 1 } };
        async Task<HttpStatusCode> Post(HttpClient c)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/patients/{patient}/questionnaires") { Content = JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", "shared-key");
            return (await c.SendAsync(request)).StatusCode;
        }
        var statuses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Post(i % 2 == 0 ? one : two)));

        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Created or HttpStatusCode.Conflict, $"{(int)s}"));
        Assert.Contains(HttpStatusCode.Created, statuses);
        await using var c = await _store.OpenAsync();
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM questionnaires"));
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM safety_alerts"));
    }

    [Fact]
    public async Task Infusions_on_one_instance_and_questionnaires_on_the_other_keep_timepoints_consistent()
    {
        var (one, two) = await ClinicianClientsAsync();
        var patient = (await (await one.PostAsJsonAsync("/api/v1/patients", new { researchConsent = true })).Content.ReadFromJsonAsync<JsonNode>())!["id"]!.ToString();
        var day0 = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
        var infusions = Enumerable.Range(0, 6).Select(i => one.PostAsJsonAsync($"/api/v1/patients/{patient}/infusions",
            new { administeredAt = day0.AddDays(2 * i), route = "iv", drug = "ketamine" }));
        var questionnaires = Enumerable.Range(0, 12).Select(i => two.PostAsJsonAsync($"/api/v1/patients/{patient}/questionnaires",
            new { instrument = "phq9", completedAt = day0.AddDays(i).AddHours(1), items = new[] { 1, 1, 1, 1, 1, 1, 1, 1, 0 } }));
        var responses = await Task.WhenAll(infusions.Concat(questionnaires));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));

        foreach (var client in new[] { one, two })
        {
            var trend = (await client.GetFromJsonAsync<JsonNode>($"/api/v1/patients/{patient}/trends"))!;
            Assert.Equal([1, 2, 3, 4, 5, 6], trend["infusions"]!.AsArray().Select(i => (int)i!["sessionNumber"]!));
            Assert.Equal(Enumerable.Range(0, 12).Select(d => Math.Min(6, d / 2 + 1)), trend["points"]!.AsArray().Select(p => (int)p!["timepoint"]!["sessionNumber"]!));
        }
    }

    [Fact]
    public async Task A_key_revoked_on_one_instance_stops_working_on_the_other_at_once()
    {
        var (one, two) = await ClinicianClientsAsync();
        Assert.Equal(HttpStatusCode.OK, (await two.GetAsync("/api/v1/patients")).StatusCode);
        using var admin = _one.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        var id = (await admin.GetFromJsonAsync<JsonNode>("/api/v1/api-keys"))!["items"]!.AsArray().Single(k => (string)k!["role"]! == "clinician")!["id"]!.ToString();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/api-keys/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await two.GetAsync("/api/v1/patients")).StatusCode);
    }

    public void Dispose()
    {
        _one.Dispose();
        _two.Dispose();
        _store.Dispose();
    }
}
