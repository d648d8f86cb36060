using KetamineOutcomes.Api.Contracts;
using KetamineOutcomes.Api.Security;
using Microsoft.Extensions.Options;

namespace KetamineOutcomes.Api.Endpoints;

/// <summary>
/// <c>GET /dashboard/config.json</c> (SPEC v2 "People, not shared keys"): the dashboard page reads it before anything else
/// to learn whether it signs people in (authorization code + PKCE at <c>Auth:Oidc:Authority</c>) or asks for a key.
/// Anonymous, no data, nothing secret (a public client has none); <c>Cache-Control: no-store</c> like every response.
/// </summary>
internal static class DashboardConfigEndpoints
{
    public static IEndpointRouteBuilder MapDashboardConfig(this IEndpointRouteBuilder app)
    {
        app.MapGet("/dashboard/config.json", Get).AllowAnonymous().WithTags("Dashboard").WithName("DashboardConfig")
            .WithSummary("How the dashboard signs people in")
            .WithDescription("`oidc` names the issuer, the dashboard's public client id, the scopes and (optionally) the resource indicator for " +
                "the authorization-code flow with PKCE when `Auth:Oidc:DashboardClientId` is set; `oidc` is null otherwise (the page asks for an " +
                "API key). No key needed; holds no secret.");
        return app;
    }

    internal static DashboardConfigResponse Get(IOptions<OidcOptions> options)
    {
        var o = options.Value;
        return new DashboardConfigResponse(o.DashboardSignIn
            ? new DashboardSignInSettings(o.Authority!, o.DashboardClientId!, o.DashboardScope, string.IsNullOrEmpty(o.DashboardResource) ? null : o.DashboardResource)
            : null);
    }
}
