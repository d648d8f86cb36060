using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests.Oidc;

/// <summary>
/// Runs where both the OpenID provider (<see cref="OidcFactAttribute"/>) and the browser (<see cref="BrowserFactAttribute"/>)
/// can run; skipped elsewhere with what is missing. <c>.ci/run</c> sets <c>KO_REQUIRE_OIDC=1</c> and
/// <c>KO_REQUIRE_BROWSER=1</c>: there the test runs, and a missing part fails it.
/// </summary>
public sealed class OidcBrowserFactAttribute : FactAttribute
{
    public OidcBrowserFactAttribute()
    {
        if (!OidcProvider.Required && OidcProvider.Missing() is { } noProvider)
            Skip = $"{noProvider}. To run: install Node.js 20+ and (cd tests/KetamineOutcomes.Oidc && npm ci) (.ci/run does this).";
        else if (!DashboardBrowserTests.BrowserRequired && DashboardBrowserTests.MissingForBrowser() is { } noBrowser)
            Skip = $"{noBrowser}. To run: sudo apt-get install -y chromium && (cd tests/KetamineOutcomes.E2E && npm ci) (.ci/run does this).";
    }
}

/// <summary>
/// The dashboard's sign-in (SPEC v2 "People, not shared keys"; issue 23) in real Chromium, driven by
/// <c>tests/KetamineOutcomes.E2E/oidc-signin.e2e.mjs</c>: the built service with the demo cohort and
/// <c>Auth:Oidc:DashboardClientId</c> set, the real test provider (its login page, authorization code + PKCE, a public
/// client), a clinician of one site who signs in, acknowledges an alert as themself and signs out.
/// </summary>
public sealed class DashboardSignInBrowserTests : IAsyncLifetime
{
    private const string AdminKey = "signin-test-bootstrap-admin-key-0123456789ab";
    private const string DashboardClient = "ko-dashboard";
    private const string Site = "demo-north";
    private static readonly OidcUser Ada = new("ada-0001", "ada", $"pw-{Guid.NewGuid():N}", "Dr Ada Nurse", ["clinician"], [Site]);

    private readonly string _workDir = Directory.CreateTempSubdirectory("ko-signin-").FullName;
    private OidcProvider? _provider;
    private BuiltService? _service;

    public async Task InitializeAsync()
    {
        if (OidcProvider.Missing() is not null && !OidcProvider.Required) return; // skipped
        _provider = await OidcProvider.StartAsync([], [Ada], [DashboardClient]);
        _service = new BuiltService(_workDir, new Dictionary<string, string>
        {
            ["Seed__Demo"] = "true",
            ["Auth__BootstrapAdminKey"] = AdminKey,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Auth__Oidc__Authority"] = _provider.Authority,
            ["Auth__Oidc__Audience"] = OidcProvider.Audience,
            ["Auth__Oidc__RequireHttpsMetadata"] = "false",
            ["Auth__Oidc__DashboardClientId"] = DashboardClient,
            ["Auth__Oidc__DashboardResource"] = OidcProvider.Audience,
        });
    }

    [OidcBrowserFact]
    public async Task A_clinician_signs_in_at_the_provider_sees_their_name_acknowledges_an_alert_as_themself_and_signs_out_in_Chromium()
    {
        Assert.Null(DashboardBrowserTests.MissingForBrowser()); // with KO_REQUIRE_BROWSER=1 a missing browser fails here
        Assert.Null(OidcProvider.Missing());
        var baseUri = await _service!.ListeningAsync();
        await _provider!.RegisterRedirectAsync(DashboardClient, baseUri);
        using var admin = new HttpClient { BaseAddress = baseUri };
        admin.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        var created = await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "sign-in test", role = "clinician" });
        using var api = new HttpClient { BaseAddress = baseUri };
        api.DefaultRequestHeaders.Add("X-Api-Key", (string)(await created.Content.ReadFromJsonAsync<JsonNode>())!["key"]!);
        var open = (await api.GetFromJsonAsync<JsonNode>($"/api/v1/safety-alerts?siteId={Site}&status=open&limit=1"))!["items"]!.AsArray();
        Assert.NotEmpty(open); // the demo site has an open alert to acknowledge

        var seen = await BrowserScript.RunAsync("oidc-signin.e2e.mjs", new Dictionary<string, string>
        {
            ["KO_BASE_URL"] = baseUri.ToString().TrimEnd('/'),
            ["KO_ISSUER"] = _provider.Authority,
            ["KO_USERNAME"] = Ada.Username,
            ["KO_PASSWORD"] = Ada.Password,
            ["KO_NAME"] = Ada.Name,
            ["KO_SCREENSHOTS"] = _workDir,
        });
        Assert.Empty(seen["problems"]!.AsArray());

        // Before: the sign-in button, no key field. The provider refused the wrong password on its own page.
        Assert.True((bool)seen["keySectionHidden"]!, "with an issuer configured the key field is not offered");
        Assert.Equal("Not signed in.", (string)seen["before"]!);
        Assert.Equal("Wrong username or password.", (string)seen["wrongPassword"]!);

        // The authorization request: code flow with PKCE (S256), the configured scope and resource, the dashboard as the
        // redirect; the token request: the code and its verifier, and no client secret.
        var authorize = seen["authorize"]!;
        Assert.Equal("code", (string)authorize["response_type"]!);
        Assert.Equal("S256", (string)authorize["code_challenge_method"]!);
        Assert.False(string.IsNullOrEmpty((string?)authorize["code_challenge"]));
        Assert.Equal(DashboardClient, (string)authorize["client_id"]!);
        Assert.Equal("openid profile", (string)authorize["scope"]!);
        Assert.Equal(OidcProvider.Audience, (string)authorize["resource"]!);
        Assert.Equal(baseUri.ToString(), (string)authorize["redirect_uri"]!);
        var token = seen["tokenRequest"]!.AsObject();
        Assert.Equal("authorization_code", (string)token["grant_type"]!);
        Assert.Equal("(present)", (string)token["code_verifier"]!);
        Assert.False(token.ContainsKey("client_secret"), "a public client sends no secret");

        // Signed in: the person's name, the code gone from the address bar, every API call with their bearer token.
        Assert.Equal("Signed in as Dr Ada Nurse.", (string)seen["signedInAs"]!);
        Assert.Equal(baseUri.ToString(), (string)seen["addressAfterSignIn"]!);
        Assert.True((bool)seen["signOutVisible"]!);
        Assert.True(seen["accessibility"]!.AsArray().Count == 0, $"axe-core (WCAG 2.1 A/AA) found: {seen["accessibility"]!.ToJsonString()}");
        Assert.True((bool)seen["hadToken"]!, "the token is kept in sessionStorage");
        Assert.Empty(seen["localStorageWhileSignedIn"]!.AsArray());
        var calls = seen["callsSignedIn"]!.AsArray();
        Assert.Contains(calls, c => ((string)c!["path"]!).EndsWith("/acknowledge", StringComparison.Ordinal));
        Assert.All(calls, c =>
        {
            Assert.True((bool)c!["bearerToken"]!, $"{c["path"]} carried the signed-in person's token");
            Assert.False((bool)c["apiKey"]!, $"{c["path"]} carried no key");
        });

        // The acknowledgement names the person, as the service saw them (SPEC v2: actor from sub and name).
        var acknowledgedId = (string)seen["acknowledged"]!;
        var acknowledged = (await api.GetFromJsonAsync<JsonNode>($"/api/v1/safety-alerts?siteId={Site}&status=acknowledged&limit=500"))!["items"]!
            .AsArray().Single(a => (string)a!["id"]! == acknowledgedId)!;
        Assert.Equal("user", (string)acknowledged["acknowledgedByActor"]!["type"]!);
        Assert.Equal(Ada.Sub, (string)acknowledged["acknowledgedByActor"]!["id"]!);
        Assert.Equal(Ada.Name, (string)acknowledged["acknowledgedByActor"]!["name"]!);
        Assert.Equal(Ada.Sub, (string)acknowledged["acknowledgedBy"]!);

        // A token the service refuses (401): the page forgets it and asks to sign in again; the issuer's session then signs
        // the person back in without its login page, with a new token on every call.
        var refused = seen["refused"]!;
        Assert.NotEmpty(refused["calls"]!.AsArray());
        Assert.All(refused["calls"]!.AsArray(), c => Assert.True((bool)c!["authorization"]!));
        Assert.Equal("Not signed in.", (string)refused["signedInAs"]!);
        Assert.False((bool)refused["tokenKept"]!, "the refused token is forgotten");
        var again = seen["signedInAgain"]!;
        Assert.Equal(0, (int)again["loginPages"]!);
        Assert.Equal(baseUri.ToString(), (string)again["address"]!);
        Assert.True((bool)again["newToken"]!);
        Assert.NotEmpty(again["calls"]!.AsArray());
        Assert.All(again["calls"]!.AsArray(), c => Assert.True((bool)c!["bearerToken"]!, $"{c["path"]} carried the new token"));

        // Signed out at the issuer and back: nothing of the sign-in kept, nothing shown, no call made with the token.
        Assert.Equal("Not signed in.", (string)seen["afterSignOut"]!);
        Assert.Equal(0, (int)seen["alertsAfterSignOut"]!);
        Assert.False((bool)seen["tokenKeptAfterSignOut"]!, "the token is gone from sessionStorage");
        Assert.DoesNotContain(seen["storageAfterSignOut"]!.AsArray(), k => ((string)k!).StartsWith("oidc.user:", StringComparison.Ordinal));
        Assert.Empty(seen["localStorageAfterSignOut"]!.AsArray());
        Assert.Empty(seen["callsSignedOut"]!.AsArray());

        var shot = await File.ReadAllBytesAsync(Path.Combine(_workDir, "signed-in.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], shot[..4]);
    }

    public async Task DisposeAsync()
    {
        _service?.Dispose();
        if (_provider is not null) await _provider.DisposeAsync();
        try { Directory.Delete(_workDir, recursive: true); } catch (IOException) { }
    }
}
