using System.Globalization;
using KetamineOutcomes.Core;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Tokens;

namespace KetamineOutcomes.Api.Security;

/// <summary>
/// <c>Authorization: Bearer &lt;JWT&gt;</c> from the configured OpenID provider (SPEC v2 "People, not shared keys"),
/// validated by Microsoft.AspNetCore.Authentication.JwtBearer against the issuer's discovery document and JWKS: signature
/// by a key the issuer publishes now (an unknown <c>kid</c> makes the handler re-read the metadata in the background, at
/// most every <see cref="OidcOptions.KeyRefreshInterval"/> — that request is refused, later ones accepted — so rotation
/// needs no restart; a key the issuer dropped stops working at the next re-read, at the latest after
/// <see cref="OidcOptions.MetadataRefreshInterval"/>), issuer, audience, lifetime (the library's 5-minute clock skew),
/// <c>typ</c> in <see cref="OidcOptions.TokenTypes"/>, and only RS256, ES256 or PS256 (so <c>alg: none</c> and HMAC
/// with a public key are refused). Every failure → 401; while the issuer's metadata has never been read → 503 with
/// Retry-After (<see cref="IssuerMetadata"/>). The token's claims become the same principal an API key gets
/// (<see cref="Caller.Principal"/>): actor <c>{ type: "user", id: sub, name }</c> (sub ≤ 255 and name ≤ 200 characters
/// that <see cref="IdentifierText"/> accepts, else 401 naming the claim), role from <see cref="OidcOptions.RoleClaim"/>,
/// site from <see cref="OidcOptions.SiteClaim"/>. A token without exactly one known role, with more than one site, a site
/// that is not an identifier or a site claim naming none (<c>[]</c>), is authenticated without a role: every endpoint
/// answers it 403 saying why. A <c>portal</c> token is site-wide, never patient-bound (README "Signing people in"). SMART resource scopes
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
            o.TokenValidationParameters.ValidTypes = oidc.TokenTypes;
            o.Events = new JwtBearerEvents
            {
                OnTokenValidated = context =>
                {
                    var (principal, refusal) = OidcClaims.Map(context.Principal!, oidc, OidcClaims.HasClaim(context.SecurityToken, oidc.SiteClaim));
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
                    if (context.AuthenticateFailure is not null && context.Options.ConfigurationManager is IssuerMetadata { Unavailable: true })
                    {
                        // The token cannot be judged without the issuer's keys: the service's problem, not the caller's.
                        http.Response.Headers.RetryAfter = ((int)Math.Ceiling(oidc.KeyRefreshInterval.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                        await WriteAsync(http, 503, "Service Unavailable", MetadataUnavailable).ConfigureAwait(false);
                        return;
                    }
                    http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    http.Response.Headers.WWWAuthenticate = context.AuthenticateFailure is null ? "Bearer" : "Bearer error=\"invalid_token\"";
                    await WriteAsync(http, 401, "Unauthorized", Unauthorized(context.AuthenticateFailure, oidc)).ConfigureAwait(false);
                },
                OnForbidden = context => WriteAsync(context.HttpContext, 403, "Forbidden",
                    context.HttpContext.Items[RefusalKey] as string ?? "This token's role may not use this endpoint."),
            };
        });
        // After the library's own post-configuration (which set MetadataAddress and Backchannel): our metadata manager.
        // RefreshInterval bounds how often an unknown kid re-reads the JWKS (the library's 5 minutes let one junk token,
        // or a second rotation, lock new keys out that long); AutomaticRefreshInterval bounds how long a dropped key
        // lives when no new kid arrives. No "last known good" metadata: the library would otherwise keep accepting, for up
        // to an hour, tokens signed by a key the issuer has dropped; a key withdrawn after a compromise must stop working
        // at the next refresh.
        builder.Services.AddOptions<JwtBearerOptions>(SchemeName).PostConfigure<IOptions<OidcOptions>, ILoggerFactory>((o, settings, logs) =>
        {
            var oidc = settings.Value;
            if (!oidc.Enabled || string.IsNullOrEmpty(o.MetadataAddress)) return;
            var documents = new HttpDocumentRetriever(o.Backchannel ?? throw new InvalidOperationException("JwtBearer set no backchannel."))
            {
                RequireHttps = o.RequireHttpsMetadata,
            };
            o.ConfigurationManager = new IssuerMetadata(o.MetadataAddress, documents, logs.CreateLogger<IssuerMetadata>(), oidc.KeyRefreshInterval)
            {
                RefreshInterval = oidc.KeyRefreshInterval,
                AutomaticRefreshInterval = oidc.MetadataRefreshInterval,
                UseLastKnownGoodConfiguration = false,
            };
        });
        return builder;
    }

    internal const string MetadataUnavailable =
        "The identity provider's metadata (discovery document and signing keys) cannot be read, so bearer tokens cannot be checked now. Retry later, or use an API key.";

    // What failed, in words an integrator can act on; never the token or its claims.
    private static string Unauthorized(Exception? failure, OidcOptions oidc) => failure switch
    {
        null => "Send a bearer token from the configured issuer in the Authorization header, or an API key in X-Api-Key.",
        SecurityTokenExpiredException => "The bearer token has expired.",
        SecurityTokenNotYetValidException => "The bearer token is not valid yet.",
        SecurityTokenInvalidAudienceException => "The bearer token is not meant for this service (aud).",
        SecurityTokenInvalidIssuerException => "The bearer token is not from the configured issuer (iss).",
        SecurityTokenSignatureKeyNotFoundException => "The bearer token is not signed by a key the issuer publishes.",
        SecurityTokenInvalidAlgorithmException => "The bearer token's signing algorithm is not accepted (RS256, ES256 or PS256).",
        SecurityTokenInvalidTypeException => $"The bearer token's type (typ header) is missing or not accepted ({string.Join(", ", oidc.TokenTypes)}).",
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
