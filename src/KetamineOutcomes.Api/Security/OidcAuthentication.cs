using System.Security.Claims;
using KetamineOutcomes.Api.Corrections;
using KetamineOutcomes.Api.Endpoints;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Core;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace KetamineOutcomes.Api.Security;

/// <summary>
/// <c>Authorization: Bearer &lt;JWT&gt;</c> from the configured OpenID provider (SPEC v2 "People, not shared keys"),
/// validated by Microsoft.AspNetCore.Authentication.JwtBearer against the issuer's discovery document and JWKS: signature
/// by a key the issuer publishes now (an unknown <c>kid</c> makes the handler re-read the metadata in the background —
/// that request is refused, later ones accepted — so rotation needs no restart; a key the issuer dropped stops working
/// once that refresh happened), issuer, audience, lifetime (the library's 5-minute clock skew), and only
/// RS256, ES256 or PS256 (so <c>alg: none</c> and HMAC with a public key are refused). Every failure → 401.
/// The token's claims become the same principal an API key gets (<see cref="Caller.Principal"/>): actor
/// <c>{ type: "user", id: sub, name }</c>, role from <see cref="OidcOptions.RoleClaim"/>, site from
/// <see cref="OidcOptions.SiteClaim"/>. A token without exactly one known role, or with more than one site or a site that
/// is not an identifier, is authenticated without a role: every endpoint answers it 403 saying why. SMART resource scopes
/// of the token's <c>scope</c>/<c>scp</c> claims are kept on the principal and narrow its role's access
/// (<see cref="SmartScopeAuthorization"/>).
/// </summary>
internal static class OidcAuthentication
{
    public const string SchemeName = JwtBearerDefaults.AuthenticationScheme;

    /// <summary>HttpContext item holding why this token is refused (403 detail): set when the token is read, or by a scope check.</summary>
    internal const string RefusalKey = "oidc.refusal";

    // Asymmetric algorithms only: what OpenID providers sign access tokens with (RFC 9068 requires RS256 support).
    private static readonly string[] Algorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.RsaSsaPssSha256];

    public static AuthenticationBuilder AddOidcBearer(this AuthenticationBuilder builder)
    {
        builder.AddJwtBearer(SchemeName, _ => { });
        builder.Services.AddOptions<JwtBearerOptions>(SchemeName).Configure<IOptions<OidcOptions>>((o, settings) =>
        {
            var oidc = settings.Value;
            if (!oidc.Enabled) return; // never selected (Credentials.SchemeFor)
            o.Authority = oidc.Authority;
            o.Audience = oidc.Audience;
            o.RequireHttpsMetadata = oidc.RequireHttpsMetadata;
            // Claim names as the issuer wrote them (no mapping of "roles" or "sub" to .NET's long URIs).
            o.MapInboundClaims = false;
            o.TokenValidationParameters.ValidAlgorithms = Algorithms;
            o.TokenValidationParameters.ValidAudience = oidc.Audience;
            o.Events = new JwtBearerEvents
            {
                OnTokenValidated = context =>
                {
                    var (principal, refusal) = Map(context.Principal!, oidc);
                    if (principal is null)
                    {
                        context.Fail(refusal!);
                        return Task.CompletedTask;
                    }
                    context.Principal = principal;
                    if (refusal is not null) context.HttpContext.Items[RefusalKey] = refusal;
                    return Task.CompletedTask;
                },
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    var http = context.HttpContext;
                    http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    http.Response.Headers.WWWAuthenticate = context.AuthenticateFailure is null ? "Bearer" : "Bearer error=\"invalid_token\"";
                    await WriteAsync(http, 401, "Unauthorized", Unauthorized(context.AuthenticateFailure)).ConfigureAwait(false);
                },
                OnForbidden = context => WriteAsync(context.HttpContext, 403, "Forbidden",
                    context.HttpContext.Items[RefusalKey] as string ?? "This token's role may not use this endpoint."),
            };
        });
        // After the library's own post-configuration has built the metadata manager: no "last known good" metadata. The
        // library would otherwise keep accepting, for up to an hour, tokens signed by a key the issuer has dropped (it
        // falls back to the previous metadata when a token's key is missing from the current one); a key withdrawn after
        // a compromise must stop working at the next refresh.
        builder.Services.PostConfigure<JwtBearerOptions>(SchemeName, o =>
        {
            if (o.ConfigurationManager is BaseConfigurationManager manager) manager.UseLastKnownGoodConfiguration = false;
        });
        return builder;
    }

    /// <summary>
    /// The token's principal in the service's one shape; a null principal (with the reason) when the token names nobody
    /// (no <c>sub</c>): 401. A refusal beside a principal: authenticated without a role, 403 with that reason.
    /// </summary>
    internal static (ClaimsPrincipal? Principal, string? Refusal) Map(ClaimsPrincipal token, OidcOptions oidc)
    {
        var sub = token.FindFirst("sub")?.Value;
        if (string.IsNullOrEmpty(sub) || IdentifierText.FindRefused(sub) is not null) return (null, "The token has no usable sub claim.");
        var name = token.FindFirst("name")?.Value is { Length: > 0 } n && IdentifierText.FindRefused(n) is null ? IdentifierText.Canonical(n) : sub;
        var actor = new Actor(Actor.UserType, sub, name);

        var roles = token.FindAll(oidc.RoleClaim).Select(c => c.Value).Where(Roles.All.Contains).Distinct(StringComparer.Ordinal).ToArray();
        var sites = token.FindAll(oidc.SiteClaim).Select(c => c.Value).Distinct(StringComparer.Ordinal).ToArray();
        var siteErrors = new ValidationErrors();
        string? refusal = roles.Length switch
        {
            0 => $"The token's {oidc.RoleClaim} claim names no role of this service ({string.Join(", ", Roles.All)}).",
            > 1 => $"The token's {oidc.RoleClaim} claim names more than one role of this service ({string.Join(", ", roles)}); a caller acts in one.",
            _ => null,
        };
        if (sites.Length > 1) refusal ??= $"The token's {oidc.SiteClaim} claim names more than one site; a caller acts in one site, or (without the claim) in every site.";
        else if (sites.Length == 1 && FieldRules.Identifier(sites[0], oidc.SiteClaim, siteErrors) is not null && !siteErrors.IsEmpty)
            refusal ??= $"The token's {oidc.SiteClaim} claim is not a site identifier (1–64 letters, digits, '.', '_' or '-').";
        var role = refusal is null ? roles[0] : null;
        var site = refusal is null && sites.Length == 1 ? sites[0] : null;
        var principal = Caller.Principal(actor, role, site, null, SchemeName);
        // SMART resource scopes ride along; SmartScopeAuthorization narrows the role's access by them.
        ((ClaimsIdentity)principal.Identity!).AddClaims(SmartScopeAuthorization.ScopeClaims(token));
        return (principal, refusal);
    }

    // What failed, in words an integrator can act on; never the token or its claims.
    private static string Unauthorized(Exception? failure) => failure switch
    {
        null => "Send a bearer token from the configured issuer in the Authorization header, or an API key in X-Api-Key.",
        SecurityTokenExpiredException => "The bearer token has expired.",
        SecurityTokenNotYetValidException => "The bearer token is not valid yet.",
        SecurityTokenInvalidAudienceException => "The bearer token is not meant for this service (aud).",
        SecurityTokenInvalidIssuerException => "The bearer token is not from the configured issuer (iss).",
        SecurityTokenSignatureKeyNotFoundException => "The bearer token is not signed by a key the issuer publishes.",
        SecurityTokenInvalidAlgorithmException => "The bearer token's signing algorithm is not accepted (RS256, ES256 or PS256).",
        SecurityTokenInvalidSignatureException => "The bearer token's signature is missing or not valid.",
        AuthenticationFailureException a => a.Message,
        _ => "The bearer token is not valid.",
    };

    private static Task WriteAsync(HttpContext http, int status, string title, string detail)
    {
        http.Response.StatusCode = status;
        return http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        }).AsTask();
    }
}
