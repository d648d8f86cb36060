using System.Net;

namespace KetamineOutcomes.Api.Tests;

public class RateLimitTests() : ApiTest(new() { ["RateLimiting:PermitsPerSecond"] = "1", ["RateLimiting:Burst"] = "5" })
{
    public override Task InitializeAsync() => Task.CompletedTask; // keys are made below, not through the limited admin key

    [Fact]
    public async Task Requests_over_the_burst_get_429_with_retry_after_per_key()
    {
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 8; i++)
        {
            var response = await Admin.GetAsync("/api/v1/api-keys");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) limited ??= response;
        }
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.NotNull(limited);
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);

        // Another caller has its own bucket; health probes are never limited.
        Assert.Equal(HttpStatusCode.Unauthorized, (await ClientWith(null).GetAsync("/api/v1/patients")).StatusCode);
        for (var i = 0; i < 10; i++) Assert.Equal(HttpStatusCode.OK, (await ClientWith(null).GetAsync("/health/live")).StatusCode);
    }
}

public class ResponseHeaderTests : ApiTest
{
    [Fact]
    public async Task Responses_carry_no_store_and_standard_security_headers()
    {
        var patient = await CreatePatientAsync();
        foreach (var url in new[] { $"/api/v1/patients/{patient}", $"/api/v1/patients/{patient}/trends", "/api/v1/patients/" + Guid.NewGuid() })
        {
            var response = await Client.GetAsync(url);
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
            Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        }
    }
}
