using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests.Oidc;

/// <summary>
/// What a token's header and identity claims must look like (issue 23): typ within Auth:Oidc:ValidTokenTypes (default
/// at+jwt and JWT), sub at most 255 and name at most 200 characters without control or invisible characters, and a site
/// claim that is present names a site (an empty array is refused like "", never read as every site).
/// </summary>
public sealed class OidcTokenClaimTests(OidcProviderFixture oidc) : OidcApiTest(oidc)
{
    private async Task<(HttpStatusCode Status, string? Detail)> AnswerAsync(string token)
    {
        using var client = BearerClient(token);
        var response = await client.GetAsync("/api/v1/patients");
        var problem = response.StatusCode == HttpStatusCode.OK ? null : await response.Content.ReadFromJsonAsync<JsonNode>();
        return (response.StatusCode, (string?)problem?["detail"]);
    }

    private Dictionary<string, object> Claims(string sub = "claims-test") =>
        Provider.ClaimsFor(sub, "clinician", DateTimeOffset.UtcNow.AddSeconds(-5), TimeSpan.FromMinutes(5));

    [OidcFact]
    public async Task By_default_typ_at_jwt_and_JWT_are_accepted_and_a_token_without_typ_answers_401_naming_typ()
    {
        Assert.Equal(HttpStatusCode.OK, (await AnswerAsync(await Provider.SignAsync(Claims()))).Status);
        Assert.Equal(HttpStatusCode.OK, (await AnswerAsync(await Provider.SignAsync(Claims(), new() { ["typ"] = "JWT" }))).Status);
        var (status, detail) = await AnswerAsync(await Provider.SignAsync(Claims(), []));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("The bearer token's type (typ header) is missing or not accepted (at+jwt, JWT).", detail);
    }

    [OidcFact]
    public async Task A_sub_over_255_or_a_name_over_200_characters_or_with_a_control_character_answers_401_naming_the_claim()
    {
        foreach (var (claim, value) in new (string, string)[]
        {
            ("sub", new string('s', 256)), ("name", new string('n', 201)), ("name", "Ada\u0007 Nurse"), ("name", "Ada\u202E Nurse"), ("sub", "a\nb"),
        })
        {
            var claims = Claims();
            claims[claim] = value;
            var (status, detail) = await AnswerAsync(await Provider.SignAsync(claims));
            Assert.True(status == HttpStatusCode.Unauthorized, $"{claim} of {value.Length} → {(int)status}");
            Assert.StartsWith($"The token's {claim} claim is longer than", detail, StringComparison.Ordinal);
        }
        var atTheCaps = Claims(new string('s', 255));
        atTheCaps["name"] = new string('n', 200);
        Assert.Equal(HttpStatusCode.OK, (await AnswerAsync(await Provider.SignAsync(atTheCaps))).Status);
    }

    [OidcFact]
    public async Task A_site_claim_that_is_an_empty_array_answers_403_like_an_empty_string_and_never_sees_every_site()
    {
        await CreatePatientAsync(siteId: "north");
        foreach (var site in new object[] { Array.Empty<string>(), "" })
        {
            var claims = Claims();
            claims["site"] = site;
            var (status, detail) = await AnswerAsync(await Provider.SignAsync(claims));
            Assert.True(status == HttpStatusCode.Forbidden, $"site {System.Text.Json.JsonSerializer.Serialize(site)} → {(int)status}");
            Assert.Contains("site claim", detail, StringComparison.Ordinal);
        }
    }
}
