using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

public class ApiKeyTests : ApiTest
{
    [Fact]
    public async Task Created_key_is_shown_once_stored_only_as_a_hash_and_listed_without_it()
    {
        var response = await Admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "north portal", role = "portal", siteId = "north" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<JsonNode>())!;
        var key = (string)created["key"]!;
        Assert.StartsWith("ko_", key, StringComparison.Ordinal);
        Assert.True(key.Length >= 40);

        var listed = (await Admin.GetFromJsonAsync<JsonNode>("/api/v1/api-keys"))!["items"]!.AsArray();
        var row = listed.Single(k => (string)k!["id"]! == (string)created["id"]!)!;
        Assert.Null(row["key"]);
        Assert.Equal("portal", (string)row["role"]!);
        Assert.Equal("north", (string)row["siteId"]!);
        Assert.DoesNotContain(key, listed.ToJsonString(), StringComparison.Ordinal);

        await using var c = await App.OpenConnectionAsync();
        var rows = await c.QueryAsync<(byte[] Hash, string Name, string Prefix)>("SELECT key_hash, name, key_prefix FROM api_keys");
        var dump = string.Join("|", rows.Select(r => Convert.ToHexString(r.Hash) + r.Name + r.Prefix));
        Assert.DoesNotContain(key, dump, StringComparison.Ordinal);
        var idempotencyDump = string.Join("|", await c.QueryAsync<string>("SELECT COALESCE(response_body, '') FROM idempotency_requests"));
        Assert.DoesNotContain(key, idempotencyDump, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listings_show_at_most_four_characters_of_any_keys_secret()
    {
        var created = (await (await Admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "prefix check", role = "ehr" })).Content.ReadFromJsonAsync<JsonNode>())!;
        var key = (string)created["key"]!;
        Assert.Equal(key[..7], (string)created["keyPrefix"]!); // "ko_" and 4 secret characters

        var listed = (await Admin.GetFromJsonAsync<JsonNode>("/api/v1/api-keys"))!["items"]!.AsArray();
        Assert.Equal(key[..7], (string)listed.Single(k => (string)k!["id"]! == (string)created["id"]!)!["keyPrefix"]!);
        var bootstrap = (string)listed.Single(k => (string)k!["id"]! == "00000000-0000-0000-0000-00000000b007")!["keyPrefix"]!;
        Assert.Equal(AdminKey[..4], bootstrap);
        Assert.All(listed, k =>
        {
            var prefix = (string)k!["keyPrefix"]!;
            Assert.True((prefix.StartsWith("ko_", StringComparison.Ordinal) ? prefix.Length - 3 : prefix.Length) <= 4, prefix);
        });
    }

    [Fact]
    public async Task Revoked_key_stops_working_at_once()
    {
        var key = await CreateKeyAsync("clinician");
        using var client = ClientWith(key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/patients")).StatusCode);

        var id = (await Admin.GetFromJsonAsync<JsonNode>("/api/v1/api-keys"))!["items"]!.AsArray().Last()!["id"]!.ToString();
        Assert.Equal(HttpStatusCode.NoContent, (await Admin.DeleteAsync($"/api/v1/api-keys/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/patients")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.DeleteAsync($"/api/v1/api-keys/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task Replayed_key_creation_does_not_show_the_key_again()
    {
        using var request1 = new HttpRequestMessage(HttpMethod.Post, "/api/v1/api-keys") { Content = JsonContent.Create(new { name = "ehr", role = "ehr" }) };
        request1.Headers.Add("Idempotency-Key", "k-1");
        var first = (await (await Admin.SendAsync(request1)).Content.ReadFromJsonAsync<JsonNode>())!;
        using var request2 = new HttpRequestMessage(HttpMethod.Post, "/api/v1/api-keys") { Content = JsonContent.Create(new { name = "ehr", role = "ehr" }) };
        request2.Headers.Add("Idempotency-Key", "k-1");
        var replay = await Admin.SendAsync(request2);
        var second = (await replay.Content.ReadFromJsonAsync<JsonNode>())!;
        Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
        Assert.Equal((string)first["id"]!, (string)second["id"]!);
        Assert.NotNull((string?)first["key"]);
        Assert.Null((string?)second["key"]);
    }

    [Theory]
    [InlineData("""{"role":"clinician"}""", "name")]
    [InlineData("""{"name":"x","role":"superuser"}""", "role")]
    [InlineData("""{"name":"x"}""", "role")]
    [InlineData("""{"name":"x","role":"portal","siteId":"a b"}""", "siteId")]
    public async Task Bad_key_request_is_refused_naming_the_field(string body, string field)
    {
        var response = await Admin.PostAsync("/api/v1/api-keys", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal([field], ErrorKeys(await response.Content.ReadFromJsonAsync<JsonNode>()));
    }

    [Fact]
    public async Task Malformed_or_repeated_key_headers_answer_401()
    {
        using var longKey = ClientWith(new string('k', 300));
        Assert.Equal(HttpStatusCode.Unauthorized, (await longKey.GetAsync("/api/v1/patients")).StatusCode);
        using var twice = App.CreateClient();
        twice.DefaultRequestHeaders.Add("X-Api-Key", [ClinicianKey, ClinicianKey]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await twice.GetAsync("/api/v1/patients")).StatusCode);
        var unauthorized = await ClientWith(null).GetAsync("/api/v1/patients");
        Assert.Equal("application/problem+json", unauthorized.Content.Headers.ContentType?.MediaType);
        Assert.Contains("ApiKey", unauthorized.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }
}

/// <summary>The bootstrap key follows configuration: a new value replaces the old key at the next start.</summary>
public class BootstrapKeyRotationTests
{
    [Fact]
    public async Task Changing_Auth_BootstrapAdminKey_rotates_the_bootstrap_key()
    {
        const string oldKey = "old-bootstrap-admin-key-000000000000000000";
        const string newKey = "new-bootstrap-admin-key-111111111111111111";
        using var first = new OutcomesApp(new() { ["Auth:BootstrapAdminKey"] = oldKey });
        using (var c = first.CreateClient())
        {
            c.DefaultRequestHeaders.Add("X-Api-Key", oldKey);
            Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("/api/v1/api-keys")).StatusCode);
        }
        // A second service on the same database file, configured with the new key.
        using var second = first.WithWebHostBuilder(b => b.UseSetting("Auth:BootstrapAdminKey", newKey));
        using var fresh = second.CreateClient();
        fresh.DefaultRequestHeaders.Add("X-Api-Key", newKey);
        Assert.Equal(HttpStatusCode.OK, (await fresh.GetAsync("/api/v1/api-keys")).StatusCode);
        using var stale = second.CreateClient();
        stale.DefaultRequestHeaders.Add("X-Api-Key", oldKey);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stale.GetAsync("/api/v1/api-keys")).StatusCode);
    }

    [Fact]
    public void A_bootstrap_key_shorter_than_32_characters_stops_the_service_from_starting()
    {
        using var app = new OutcomesApp(new() { ["Auth:BootstrapAdminKey"] = "too-short" });
        // The service never starts (the line naming the setting, on stderr with exit code 1, is checked on the built
        // process by StrictConfigurationTests).
        Assert.ThrowsAny<Exception>(() => app.CreateClient());
    }
}
