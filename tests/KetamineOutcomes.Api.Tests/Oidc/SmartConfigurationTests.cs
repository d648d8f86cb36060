using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests.Oidc;

/// <summary>
/// GET /.well-known/smart-configuration, at the FHIR base and at the root (SMART App Launch 2.x discovery; SPEC v2 "People,
/// not shared keys"): the real provider's endpoints as its own discovery document names them, and only true capabilities.
/// </summary>
public sealed class SmartConfigurationTests(SmartProviderFixture smart) : SmartApiTest(smart)
{
    public static readonly string[] Paths = ["/fhir/r4/.well-known/smart-configuration", "/.well-known/smart-configuration"];

    [OidcFact]
    public async Task The_smart_configuration_names_the_providers_own_endpoints_and_only_true_capabilities_at_both_paths()
    {
        using var direct = new HttpClient();
        var discovery = JsonNode.Parse(await direct.GetStringAsync(Provider.Authority + "/.well-known/openid-configuration"))!;
        foreach (var path in Paths)
        {
            var response = await ClientWith(null).GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {body}");
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var smart = JsonNode.Parse(body)!;
            foreach (var field in new[] { "issuer", "jwks_uri", "authorization_endpoint", "token_endpoint" })
            {
                Assert.False(string.IsNullOrEmpty((string?)discovery[field]), field);
                Assert.Equal((string?)discovery[field], (string?)smart[field]);
            }
            Assert.Equal(Provider.Authority, (string?)smart["issuer"]);
            Assert.Equal(["authorization_code", "client_credentials"], Strings(smart["grant_types_supported"]));
            Assert.Equal(Strings(discovery["token_endpoint_auth_methods_supported"]), Strings(smart["token_endpoint_auth_methods_supported"]));
            Assert.Equal(["S256"], Strings(smart["code_challenge_methods_supported"]));
            var capabilities = Strings(smart["capabilities"]);
            Assert.Contains("permission-v2", capabilities);
            Assert.Contains("permission-v1", capabilities);
            Assert.Contains("permission-user", capabilities);
            Assert.Contains("client-confidential-symmetric", capabilities); // the provider takes client secrets
            Assert.Contains("client-public", capabilities); // and "none" (public clients with PKCE)
            Assert.DoesNotContain("client-confidential-asymmetric", capabilities); // private_key_jwt, but neither RS384 nor ES384
            Assert.DoesNotContain("permission-patient", capabilities); // no launch patient here
            Assert.DoesNotContain("launch-ehr", capabilities);
            Assert.DoesNotContain("sso-openid-connect", capabilities);
            var scopes = Strings(smart["scopes_supported"]);
            Assert.Contains("system/QuestionnaireResponse.crus", scopes);
            Assert.Contains("system/Observation.s", scopes);
            Assert.Contains("user/Patient.crus", scopes);
            Assert.Contains("system/*.cruds", scopes);
        }
    }

    [OidcFact]
    public async Task The_configuration_endpoints_and_a_token_request_for_a_scope_it_lists_work_together()
    {
        var smart = JsonNode.Parse(await ClientWith(null).GetStringAsync(Paths[0]))!;
        // The token endpoint the document names is the one that issues this service's scoped tokens.
        Assert.Equal(Provider.Authority + "/token", (string?)smart["token_endpoint"]);
        var ehr = await SignedInAsync("ehr-observations");
        Assert.Equal(HttpStatusCode.Forbidden, (await ehr.GetAsync($"/api/v1/patients/{Guid.NewGuid()}")).StatusCode);
    }

    internal static string[] Strings(JsonNode? array) => [.. ((JsonArray)array!).Select(v => (string)v!)];
}

/// <summary>The SMART configuration without a usable OpenID provider: 404 when none is configured, 503 when it cannot be read.</summary>
public sealed class SmartConfigurationUnavailableTests
{
    [Fact]
    public async Task Without_an_OpenID_provider_the_smart_configuration_is_a_404_problem_at_both_paths()
    {
        await using var app = new OutcomesApp(new Dictionary<string, string?> { ["Auth:BootstrapAdminKey"] = "test-bootstrap-admin-key-0123456789abcdef" });
        foreach (var path in SmartConfigurationTests.Paths)
        {
            var response = await app.CreateClient().GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("Auth:Oidc:Authority", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_issuer_that_cannot_be_reached_makes_the_smart_configuration_a_503_problem_with_retry_after_not_a_500()
    {
        // A loopback port nobody listens on: the discovery request is refused at once.
        var port = TestPorts.Free();
        await using var app = new OutcomesApp(new Dictionary<string, string?>
        {
            ["Auth:BootstrapAdminKey"] = "test-bootstrap-admin-key-0123456789abcdef",
            ["Auth:Oidc:Authority"] = $"http://127.0.0.1:{port}",
            ["Auth:Oidc:Audience"] = OidcProvider.Audience,
            ["Auth:Oidc:RequireHttpsMetadata"] = "false",
        });
        foreach (var path in SmartConfigurationTests.Paths)
        {
            var response = await app.CreateClient().GetAsync(path);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        }
    }
}
