using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Start-up without any admin key (issue 19, point 1): the service keeps running — every call answers 401 — and says
/// once, in one line, how to set one. An installation that has a named admin key needs no bootstrap key and gets no hint.
/// </summary>
public sealed class AdminKeyHintTests : IDisposable
{
    private const string Hint = "No admin key is configured, so no key can be created (on a new store every call answers 401). Set one and restart: export Auth__BootstrapAdminKey=$(openssl rand -hex 32)";
    private const string BootstrapKey = "admin-key-hint-test-bootstrap-key-0123456789";
    private static readonly string[] NoBootstrapKey = ["Auth__BootstrapAdminKey", "Auth__bootstrapadminkey"];
    private readonly string _workDir = Directory.CreateTempSubdirectory("ko-hint-").FullName;

    private BuiltService Start(string? bootstrapKey)
    {
        var environment = new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Development" };
        if (bootstrapKey is not null) environment["Auth__BootstrapAdminKey"] = bootstrapKey;
        return new BuiltService(_workDir, environment, unset: NoBootstrapKey);
    }

    [Fact]
    public async Task Without_any_admin_key_the_service_keeps_running_answers_401_and_prints_one_line_with_the_command_to_set_one()
    {
        using var service = Start(bootstrapKey: null);
        using var http = new HttpClient { BaseAddress = await service.ListeningAsync() };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/v1/api-keys")).StatusCode);

        var line = Assert.Single(service.OutputLines(), l => l.Contains("admin key", StringComparison.OrdinalIgnoreCase));
        Assert.EndsWith(Hint, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_named_admin_key_in_the_store_and_no_bootstrap_key_there_is_no_hint()
    {
        string namedKey;
        using (var first = Start(BootstrapKey))
        {
            using var http = new HttpClient { BaseAddress = await first.ListeningAsync() };
            http.DefaultRequestHeaders.Add("X-Api-Key", BootstrapKey);
            var created = await http.PostAsJsonAsync("/api/v1/api-keys", new { name = "named admin", role = "admin" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            namedKey = (string)(await created.Content.ReadFromJsonAsync<JsonNode>())!["key"]!;
            Assert.DoesNotContain(first.OutputLines(), l => l.Contains(Hint, StringComparison.Ordinal));
        }

        using var second = Start(bootstrapKey: null);
        using var client = new HttpClient { BaseAddress = await second.ListeningAsync() };
        client.DefaultRequestHeaders.Add("X-Api-Key", namedKey);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/api-keys")).StatusCode);
        Assert.DoesNotContain(second.OutputLines(), l => l.Contains(Hint, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_start_without_the_bootstrap_key_revokes_it_and_the_same_key_set_again_works_again()
    {
        using (var first = Start(BootstrapKey))
        {
            using var http = Admin(await first.ListeningAsync());
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/v1/api-keys")).StatusCode);
        }
        using (var without = Start(bootstrapKey: null))
        {
            using var http = Admin(await without.ListeningAsync());
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/v1/api-keys")).StatusCode);
        }
        using var again = Start(BootstrapKey);
        using var client = Admin(await again.ListeningAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/api-keys")).StatusCode);
        Assert.DoesNotContain(again.OutputLines(), l => l.Contains("admin key", StringComparison.OrdinalIgnoreCase) && l.Contains("Set ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_bootstrap_key_revoked_through_the_api_stays_revoked_and_the_start_says_so_not_that_none_is_configured()
    {
        using (var first = Start(BootstrapKey))
        {
            using var http = Admin(await first.ListeningAsync());
            Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/api/v1/api-keys/{BootstrapKeyId}")).StatusCode);
        }
        using var again = Start(BootstrapKey);
        using var client = Admin(await again.ListeningAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/api-keys")).StatusCode);
        var line = Assert.Single(again.OutputLines(), l => l.Contains("BootstrapAdminKey", StringComparison.Ordinal));
        Assert.EndsWith("Auth:BootstrapAdminKey was revoked through the API and stays revoked. Set a new one and restart: export Auth__BootstrapAdminKey=$(openssl rand -hex 32)",
            line, StringComparison.Ordinal);
        Assert.DoesNotContain(again.OutputLines(), l => l.Contains(Hint, StringComparison.Ordinal));
    }

    private const string BootstrapKeyId = "00000000-0000-0000-0000-00000000b007";

    private static HttpClient Admin(Uri baseUri)
    {
        var http = new HttpClient { BaseAddress = baseUri };
        http.DefaultRequestHeaders.Add("X-Api-Key", BootstrapKey);
        return http;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_workDir, recursive: true);
    }
}
