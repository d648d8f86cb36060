using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests.Oidc;

/// <summary>An operator whose issuer emits RFC 9068 access tokens narrows Auth:Oidc:ValidTokenTypes to at+jwt: a typ JWT
/// token, or one without typ, then answers 401 naming typ; the provider's own at+jwt tokens keep working.</summary>
public sealed class OidcTokenTypeTests(OidcProviderFixture oidc) : OidcApiTest(oidc, new() { ["Auth:Oidc:ValidTokenTypes:0"] = "at+jwt" })
{
    [OidcFact]
    public async Task Narrowed_to_at_jwt_a_typ_JWT_token_and_a_token_without_typ_answer_401_naming_typ()
    {
        var claims = Provider.ClaimsFor("typ-test", "clinician", DateTimeOffset.UtcNow.AddSeconds(-5), TimeSpan.FromMinutes(5));
        foreach (var header in new Dictionary<string, object>[] { new() { ["typ"] = "JWT" }, [] })
        {
            using var client = BearerClient(await Provider.SignAsync(claims, header));
            var response = await client.GetAsync("/api/v1/patients");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("The bearer token's type (typ header) is missing or not accepted (at+jwt).",
                (string?)(await response.Content.ReadFromJsonAsync<JsonNode>())!["detail"]);
        }
        using var real = await SignedInAsync("clinician-user");
        Assert.Equal(HttpStatusCode.OK, (await real.GetAsync("/api/v1/patients")).StatusCode);
    }
}
