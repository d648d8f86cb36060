using System.Net;

namespace KetamineOutcomes.Api.Tests.Oidc;

/// <summary>The rate limit is per caller (SPEC "Rate limit"): each signed-in person has their own bucket, like a key.</summary>
public sealed class OidcRateLimitTests(OidcProviderFixture oidc)
    : OidcApiTest(oidc, new() { ["RateLimiting:PermitsPerSecond"] = "1", ["RateLimiting:Burst"] = "3" })
{
    [OidcFact]
    public async Task A_signed_in_person_over_the_burst_gets_429_with_retry_after_while_another_person_is_still_served()
    {
        using var north = await SignedInAsync("nurse-north");
        using var south = await SignedInAsync("nurse-south");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++) statuses.Add((await north.GetAsync("/api/v1/patients")).StatusCode);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        var refused = await north.GetAsync("/api/v1/patients");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await south.GetAsync("/api/v1/patients")).StatusCode);
    }
}
