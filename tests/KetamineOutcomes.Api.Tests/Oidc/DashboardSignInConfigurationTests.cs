using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests.Oidc;

/// <summary>
/// Dashboard sign-in settings the service must not run with stop the built service before anything starts: exit code 1
/// and one plain line naming the setting, as every other Auth:Oidc mistake (README "Signing people in").
/// </summary>
public sealed class DashboardSignInConfigurationTests : IDisposable
{
    private const string Authority = "https://login.example.org/realms/clinic";
    private readonly string _workDir = Directory.CreateTempSubdirectory("ko-dash-signin-config-").FullName;

    [Theory]
    [InlineData(null, "ko-dashboard", null, null, "Auth:Oidc:DashboardClientId and Auth:Oidc:DashboardResource need the issuer: set Auth:Oidc:Authority and Auth:Oidc:Audience too.")]
    [InlineData(Authority, "ko dashboard", null, null, "Auth:Oidc:DashboardClientId must be the dashboard's client id at the issuer (printable ASCII, no spaces, at most 200 characters).")]
    [InlineData(Authority, "ko-dashboard", "profile outcomes", null, "Auth:Oidc:DashboardScope must be scopes separated by single spaces, including openid (RFC 6749 §3.3); got 'profile outcomes'.")]
    [InlineData(Authority, "ko-dashboard", null, "outcomes-api", "Auth:Oidc:DashboardResource must be an absolute URI without a fragment (RFC 8707 §2); got 'outcomes-api'.")]
    [InlineData(Authority, null, null, "https://outcomes.example.org/api", "Auth:Oidc:DashboardResource is sent by the dashboard's sign-in: set Auth:Oidc:DashboardClientId too.")]
    public async Task A_dashboard_sign_in_setting_that_is_not_allowed_stops_the_service_with_exit_code_1_and_one_line_naming_it(
        string? authority, string? clientId, string? scope, string? resource, string expected)
    {
        var environment = new Dictionary<string, string> { ["Auth__BootstrapAdminKey"] = "dashboard-signin-config-admin-key-0123456789" };
        if (authority is not null)
        {
            environment["Auth__Oidc__Authority"] = authority;
            environment["Auth__Oidc__Audience"] = "https://outcomes.example.org/api";
        }
        if (clientId is not null) environment["Auth__Oidc__DashboardClientId"] = clientId;
        if (scope is not null) environment["Auth__Oidc__DashboardScope"] = scope;
        if (resource is not null) environment["Auth__Oidc__DashboardResource"] = resource;
        using var service = new BuiltService(_workDir, environment);
        Assert.Equal(1, await service.ExitCodeAsync());
        var line = Assert.Single(service.OutputLines(), l => l.Length > 0);
        Assert.Equal(expected, line);
        Assert.False(File.Exists(Path.Combine(_workDir, "ketamine-outcomes.db")), "nothing starts: no database is created");
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_workDir, recursive: true);
    }
}
