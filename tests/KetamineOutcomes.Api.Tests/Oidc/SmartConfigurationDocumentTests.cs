using KetamineOutcomes.Api.Security;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace KetamineOutcomes.Api.Tests.Oidc;

/// <summary>The SMART configuration claims what the issuer's discovery document supports, and nothing it does not.</summary>
public sealed class SmartConfigurationDocumentTests
{
    private static OpenIdConnectConfiguration Issuer(Action<OpenIdConnectConfiguration>? change = null)
    {
        var c = new OpenIdConnectConfiguration
        {
            Issuer = "https://login.example.org/realms/clinic",
            JwksUri = "https://login.example.org/realms/clinic/certs",
            TokenEndpoint = "https://login.example.org/realms/clinic/token",
        };
        change?.Invoke(c);
        return c;
    }

    [Fact]
    public void A_provider_that_lists_nothing_gets_the_OpenID_defaults_authorization_code_and_client_secret_basic_and_no_PKCE_claim()
    {
        var d = SmartConfigurationEndpoints.Document(Issuer());
        Assert.Equal(["authorization_code"], d.GrantTypesSupported);
        Assert.Equal(["client_secret_basic"], d.TokenEndpointAuthMethodsSupported);
        Assert.Empty(d.CodeChallengeMethodsSupported);
        Assert.Null(d.AuthorizationEndpoint);
        Assert.Equal(["client-confidential-symmetric", "permission-v1", "permission-v2", "permission-user"], d.Capabilities);
    }

    [Fact]
    public void The_asymmetric_client_profile_is_claimed_only_with_private_key_jwt_and_RS384_or_ES384()
    {
        var withoutAlg = SmartConfigurationEndpoints.Document(Issuer(c => c.TokenEndpointAuthMethodsSupported.Add("private_key_jwt")));
        Assert.DoesNotContain("client-confidential-asymmetric", withoutAlg.Capabilities);
        Assert.DoesNotContain("client-confidential-symmetric", withoutAlg.Capabilities);
        var with = SmartConfigurationEndpoints.Document(Issuer(c =>
        {
            c.TokenEndpointAuthMethodsSupported.Add("private_key_jwt");
            c.TokenEndpointAuthSigningAlgValuesSupported.Add("ES384");
        }));
        Assert.Contains("client-confidential-asymmetric", with.Capabilities);
    }

    [Fact]
    public void Only_SMART_grant_types_and_only_S256_are_passed_on()
    {
        var d = SmartConfigurationEndpoints.Document(Issuer(c =>
        {
            foreach (var g in new[] { "implicit", "client_credentials", "refresh_token", "password" }) c.GrantTypesSupported.Add(g);
            c.CodeChallengeMethodsSupported.Add("plain");
            c.CodeChallengeMethodsSupported.Add("S256");
        }));
        Assert.Equal(["client_credentials"], d.GrantTypesSupported);
        Assert.Equal(["S256"], d.CodeChallengeMethodsSupported);
    }
}
