using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// SPEC v2 "Security, continued" (issue 18, HIGH): a site-bound admin acts only inside its site. Seen before: an admin
/// bound to north created an unbound clinician key that then read a south patient, read south's audit and revoked the
/// bootstrap admin key.
/// </summary>
public class SiteBoundAdminTests : ApiTest
{
    private async Task<(HttpStatusCode Status, JsonNode? Body)> CreateKeyWithAsync(HttpClient admin, string role, string? siteId)
    {
        using var response = await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = $"{role} {siteId ?? "unbound"}", role, siteId });
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private async Task<HttpClient> NorthAdminAsync() => ClientWith(await CreateKeyAsync("admin", "north"));

    [Theory]
    [InlineData("clinician", null)]
    [InlineData("clinician", "south")]
    [InlineData("admin", null)]
    [InlineData("admin", "south")]
    public async Task A_site_bound_admin_cannot_create_a_key_outside_its_site(string role, string? siteId)
    {
        using var north = await NorthAdminAsync();
        var (status, body) = await CreateKeyWithAsync(north, role, siteId);
        Assert.True(status == HttpStatusCode.Forbidden, body?.ToJsonString());
        var names = (await Admin.GetFromJsonAsync<JsonNode>("/api/v1/api-keys"))!["items"]!.AsArray().Select(k => (string)k!["name"]!);
        Assert.DoesNotContain($"{role} {siteId ?? "unbound"}", names);
    }

    [Fact]
    public async Task A_site_bound_admin_creates_lists_and_revokes_keys_of_its_own_site_only()
    {
        using var north = await NorthAdminAsync();
        var (created, own) = await CreateKeyWithAsync(north, "clinician", "north");
        Assert.Equal(HttpStatusCode.Created, created);
        var (_, south) = await CreateKeyWithAsync(Admin, "clinician", "south");

        var listed = (await north.GetFromJsonAsync<JsonNode>("/api/v1/api-keys"))!["items"]!.AsArray();
        Assert.All(listed, k => Assert.Equal("north", (string?)k!["siteId"]));
        Assert.Contains(listed, k => (string)k!["id"]! == (string)own!["id"]!);

        Assert.Equal(HttpStatusCode.Forbidden, (await north.DeleteAsync($"/api/v1/api-keys/{(string)south!["id"]!}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await north.DeleteAsync("/api/v1/api-keys/00000000-0000-0000-0000-00000000b007")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await north.DeleteAsync($"/api/v1/api-keys/{(string)own!["id"]!}")).StatusCode);
        // The bootstrap admin and the south key still work.
        Assert.Equal(HttpStatusCode.OK, (await Admin.GetAsync("/api/v1/api-keys")).StatusCode);
        using var southClient = ClientWith((string)south["key"]!);
        Assert.Equal(HttpStatusCode.OK, (await southClient.GetAsync("/api/v1/patients?siteId=south")).StatusCode);
    }

    [Fact]
    public async Task A_site_bound_admin_reads_only_its_own_sites_audit()
    {
        var northPatient = await CreatePatientAsync(siteId: "north");
        var southPatient = await CreatePatientAsync(siteId: "south");
        await GetOkAsync($"/api/v1/patients/{northPatient}");
        await GetOkAsync($"/api/v1/patients/{southPatient}");
        using var north = await NorthAdminAsync();

        Assert.Equal(HttpStatusCode.Forbidden, (await north.GetAsync($"/api/v1/audit?patientId={southPatient}")).StatusCode);
        var rows = (await north.GetFromJsonAsync<JsonNode>("/api/v1/audit?limit=500"))!["items"]!.AsArray();
        Assert.Contains(rows, r => (string?)r!["patientId"] == northPatient);
        Assert.DoesNotContain(rows, r => (string?)r!["patientId"] == southPatient);
        // Besides its site's patients' rows, only admin rows about its own site (its own calls among them).
        Assert.All(rows, r => Assert.True((string?)r!["patientId"] is not null || (string?)r["siteId"] == "north", r.ToJsonString()));
        // The unbound admin still reads everything.
        var all = (await Admin.GetFromJsonAsync<JsonNode>("/api/v1/audit?limit=500"))!["items"]!.AsArray();
        Assert.Contains(all, r => (string?)r!["patientId"] == southPatient);
    }
}
