using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests.Oidc;

/// <summary>A client of the test provider: the client-credentials tokens it gets carry these claims (sub = client id).</summary>
/// <param name="Roles">The <c>roles</c> claim (an array, as Entra ID and Keycloak send it).</param>
/// <param name="Sites">The <c>site</c> claim: absent when empty, a string for one, an array for several.</param>
/// <param name="Alg">RS256, ES256 or PS256: how the provider signs this client's tokens.</param>
/// <param name="Scope">SMART scopes (space-separated) the client asks for and is granted: the token's <c>scope</c> claim.</param>
public sealed record OidcClient(string ClientId, string Name, string[] Roles, string[] Sites, string Alg = "RS256", string? Scope = null);

/// <summary>A person with an account at the test provider, who signs in on its login page (the dashboard's sign-in
/// tests); their access tokens carry <c>sub</c>, <c>name</c>, <c>roles</c> and <c>site</c> as <see cref="OidcClient"/>'s do.</summary>
public sealed record OidcUser(string Sub, string Username, string Password, string Name, string[] Roles, string[] Sites);

/// <summary>
/// A real OpenID provider (npm <c>oidc-provider</c>, <c>tests/KetamineOutcomes.Oidc/provider.mjs</c>) on 127.0.0.1 on a
/// free port, one node process per instance, killed (with its tree) on dispose. Tokens come from its token endpoint by
/// the client-credentials grant; <see cref="RotateKeysAsync"/> and <see cref="SignAsync"/> use the script's test-only
/// control routes.
/// </summary>
public sealed class OidcProvider : IAsyncDisposable
{
    public static readonly string Dir = Path.Combine(RepoPaths.Root, "tests", "KetamineOutcomes.Oidc");

    /// <summary>The audience the service under test is configured with (a resource indicator at the provider).</summary>
    public const string Audience = "https://outcomes.test.example/api";

    private const string Secret = "test-client-secret-not-used-anywhere-else";

    private readonly Process _node;
    private readonly string _settingsFile;
    private readonly HttpClient _http;
    private readonly Dictionary<string, string?> _scopes;

    private OidcProvider(Process node, string settingsFile, Uri issuer, IReadOnlyList<OidcClient> clients)
    {
        _scopes = clients.ToDictionary(c => c.ClientId, c => c.Scope);
        _node = node;
        _settingsFile = settingsFile;
        Issuer = issuer;
        _http = new HttpClient { BaseAddress = issuer, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The issuer, e.g. <c>http://127.0.0.1:41234</c> (no trailing slash, as in its tokens).</summary>
    public Uri Issuer { get; }

    public string Authority => Issuer.GetLeftPart(UriPartial.Authority);

    /// <summary>Whether <c>.ci/run</c> asked for this test to run, never skip (KO_REQUIRE_OIDC=1).</summary>
    public static bool Required => Environment.GetEnvironmentVariable("KO_REQUIRE_OIDC") == "1";

    /// <summary>What this machine lacks to start the provider, or null.</summary>
    public static string? Missing()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        if (!path.Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, "node")))) return "no node on PATH";
        if (!Directory.Exists(Path.Combine(Dir, "node_modules", "oidc-provider"))) return $"oidc-provider not installed in {Dir} (npm ci)";
        return null;
    }

    /// <param name="users">People who sign in on the provider's login page.</param>
    /// <param name="interactiveClients">Public clients (no secret, authorization code + PKCE) they sign in to; each one's
    /// redirect URI is registered later with <see cref="RegisterRedirectAsync"/>.</param>
    public static async Task<OidcProvider> StartAsync(IReadOnlyList<OidcClient> clients, IReadOnlyList<OidcUser>? users = null, IReadOnlyList<string>? interactiveClients = null)
    {
        var settingsFile = Path.Combine(Path.GetTempPath(), $"ko-oidc-{Guid.NewGuid():N}.json");
        var settings = new JsonObject
        {
            ["clients"] = new JsonArray(clients.Select(c => (JsonNode)new JsonObject
            {
                ["clientId"] = c.ClientId,
                ["clientSecret"] = Secret,
                ["alg"] = c.Alg,
                ["claims"] = Claims(c),
                ["scope"] = c.Scope,
            }).ToArray()),
        };
        if (users is not null)
        {
            settings["users"] = new JsonArray(users.Select(u => (JsonNode)new JsonObject
            {
                ["sub"] = u.Sub, ["username"] = u.Username, ["password"] = u.Password, ["claims"] = Claims(u.Name, u.Roles, u.Sites),
            }).ToArray());
        }
        if (interactiveClients is not null)
            settings["interactiveClients"] = new JsonArray(interactiveClients.Select(id => (JsonNode)new JsonObject { ["clientId"] = id }).ToArray());
        await File.WriteAllTextAsync(settingsFile, settings.ToJsonString());
        var start = new ProcessStartInfo("node", ["provider.mjs", settingsFile])
        {
            WorkingDirectory = Dir, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        var node = Process.Start(start)!;
        var errors = new StringBuilder();
        node.ErrorDataReceived += (_, e) => { lock (errors) errors.AppendLine(e.Data); };
        node.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (await node.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("listening ", StringComparison.Ordinal)) return new OidcProvider(node, settingsFile, new Uri(line["listening ".Length..]), clients);
            }
        }
        catch (OperationCanceledException)
        {
        }
        node.Kill(entireProcessTree: true);
        await node.WaitForExitAsync();
        File.Delete(settingsFile);
        lock (errors) throw new InvalidOperationException($"The OpenID provider did not start: {errors}");
    }

    private static JsonObject Claims(OidcClient c) => Claims(c.Name, c.Roles, c.Sites);

    private static JsonObject Claims(string name, string[] roles, string[] sites)
    {
        var claims = new JsonObject { ["name"] = name, ["roles"] = new JsonArray(roles.Select(r => (JsonNode)r).ToArray()) };
        if (sites.Length == 1) claims["site"] = sites[0];
        else if (sites.Length > 1) claims["site"] = new JsonArray(sites.Select(s => (JsonNode)s).ToArray());
        return claims;
    }

    /// <summary>Registers where an interactive client returns after sign-in and sign-out (the dashboard's address, known
    /// once the service listens); the provider is rebuilt with it, with new signing keys.</summary>
    public async Task RegisterRedirectAsync(string clientId, Uri redirect)
    {
        var uris = new[] { redirect.ToString() };
        using var response = await _http.PostAsJsonAsync("/test/redirect-uris", new { clientId, redirectUris = uris, postLogoutRedirectUris = uris });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>An access token for the client from the provider's token endpoint (client credentials), for <paramref name="audience"/>.</summary>
    public async Task<string> TokenAsync(string clientId, string audience = Audience)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = Secret, ["resource"] = audience,
        };
        if (_scopes.GetValueOrDefault(clientId) is { } scope) form["scope"] = scope;
        using var response = await _http.PostAsync("/token", new FormUrlEncodedContent(form));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"token endpoint → {(int)response.StatusCode}: {body}");
        return (string)JsonNode.Parse(body)!["access_token"]!;
    }

    /// <summary>The issuer replaces its signing keys: from now on discovery and JWKS name only new ones.</summary>
    public async Task RotateKeysAsync() => (await _http.PostAsync("/test/rotate", null)).EnsureSuccessStatusCode();

    /// <summary>The JOSE header <see cref="SignAsync"/> adds by default: an RFC 9068 access token.</summary>
    public static readonly Dictionary<string, object> AccessTokenHeader = new() { ["typ"] = "at+jwt" };

    /// <summary>A JWT signed (RS256) with the issuer's current key, with exactly these claims: for expired or misnamed
    /// tokens. <paramref name="header"/> joins alg and kid (default <see cref="AccessTokenHeader"/>; an empty one: no
    /// typ; a kid there replaces the key's own).</summary>
    public async Task<string> SignAsync(object payload, Dictionary<string, object>? header = null)
    {
        using var response = await _http.PostAsJsonAsync("/test/sign", new { header = header ?? AccessTokenHeader, payload });
        response.EnsureSuccessStatusCode();
        return (string)(await response.Content.ReadFromJsonAsync<JsonNode>())!["token"]!;
    }

    /// <summary>Claims as a token of this issuer for the test audience carries them, valid from <paramref name="issuedAt"/> for <paramref name="lifetime"/>.</summary>
    public Dictionary<string, object> ClaimsFor(string sub, string role, DateTimeOffset issuedAt, TimeSpan lifetime, string? issuer = null, string audience = Audience) => new()
    {
        ["iss"] = issuer ?? Authority, ["aud"] = audience, ["sub"] = sub, ["name"] = sub, ["roles"] = new[] { role },
        ["iat"] = issuedAt.ToUnixTimeSeconds(), ["nbf"] = issuedAt.ToUnixTimeSeconds(), ["exp"] = (issuedAt + lifetime).ToUnixTimeSeconds(),
    };

    /// <summary>An unsigned JWT (<c>alg: none</c>, empty signature), built by hand as an attacker would.</summary>
    public static string WithoutSignature(object payload)
    {
        static string B64(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return $"{B64("""{"alg":"none","typ":"JWT"}""")}.{B64(JsonSerializer.Serialize(payload))}.";
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_node.HasExited)
        {
            _node.Kill(entireProcessTree: true);
            await _node.WaitForExitAsync();
        }
        _node.Dispose();
        File.Delete(_settingsFile);
    }
}
