using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// SPEC v2 "Security, continued" (issue 18): admin actions — key creation, listing and revocation, audit reads, webhook
/// delivery lists and retries — append audit rows with actor, action, target and outcome, refusals included.
/// </summary>
public sealed class AdminAuditTests : ApiTest
{
    private static readonly string BootstrapId = ApiKeyStore.BootstrapKeyId.ToString();
    private readonly WebhookReceiver _receiver;

    // Deliveries fail at once (nothing listens yet, one attempt), so there is a failed delivery to retry.
    public AdminAuditTests() : this(new WebhookReceiver()) { }

    private AdminAuditTests(WebhookReceiver receiver) : base(WebhookDeliveryTests.Settings(receiver.Url, maxAttempts: 1)) => _receiver = receiver;

    private async Task<JsonArray> AuditAsync(HttpClient admin, string query)
    {
        var response = await admin.GetAsync($"/api/v1/audit?limit=500&{query}");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToJsonString());
        return body["items"]!.AsArray();
    }

    private static (string? KeyId, string? Role, string Action, string? TargetType, string? TargetId, string Outcome, int Status) Shape(JsonNode? row) =>
        ((string?)row!["keyId"], (string?)row["role"], (string)row["action"]!, (string?)row["targetType"], (string?)row["targetId"],
            (string)row["outcome"]!, (int)row["statusCode"]!);

    private async Task<(HttpStatusCode Status, JsonNode? Body)> CreateKeyWithAsync(HttpClient admin, object body)
    {
        using var response = await admin.PostAsJsonAsync("/api/v1/api-keys", body);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    [Fact]
    public async Task Creating_listing_and_revoking_keys_leave_rows_with_actor_action_target_and_outcome_refusals_included()
    {
        var (created, key) = await CreateKeyWithAsync(Admin, new { name = "audited portal", role = "portal", siteId = "north" });
        Assert.Equal(HttpStatusCode.Created, created);
        var keyId = (string)key!["id"]!;
        var (invalid, _) = await CreateKeyWithAsync(Admin, new { name = "", role = "portal" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid);
        Assert.Equal(HttpStatusCode.OK, (await Admin.GetAsync("/api/v1/api-keys")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Admin.DeleteAsync($"/api/v1/api-keys/{keyId}")).StatusCode);
        var unknown = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.DeleteAsync($"/api/v1/api-keys/{unknown}")).StatusCode);

        var rows = await AuditAsync(Admin, $"keyId={BootstrapId}");
        var keyRows = rows.Where(r => ((string)r!["action"]!).Contains("ApiKey", StringComparison.Ordinal)).Select(Shape).ToArray();
        // Before these: the clinician key ApiTest made. No row names a patient.
        Assert.Equal(
        [
            (BootstrapId, "admin", "CreateApiKey", "api-key", keyId, "success", 201),
            (BootstrapId, "admin", "CreateApiKey", null, null, "invalid", 400),
            (BootstrapId, "admin", "ListApiKeys", null, null, "success", 200),
            (BootstrapId, "admin", "RevokeApiKey", "api-key", keyId, "success", 204),
            (BootstrapId, "admin", "RevokeApiKey", "api-key", unknown, "not-found", 404),
        ], keyRows.Skip(1));
        Assert.All(rows, r => Assert.Null((string?)r!["patientId"]));
        Assert.All(rows, r => Assert.Null((string?)r!["clientAddress"])); // the key names the caller
        Assert.All(rows, r => Assert.Equal(1, (int)r!["count"]!));

        // The target filter finds the key's whole history; the site is the key's.
        var history = await AuditAsync(Admin, $"targetId={keyId}");
        Assert.Equal(["CreateApiKey", "RevokeApiKey"], history.Select(r => (string)r!["action"]!));
        Assert.All(history, r => Assert.Equal("north", (string?)r!["siteId"]));
    }

    [Fact]
    public async Task A_revocation_and_a_creation_each_leave_exactly_one_row_committed_with_the_write()
    {
        var (_, key) = await CreateKeyWithAsync(Admin, new { name = "short-lived", role = "ehr" });
        var keyId = Guid.Parse((string)key!["id"]!);
        Assert.Equal(HttpStatusCode.NoContent, (await Admin.DeleteAsync($"/api/v1/api-keys/{keyId}")).StatusCode);

        await using var c = await App.OpenConnectionAsync();
        var rows = (await c.QueryAsync<(string, long)>(
            "SELECT action, status_code FROM audit_events WHERE target_id = @keyId ORDER BY seq", new { keyId })).ToArray();
        Assert.Equal([("CreateApiKey", 201L), ("RevokeApiKey", 204L)], rows);
    }

    [Fact]
    public async Task A_site_bound_admins_refused_attempts_are_rows_of_its_own_site_whatever_site_it_named()
    {
        using var north = ClientWith(await CreateKeyAsync("admin", "north"));
        var (_, south) = await CreateKeyWithAsync(Admin, new { name = "south clinician", role = "clinician", siteId = "south" });
        var southId = (string)south!["id"]!;
        Assert.Equal(HttpStatusCode.Forbidden, (await north.DeleteAsync($"/api/v1/api-keys/{southId}")).StatusCode);
        var (refused, _) = await CreateKeyWithAsync(north, new { name = "sneaky", role = "admin" });
        Assert.Equal(HttpStatusCode.Forbidden, refused);
        // Naming another site in a refused request does not put the row in that site's view.
        var (planted, _) = await CreateKeyWithAsync(north, new { name = "planted", role = "clinician", siteId = "south" });
        Assert.Equal(HttpStatusCode.Forbidden, planted);

        var revoke = Assert.Single(await AuditAsync(Admin, $"targetId={southId}&action=RevokeApiKey"))!;
        Assert.Equal(("admin", "api-key", southId, "denied", 403, "north"),
            ((string?)revoke["role"], (string?)revoke["targetType"], (string?)revoke["targetId"], (string)revoke["outcome"]!, (int)revoke["statusCode"]!, (string?)revoke["siteId"]));
        var northKeyId = (string)revoke["keyId"]!;
        var creates = await AuditAsync(Admin, $"keyId={northKeyId}&action=CreateApiKey");
        Assert.Equal([("denied", 403, "north"), ("denied", 403, "north")],
            creates.Select(c => ((string)c!["outcome"]!, (int)c["statusCode"]!, (string?)c["siteId"])));
        using var southAdmin = ClientWith(await CreateKeyAsync("admin", "south"));
        Assert.DoesNotContain(await AuditAsync(southAdmin, ""), r => (string?)r!["keyId"] == northKeyId);
    }

    [Fact]
    public async Task A_site_bound_admin_sees_its_own_sites_admin_rows_and_not_another_sites_while_an_unbound_admin_sees_all()
    {
        using var north = ClientWith(await CreateKeyAsync("admin", "north"));
        var (_, northKey) = await CreateKeyWithAsync(Admin, new { name = "north portal", role = "portal", siteId = "north" });
        var (_, southKey) = await CreateKeyWithAsync(Admin, new { name = "south portal", role = "portal", siteId = "south" });
        Assert.Equal(HttpStatusCode.OK, (await north.GetAsync("/api/v1/api-keys")).StatusCode);
        var (northId, southId) = ((string)northKey!["id"]!, (string)southKey!["id"]!);

        var seen = await AuditAsync(north, "");
        Assert.Contains(seen, r => (string?)r!["targetId"] == northId);
        Assert.Contains(seen, r => (string)r!["action"]! == "ListApiKeys" && (string?)r["siteId"] == "north");
        Assert.DoesNotContain(seen, r => (string?)r!["targetId"] == southId);
        Assert.All(seen, r => Assert.True((string?)r!["siteId"] == "north" || (string?)r["patientId"] is not null, r.ToJsonString()));
        // Filters narrow the site-bound view; they never widen it.
        Assert.Empty(await AuditAsync(north, $"targetId={southId}"));

        var all = await AuditAsync(Admin, "");
        Assert.Contains(all, r => (string?)r!["targetId"] == southId);
        Assert.Contains(all, r => (string?)r!["targetId"] == northId);
        Assert.Contains(all, r => (string)r!["action"]! == "ListAuditEvents" && (string?)r["siteId"] == "north");
    }

    [Fact]
    public async Task Reading_the_audit_leaves_its_own_row_before_the_answer_and_a_bad_filter_is_a_400_naming_the_field_and_a_row()
    {
        using (var response = await Admin.GetAsync("/api/v1/audit", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            // The answer is held until its row is stored: the row is there before the body is read.
            await using var c = await App.OpenConnectionAsync();
            Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_events WHERE action = 'ListAuditEvents'"));
        }

        foreach (var (query, field) in new[] { ("action=listApiKeys", "action"), ("action=", "action"), ("keyId=nope", "keyId"), ("targetId=1", "targetId") })
        {
            using var bad = await Admin.GetAsync($"/api/v1/audit?{query}");
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal([field], ErrorKeys(JsonNode.Parse(await bad.Content.ReadAsStringAsync())));
        }
        var reads = await AuditAsync(Admin, "action=ListAuditEvents");
        Assert.Equal(["success", "invalid", "invalid", "invalid", "invalid"], reads.Select(r => (string)r!["outcome"]!));
        Assert.All(reads, r => Assert.Equal(BootstrapId, (string?)r!["keyId"]));
        Assert.All(reads, r => Assert.Null((string?)r!["targetType"]));
    }

    [Fact]
    public async Task Listing_and_retrying_webhook_deliveries_leave_rows_with_the_delivery_as_target()
    {
        var patient = await CreatePatientAsync(siteId: "north");
        await CreatedAsync($"/api/v1/patients/{patient}/questionnaires", new { instrument = "phq9", completedAt = Iso(Day0), items = Phq9Items(14, 2) });
        JsonArray failed = [];
        await Eventually.HoldsAsync(async () =>
            (failed = (await Admin.GetFromJsonAsync<JsonNode>("/api/v1/webhook-deliveries?status=failed"))!["items"]!.AsArray()).Count == 1, "delivery failed");
        var deliveryId = (string)failed[0]!["id"]!;
        await _receiver.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsync($"/api/v1/webhook-deliveries/{deliveryId}/retry", null)).StatusCode);
        var unknown = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.PostAsync($"/api/v1/webhook-deliveries/{unknown}/retry", null)).StatusCode);
        using var badStatus = await Admin.GetAsync("/api/v1/webhook-deliveries?status=lost");
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);

        var retries = (await AuditAsync(Admin, "action=RetryWebhookDelivery")).Select(Shape);
        Assert.Equal(
        [
            (BootstrapId, "admin", "RetryWebhookDelivery", "webhook-delivery", deliveryId, "success", 200),
            (BootstrapId, "admin", "RetryWebhookDelivery", "webhook-delivery", unknown, "not-found", 404),
        ], retries);
        var retried = Assert.Single(await AuditAsync(Admin, $"targetId={deliveryId}"))!;
        Assert.Equal("north", (string?)retried["siteId"]); // the delivery's patient's site: north's admin sees it
        var lists = (await AuditAsync(Admin, "action=ListWebhookDeliveries")).Select(r => ((string)r!["outcome"]!, (int)r["statusCode"]!));
        Assert.Contains(("success", 200), lists);
        Assert.Equal(("invalid", 400), lists.Last());
    }
}
