namespace KetamineOutcomes.Api.Contracts;

/// <summary>
/// <c>GET /dashboard/config.json</c> (SPEC v2 "People, not shared keys"): how the dashboard page authenticates.
/// <see cref="Oidc"/> null: no issuer for the dashboard is configured, the page asks for an API key (development).
/// </summary>
public sealed record DashboardConfigResponse(DashboardSignInSettings? Oidc);

/// <summary>
/// What a browser needs for the authorization-code flow with PKCE (RFC 7636) at the issuer, all of it public: the page is
/// a public client and holds no secret.
/// </summary>
/// <param name="Authority">The issuer (<c>Auth:Oidc:Authority</c>); its discovery document names the endpoints.</param>
/// <param name="ClientId">The dashboard's client id there (<c>Auth:Oidc:DashboardClientId</c>).</param>
/// <param name="Scope">Space-separated scopes to ask for (<c>Auth:Oidc:DashboardScope</c>), with <c>openid</c>.</param>
/// <param name="Resource">The resource indicator to send (RFC 8707; <c>Auth:Oidc:DashboardResource</c>), or null for none.</param>
public sealed record DashboardSignInSettings(string Authority, string ClientId, string Scope, string? Resource);
