using System.ComponentModel.DataAnnotations;
using System.Net;

namespace KetamineOutcomes.Api.Security;

/// <summary>
/// "Auth:Oidc" section (SPEC v2 "People, not shared keys"): with <see cref="Authority"/> and <see cref="Audience"/> set,
/// <c>Authorization: Bearer &lt;JWT&gt;</c> from that issuer is accepted beside <c>X-Api-Key</c>. Refused at start-up,
/// one line each: only one of the two set; an authority that is not an absolute http(s) URL; plain http, or
/// <see cref="RequireHttpsMetadata"/> false, for an authority that is not loopback; an empty claim name.
/// </summary>
public sealed class OidcOptions : IValidatableObject
{
    public const string SectionName = "Auth:Oidc";

    /// <summary>The issuer, e.g. <c>https://login.example.org/realms/clinic</c>; its discovery document is read from
    /// <c>{Authority}/.well-known/openid-configuration</c>, its signing keys from the <c>jwks_uri</c> named there.</summary>
    public string? Authority { get; set; }

    /// <summary>The <c>aud</c> every accepted token must carry: this service's identifier at the issuer.</summary>
    public string? Audience { get; set; }

    /// <summary>Discovery and keys over https only (default). False is allowed only for a loopback authority (tests).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>The claim holding the caller's role (a string or an array; default <c>roles</c>).</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>The claim holding the caller's one site (default <c>site</c>); a token without it acts across sites, like an unbound key.</summary>
    public string SiteClaim { get; set; } = "site";

    public bool Enabled => !string.IsNullOrEmpty(Authority) && !string.IsNullOrEmpty(Audience);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(Authority) != string.IsNullOrEmpty(Audience))
        {
            yield return new ValidationResult("Auth:Oidc:Authority and Auth:Oidc:Audience are set together (both or neither).");
            yield break;
        }
        if (string.IsNullOrWhiteSpace(RoleClaim)) yield return new ValidationResult("Auth:Oidc:RoleClaim must name a claim, e.g. roles.");
        if (string.IsNullOrWhiteSpace(SiteClaim)) yield return new ValidationResult("Auth:Oidc:SiteClaim must name a claim, e.g. site.");
        if (!Enabled) yield break;
        if (!Uri.TryCreate(Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
        {
            yield return new ValidationResult($"Auth:Oidc:Authority must be an absolute https URL of the issuer; got '{Authority}'.");
            yield break;
        }
        if (!RequireHttpsMetadata && !IsLoopback(authority))
            yield return new ValidationResult($"Auth:Oidc:RequireHttpsMetadata may be false only for a loopback authority (127.0.0.1, ::1, localhost); {authority.Host} is not.");
        else if (RequireHttpsMetadata && authority.Scheme != "https")
            yield return new ValidationResult($"Auth:Oidc:Authority must use https (only a loopback authority may use http, with Auth:Oidc:RequireHttpsMetadata=false); got '{Authority}'.");
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
