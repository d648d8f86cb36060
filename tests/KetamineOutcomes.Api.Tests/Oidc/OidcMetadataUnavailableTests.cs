using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KetamineOutcomes.Api.Tests.Oidc;

/// <summary>
/// The issuer unreachable before its metadata was ever read (issue 23): bearer tokens cannot be checked, so they answer
/// 503 with Retry-After naming the identity provider's metadata (not a 401 blaming the token), a warning is logged
/// without the token, and API keys keep working.
/// </summary>
public sealed class OidcMetadataUnavailableTests(OidcProviderFixture oidc)
    : OidcApiTest(oidc, new() { ["Auth:Oidc:Authority"] = $"http://127.0.0.1:{DeadPort()}" })
{
    // A port nothing listens on: bound, read, released.
    private static int DeadPort() => TestPorts.Free();

    [OidcFact]
    public async Task A_bearer_token_answers_503_with_retry_after_and_a_logged_warning_while_an_api_key_answers_200()
    {
        var capture = new LogCapture();
        using var app = App.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddLogging(l => l.AddProvider(capture))));
        var token = await Provider.TokenAsync("clinician-user");
        using var bearer = app.CreateClient();
        bearer.DefaultRequestHeaders.Authorization = new("Bearer", token);

        var response = await bearer.GetAsync("/api/v1/patients");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"Retry-After: {response.Headers.RetryAfter}");
        Assert.Contains("identity provider's metadata", (string)(await response.Content.ReadFromJsonAsync<JsonNode>())!["detail"]!, StringComparison.Ordinal);

        var warning = Assert.Single(capture.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("metadata", StringComparison.Ordinal));
        Assert.DoesNotContain(token.Split('.')[1], warning, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Split('.')[2], warning, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/api/v1/patients")).StatusCode); // the clinician key
    }
}
