using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// PublicBaseUrl at start-up, on the built service: required outside Development (one plain line otherwise), validated
/// everywhere, derived from the listening address in Development — never from the Host header.
/// </summary>
public sealed class PublicBaseUrlStartupTests : IDisposable
{
    private const string AdminKey = "public-base-url-test-admin-key-0123456789";
    private readonly string _workDir = Directory.CreateTempSubdirectory("ko-baseurl-").FullName;

    private BuiltService Start(string environment, string publicBaseUrl) => new(_workDir, new Dictionary<string, string>
    {
        ["Auth__BootstrapAdminKey"] = AdminKey,
        ["ASPNETCORE_ENVIRONMENT"] = environment,
        ["PublicBaseUrl"] = publicBaseUrl,
    });

    [Theory]
    [InlineData("Production", "")]
    [InlineData("Staging", "")]
    [InlineData("Production", "outcomes.clinic.example")]
    [InlineData("Production", "https://outcomes.clinic.example/?tenant=1")]
    [InlineData("Production", "https://outcomes.clinic.example/#top")]
    [InlineData("Development", "ftp://outcomes.clinic.example")]
    [InlineData("Development", "https://user:secret@outcomes.clinic.example")]
    public async Task Missing_outside_Development_or_invalid_PublicBaseUrl_stops_the_service_with_one_plain_line(string environment, string value)
    {
        using var service = Start(environment, value);
        Assert.NotEqual(0, await service.ExitCodeAsync());
        var line = Assert.Single(service.OutputLines(), l => l.Length > 0);
        Assert.StartsWith("PublicBaseUrl ", line, StringComparison.Ordinal);
        Assert.Contains("https://outcomes.clinic.example", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_Development_without_PublicBaseUrl_links_use_the_listening_address_not_the_Host_header()
    {
        using var service = Start("Development", "");
        var listening = await service.ListeningAsync();
        using var http = new HttpClient { BaseAddress = listening };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/fhir/r4/metadata");
        request.Headers.Host = "evil.example";
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        Assert.DoesNotContain("evil.example", body, StringComparison.Ordinal);
        Assert.Equal($"{listening.ToString().TrimEnd('/')}/fhir/r4", (string?)JsonNode.Parse(body)!["implementation"]!["url"]);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_workDir, recursive: true);
    }
}
