using KetamineOutcomes.Api.Contracts;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace KetamineOutcomes.Api.Security;

/// <summary>
/// <c>GET /fhir/r4/.well-known/smart-configuration</c> (where SMART clients look: relative to the FHIR base) and the same
/// document at <c>GET /.well-known/smart-configuration</c> (SPEC v2 "People, not shared keys"; SMART App Launch 2.x,
/// "Conformance"). Anonymous, application/json: <see cref="SmartConfigurationResponse"/>. The issuer's endpoints come from its OpenID
/// discovery document as the bearer-token validation already reads and caches it (JwtBearer's configuration manager);
/// scopes and capabilities say only what is true here. Errors are problem+json (not OperationOutcome: this is not a FHIR
/// resource): 404 when no OpenID provider is configured; 503 with Retry-After when the issuer's discovery document
/// cannot be read.
/// </summary>
internal static partial class SmartConfigurationEndpoints
{
    public const string Path = "/.well-known/smart-configuration";

    /// <summary>The copy under the FHIR base, where SMART App Launch tells clients to look.</summary>
    public const string FhirPath = "/fhir/r4" + Path;

    // SMART's grant types: authorization_code (App Launch) and client_credentials (Backend Services).
    private static readonly string[] SmartGrantTypes = ["authorization_code", "client_credentials"];

    public static IEndpointRouteBuilder MapSmartConfiguration(this IEndpointRouteBuilder app)
    {
        foreach (var (path, name) in new[] { (FhirPath, "FhirSmartConfiguration"), (Path, "SmartConfiguration") })
        {
            app.MapGet(path, Get).WithName(name).WithTags("FHIR R4").AllowAnonymous()
                .WithSummary("SMART App Launch 2.x discovery: the OpenID provider's endpoints and the SMART scopes honoured here")
                .WithDescription("Served when an OpenID provider is configured (Auth:Oidc); 404 otherwise, 503 when the provider's discovery document cannot be read. Needs no key.")
                .Produces<SmartConfigurationResponse>(StatusCodes.Status200OK, "application/json")
                .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        }
        return app;
    }

    internal static async Task<IResult> Get(HttpContext http, IOptions<OidcOptions> oidc, IOptionsMonitor<JwtBearerOptions> bearer, ILoggerFactory logs, CancellationToken ct)
    {
        if (!oidc.Value.Enabled)
            return Problem(404, "Not found", "SMART discovery is served only when an OpenID provider is configured (Auth:Oidc:Authority and Auth:Oidc:Audience).");
        if (bearer.Get(OidcAuthentication.SchemeName).ConfigurationManager is not IConfigurationManager<OpenIdConnectConfiguration> manager)
            return Unavailable(http);
        OpenIdConnectConfiguration issuer;
        try
        {
            issuer = await manager.GetConfigurationAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The library wraps every failure (refused connection, timeout, bad JSON) in one exception: name its type only.
            logs.CreateLogger(typeof(SmartConfigurationEndpoints)).DiscoveryUnavailable(e.GetType().Name);
            return Unavailable(http);
        }
        return TypedResults.Json(Document(issuer), contentType: "application/json");
    }

    /// <summary>The SMART configuration for an issuer's OpenID discovery document.</summary>
    internal static SmartConfigurationResponse Document(OpenIdConnectConfiguration issuer)
    {
        // OpenID Connect Discovery 1.0 §3 defaults for fields a provider leaves out.
        var grants = issuer.GrantTypesSupported.Count > 0 ? issuer.GrantTypesSupported : ["authorization_code", "implicit"];
        var authMethods = issuer.TokenEndpointAuthMethodsSupported.Count > 0 ? [.. issuer.TokenEndpointAuthMethodsSupported] : new List<string> { "client_secret_basic" };
        return new SmartConfigurationResponse(
            issuer.Issuer,
            issuer.JwksUri,
            string.IsNullOrEmpty(issuer.AuthorizationEndpoint) ? null : issuer.AuthorizationEndpoint,
            issuer.TokenEndpoint,
            [.. SmartGrantTypes.Where(grants.Contains)],
            authMethods,
            SmartEndpointMap.ScopesSupported(),
            [.. Capabilities(issuer, authMethods)],
            // SMART requires S256 and forbids plain: publish S256 only, and only if the issuer offers it.
            issuer.CodeChallengeMethodsSupported.Contains("S256") ? ["S256"] : []);
    }

    // Only what holds: the scope kinds SmartScopeSet honours, and the client profiles the issuer's token endpoint accepts.
    // Not claimed: permission-patient (no launch patient here), launch-ehr/launch-standalone and context-* (no launch
    // context), sso-openid-connect (no fhirUser claim).
    private static IEnumerable<string> Capabilities(OpenIdConnectConfiguration issuer, List<string> authMethods)
    {
        if (authMethods.Contains("none")) yield return "client-public";
        if (authMethods.Contains("client_secret_basic") || authMethods.Contains("client_secret_post")) yield return "client-confidential-symmetric";
        // SMART's asymmetric profile: private_key_jwt signed with RS384 or ES384.
        if (authMethods.Contains("private_key_jwt") && issuer.TokenEndpointAuthSigningAlgValuesSupported.Any(a => a is "RS384" or "ES384"))
            yield return "client-confidential-asymmetric";
        yield return "permission-v1";
        yield return "permission-v2";
        yield return "permission-user";
    }

    private static ProblemHttpResult Unavailable(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "30";
        return Problem(503, "Service unavailable", "The OpenID provider's discovery document could not be read; retry after the Retry-After seconds.");
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(new ProblemDetails { Status = status, Title = title, Detail = detail });

    [LoggerMessage(2301, LogLevel.Warning, "SMART configuration: the OpenID provider's discovery document could not be read ({ErrorType}); answered 503")]
    private static partial void DiscoveryUnavailable(this ILogger logger, string errorType);
}
