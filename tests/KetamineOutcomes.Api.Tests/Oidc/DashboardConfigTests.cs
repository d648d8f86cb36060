using System.Net;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests.Oidc;

/// <summary>
/// <c>GET /dashboard/config.json</c> and the dashboard page's policy with <c>Auth:Oidc:DashboardClientId</c> set (SPEC v2
/// "People, not shared keys"): the page learns the issuer, its public client id, scopes and resource, may connect to that
/// issuer's origin and no other, and holds no secret. The issuer is never contacted here (no token is sent).
/// </summary>
public sealed class DashboardConfigWithSignInTests() : ApiTest(new()
{
    ["Auth:Oidc:Authority"] = "https://login.example.org/realms/clinic",
    ["Auth:Oidc:Audience"] = Audience,
    ["Auth:Oidc:DashboardClientId"] = "ko-dashboard",
    ["Auth:Oidc:DashboardScope"] = "openid profile outcomes",
    ["Auth:Oidc:DashboardResource"] = Audience,
})
{
    private const string Audience = "https://outcomes.example.org/api";

    [Fact]
    public async Task Dashboard_config_names_the_issuer_the_public_client_id_the_scopes_and_the_resource_to_anyone_and_is_not_cached()
    {
        using var anonymous = ClientWith(null);
        var response = await anonymous.GetAsync("/dashboard/config.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            { "oidc": { "authority": "https://login.example.org/realms/clinic", "clientId": "ko-dashboard",
                        "scope": "openid profile outcomes", "resource": "https://outcomes.example.org/api" } }
            """), body), body.ToJsonString());
    }

    [Fact]
    public async Task The_dashboard_page_may_connect_to_its_own_origin_and_the_issuers_origin_only()
    {
        using var anonymous = ClientWith(null);
        foreach (var path in new[] { "/", "/dashboard/config.json" })
        {
            var policy = (await anonymous.GetAsync(path)).Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("connect-src 'self' https://login.example.org;", policy, StringComparison.Ordinal);
            Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
        }
        // The API's own responses keep the policy that allows nothing.
        var api = (await Client.GetAsync("/api/v1/safety-alerts")).Headers.GetValues("Content-Security-Policy").Single();
        Assert.DoesNotContain("login.example.org", api, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dashboard_page_its_scripts_and_its_config_hold_no_secret()
    {
        using var anonymous = ClientWith(null);
        var config = await anonymous.GetStringAsync("/dashboard/config.json");
        Assert.DoesNotContain("secret", config, StringComparison.OrdinalIgnoreCase);
        foreach (var path in new[] { "/", "/dashboard/credentials.js", "/dashboard/dashboard.js", "/dashboard/config.json" })
        {
            var text = await anonymous.GetStringAsync(path);
            Assert.DoesNotContain(AdminKey, text, StringComparison.Ordinal);
            Assert.DoesNotContain(ClinicianKey, text, StringComparison.Ordinal);
            Assert.DoesNotContain("client_secret", text, StringComparison.Ordinal);
        }
        // The page's sign-in is the vendored library, served as a static file with its licence beside it.
        var library = await anonymous.GetStringAsync("/dashboard/vendor/oidc-client-ts.min.js");
        Assert.StartsWith("/*! oidc-client-ts 3.5.0", library, StringComparison.Ordinal);
        Assert.Contains("Apache License", await anonymous.GetStringAsync("/dashboard/vendor/oidc-client-ts.LICENSE.txt"), StringComparison.Ordinal);
        Assert.Contains("""<script src="/dashboard/vendor/oidc-client-ts.min.js" defer></script>""", await anonymous.GetStringAsync("/"), StringComparison.Ordinal);
    }
}

/// <summary>Without <c>Auth:Oidc:DashboardClientId</c> (even with bearer tokens accepted) the dashboard asks for a key.</summary>
public sealed class DashboardConfigWithoutSignInTests() : ApiTest(new()
{
    ["Auth:Oidc:Authority"] = "https://login.example.org/realms/clinic",
    ["Auth:Oidc:Audience"] = "https://outcomes.example.org/api",
})
{
    [Fact]
    public async Task Dashboard_config_has_no_issuer_without_a_dashboard_client_and_the_page_connects_to_its_own_origin_only()
    {
        using var anonymous = ClientWith(null);
        var response = await anonymous.GetAsync("/dashboard/config.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{ "oidc": null }"""), body), body.ToJsonString());
        var policy = (await anonymous.GetAsync("/")).Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("connect-src 'self';", policy, StringComparison.Ordinal);
    }
}

/// <summary>Without any OIDC settings (the README's first run) the dashboard asks for a key.</summary>
public sealed class DashboardConfigWithoutOidcTests : ApiTest
{
    [Fact]
    public async Task Dashboard_config_has_no_issuer_when_oidc_is_not_configured()
    {
        using var anonymous = ClientWith(null);
        var body = JsonNode.Parse(await anonymous.GetStringAsync("/dashboard/config.json"))!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{ "oidc": null }"""), body), body.ToJsonString());
    }
}
