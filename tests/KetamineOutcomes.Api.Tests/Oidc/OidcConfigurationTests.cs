using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests.Oidc;

/// <summary>
/// Auth:Oidc settings the service must not run with stop the built service before anything starts: exit code 1 and one
/// plain line naming the setting (like every other configuration error; README "Signing people in").
/// </summary>
public sealed class OidcConfigurationTests : IDisposable
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("ko-oidc-config-").FullName;

    [Theory]
    [InlineData("https://login.example.org/realms/clinic", "outcomes", "false", "Auth:Oidc:RequireHttpsMetadata may be false only for a loopback authority (127.0.0.1, ::1, localhost); login.example.org is not.")]
    [InlineData("http://login.example.org/realms/clinic", "outcomes", "false", "Auth:Oidc:RequireHttpsMetadata may be false only for a loopback authority")]
    [InlineData("http://login.example.org/realms/clinic", "outcomes", null, "Auth:Oidc:Authority must use https")]
    [InlineData("http://127.0.0.1:8080/realms/clinic", "outcomes", null, "Auth:Oidc:Authority must use https (only a loopback authority may use http, with Auth:Oidc:RequireHttpsMetadata=false)")]
    [InlineData("https://login.example.org/realms/clinic", null, null, "Auth:Oidc:Authority and Auth:Oidc:Audience are set together (both or neither).")]
    [InlineData(null, "outcomes", null, "Auth:Oidc:Authority and Auth:Oidc:Audience are set together (both or neither).")]
    [InlineData("login.example.org", "outcomes", null, "Auth:Oidc:Authority must be an absolute https URL of the issuer; got 'login.example.org'.")]
    [InlineData("https://login.example.org/realms/clinic", "outcomes", "maybe", "Auth:Oidc:RequireHttpsMetadata must be true or false")]
    public async Task An_oidc_setting_that_is_not_allowed_stops_the_service_with_exit_code_1_and_one_line_naming_it(
        string? authority, string? audience, string? requireHttps, string expected)
    {
        var environment = new Dictionary<string, string> { ["Auth__BootstrapAdminKey"] = "oidc-configuration-test-admin-key-0123456789" };
        if (authority is not null) environment["Auth__Oidc__Authority"] = authority;
        if (audience is not null) environment["Auth__Oidc__Audience"] = audience;
        if (requireHttps is not null) environment["Auth__Oidc__RequireHttpsMetadata"] = requireHttps;
        using var service = new BuiltService(_workDir, environment);
        Assert.Equal(1, await service.ExitCodeAsync());
        var line = Assert.Single(service.OutputLines(), l => l.Length > 0);
        Assert.StartsWith(expected, line, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_workDir, "ketamine-outcomes.db")), "nothing starts: no database is created");
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_workDir, recursive: true);
    }
}
