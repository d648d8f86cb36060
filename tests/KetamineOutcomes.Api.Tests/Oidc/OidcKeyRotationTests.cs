using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests.Oidc;

/// <summary>
/// Key rotation at the issuer (issue 23): an unknown kid re-reads the JWKS at most every Auth:Oidc:KeyRefreshInterval
/// (1 s here, 30 s by default), so neither a second rotation nor a junk token sent just before one locks new keys out for
/// the library's 5 minutes; a key rotated away answers 401 once the service has re-read the keys.
/// </summary>
public sealed class OidcKeyRotationTests(OidcProviderFixture oidc)
    : OidcApiTest(oidc, new() { ["Auth:Oidc:KeyRefreshInterval"] = "00:00:01" })
{
    private const string KeyNotPublished = "The bearer token is not signed by a key the issuer publishes.";

    // Polls for up to 5 s (the refresh runs in the background; well under the library's 5 minutes).
    private async Task<HttpStatusCode> AcceptedSoonAsync(string token)
    {
        using var client = BearerClient(token);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        HttpStatusCode answer;
        while ((answer = (await client.GetAsync("/api/v1/patients")).StatusCode) != HttpStatusCode.OK && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        return answer;
    }

    private async Task<(HttpStatusCode Status, string? Detail)> AnswerAsync(string token)
    {
        using var client = BearerClient(token);
        var response = await client.GetAsync("/api/v1/patients");
        var problem = response.StatusCode == HttpStatusCode.OK ? null : await response.Content.ReadFromJsonAsync<JsonNode>();
        return (response.StatusCode, (string?)problem?["detail"]);
    }

    // What anyone can send: a kid the issuer never published, and a signature of random bytes.
    private static string Junk(object payload)
    {
        static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return string.Join('.', B64(Encoding.UTF8.GetBytes("""{"alg":"RS256","typ":"at+jwt","kid":"no-such-key"}""")),
            B64(JsonSerializer.SerializeToUtf8Bytes(payload)), B64(RandomNumberGenerator.GetBytes(256)));
    }

    [OidcFact]
    public async Task After_two_rotations_in_a_row_a_new_token_is_accepted_within_seconds_and_both_dropped_keys_answer_401()
    {
        var first = await Provider.TokenAsync("clinician-user");
        Assert.Equal(HttpStatusCode.OK, await AcceptedSoonAsync(first));
        await Provider.RotateKeysAsync();
        var second = await Provider.TokenAsync("clinician-user");
        Assert.Equal(HttpStatusCode.OK, await AcceptedSoonAsync(second)); // spends the first refresh

        await Provider.RotateKeysAsync();
        var third = await Provider.TokenAsync("clinician-user");
        Assert.Equal(HttpStatusCode.OK, await AcceptedSoonAsync(third));

        Assert.Equal((HttpStatusCode.Unauthorized, KeyNotPublished), await AnswerAsync(first));
        Assert.Equal((HttpStatusCode.Unauthorized, KeyNotPublished), await AnswerAsync(second));
    }

    [OidcFact]
    public async Task A_junk_token_with_an_unknown_kid_just_before_a_rotation_does_not_lock_the_new_key_out()
    {
        Assert.Equal(HttpStatusCode.OK, await AcceptedSoonAsync(await Provider.TokenAsync("clinician-user")));
        var junk = Junk(Provider.ClaimsFor("junk", "clinician", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        Assert.Equal((HttpStatusCode.Unauthorized, KeyNotPublished), await AnswerAsync(junk)); // spends a refresh

        await Provider.RotateKeysAsync();
        Assert.Equal(HttpStatusCode.OK, await AcceptedSoonAsync(await Provider.TokenAsync("clinician-user")));
    }
}
