namespace KetamineOutcomes.Api.Tests.Oidc;

/// <summary>
/// Runs where Node.js and the provider folder's packages are installed; skipped elsewhere with the reason, so the README's
/// <c>dotnet test</c> passes on a machine without them. <c>.ci/run</c> sets <c>KO_REQUIRE_OIDC=1</c>: there a missing
/// provider fails the test instead of skipping it.
/// </summary>
public sealed class OidcFactAttribute : FactAttribute
{
    public OidcFactAttribute()
    {
        if (OidcProvider.Required) return;
        if (OidcProvider.Missing() is { } missing)
            Skip = $"{missing}. To run: install Node.js 20+ and (cd tests/KetamineOutcomes.Oidc && npm ci), then dotnet test (.ci/run does this).";
    }
}

/// <summary>
/// One provider per test class with the callers the tests need: people of each role (unbound, as unbound keys are), a
/// clinician of site north and one of south, an EHR system signing ES256 and one PS256, and tokens the service must
/// refuse (no known role, two roles, two sites).
/// </summary>
public sealed class OidcProviderFixture : IAsyncLifetime
{
    public static readonly OidcClient[] Clients =
    [
        new("portal-user", "Portal User", ["portal"], []),
        new("clinician-user", "Casey Clinician", ["clinician"], []),
        new("ehr-user", "EHR Interface", ["ehr"], [], "ES256"),
        new("researcher-user", "Riley Researcher", ["researcher"], []),
        new("admin-user", "Alex Admin", ["admin"], []),
        new("nurse-north", "Ada Nurse", ["clinician", "offline_access"], ["north"]),
        new("nurse-south", "Sam Nurse", ["clinician"], ["south"]),
        new("ehr-north", "North EHR", ["ehr"], ["north"], "PS256"),
        new("portal-north", "North Portal", ["portal"], ["north"]),
        new("no-role", "Nobody Known", ["offline_access", "uma_authorization"], ["north"]),
        new("two-roles", "Two Hats", ["clinician", "admin"], []),
        new("two-sites", "Two Sites", ["clinician"], ["north", "south"]),
    ];

    private OidcProvider? _provider;

    /// <summary>The running provider (a test that got here has it: <see cref="OidcFactAttribute"/> skipped the others).</summary>
    public OidcProvider Provider => _provider ?? throw new InvalidOperationException($"No OpenID provider: {OidcProvider.Missing()}");

    public async Task InitializeAsync()
    {
        if (OidcProvider.Missing() is null || OidcProvider.Required) _provider = await OidcProvider.StartAsync(Clients);
    }

    public async Task DisposeAsync()
    {
        if (_provider is not null) await _provider.DisposeAsync();
    }
}
