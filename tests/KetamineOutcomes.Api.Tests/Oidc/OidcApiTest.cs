using System.Net.Http.Headers;

namespace KetamineOutcomes.Api.Tests.Oidc;

/// <summary>The service configured with the fixture's provider (discovery over http, allowed for a loopback issuer).</summary>
public static class OidcSettings
{
    public static Dictionary<string, string?> For(OidcProviderFixture oidc, Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Auth:Oidc:Authority"] = oidc.Provider.Authority,
            ["Auth:Oidc:Audience"] = OidcProvider.Audience,
            ["Auth:Oidc:RequireHttpsMetadata"] = "false",
        };
        foreach (var (k, v) in more ?? []) settings[k] = v;
        return settings;
    }
}

/// <summary>An <see cref="ApiTest"/> whose service accepts the fixture provider's tokens beside API keys.</summary>
public abstract class OidcApiTest(OidcProviderFixture oidc, Dictionary<string, string?>? more = null)
    : ApiTest(OidcSettings.For(oidc, more)), IClassFixture<OidcProviderFixture>
{
    protected OidcProvider Provider { get; } = oidc.Provider;

    /// <summary>A client sending <c>Authorization: Bearer</c> with this token.</summary>
    protected HttpClient BearerClient(string token)
    {
        var client = App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A client sending a fresh token of this provider client.</summary>
    protected async Task<HttpClient> SignedInAsync(string clientId) => BearerClient(await Provider.TokenAsync(clientId));
}
