using System.ComponentModel.DataAnnotations;
using System.Net;

namespace KetamineOutcomes.Api.Security;

/// <summary>
/// "Auth:Oidc" section (SPEC v2 "People, not shared keys"): with <see cref="Authority"/> and <see cref="Audience"/> set,
/// <c>Authorization: Bearer &lt;JWT&gt;</c> from that issuer is accepted beside <c>X-Api-Key</c>. Refused at start-up,
/// one line each: only one of the two set; an authority that is not an absolute http(s) URL; plain http, or
/// <see cref="RequireHttpsMetadata"/> false, for an authority that is not loopback; an empty claim name; dashboard
/// settings without the issuer, a dashboard scope without <c>openid</c>, a resource that is not an absolute URI; refresh
/// intervals out of range; an empty or unprintable <c>typ</c> list.
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

    /// <summary>
    /// The dashboard's client id at the issuer (SPEC v2 "People, not shared keys"): set, the dashboard signs clinicians
    /// in with the authorization-code flow and PKCE (RFC 7636) instead of asking for a key. A public client: no secret
    /// exists for it, none is configured here and none reaches the page. Register it with redirect URI and post-logout
    /// redirect URI both the dashboard's address (<c>https://&lt;host&gt;/</c>).
    /// </summary>
    public string? DashboardClientId { get; set; }

    /// <summary>The scopes the dashboard asks for (space-separated, RFC 6749 §3.3; default <c>openid profile</c>): must
    /// include <c>openid</c> (the ID token names the person shown as signed in). Add the API's scope where the issuer
    /// wants one (Entra ID: <c>api://…/access</c>).</summary>
    public string DashboardScope { get; set; } = "openid profile";

    /// <summary>Optional resource indicator (RFC 8707) the dashboard sends so the access token's <c>aud</c> is this
    /// service (usually <see cref="Audience"/>); an absolute URI without a fragment. Unset, none is sent (issuers that
    /// pick the audience from the scope or a mapper).</summary>
    public string? DashboardResource { get; set; }

    /// <summary>
    /// At most how often a token signed by a key the service has not seen (an unknown <c>kid</c>) makes it re-read the
    /// issuer's discovery document and JWKS (Microsoft.IdentityModel's <c>RefreshInterval</c>, whose default of 5 minutes
    /// let one junk token, or a second rotation, lock new keys out that long). Default 30 s; 1 s to 5 min.
    /// </summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often the metadata is re-read whatever tokens arrive (the library's <c>AutomaticRefreshInterval</c>, default
    /// 12 h there): the longest a key the issuer dropped keeps being accepted when no token with a new <c>kid</c> comes.
    /// Default 10 min; 5 min (the library's minimum) to 12 h.
    /// </summary>
    public TimeSpan MetadataRefreshInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The JOSE <c>typ</c> header values accepted (compared exactly); a token whose <c>typ</c> is missing or not listed →
    /// 401. Unset: <see cref="DefaultTokenTypes"/>. RFC 9068 access tokens are <c>at+jwt</c>; Entra ID and Keycloak issue
    /// <c>JWT</c>. With <c>JWT</c> allowed, the audience check is what keeps an ID token (aud = a client) out.
    /// (Null rather than a default array: the configuration binder appends to an array's defaults, so a default could
    /// never be narrowed.)
    /// </summary>
    public string[]? ValidTokenTypes { get; set; }

    public static readonly string[] DefaultTokenTypes = ["at+jwt", "JWT"];

    /// <summary>The accepted <c>typ</c> values: <see cref="ValidTokenTypes"/>, or <see cref="DefaultTokenTypes"/> unset.</summary>
    public IReadOnlyList<string> TokenTypes => ValidTokenTypes ?? DefaultTokenTypes;

    public bool Enabled => !string.IsNullOrEmpty(Authority) && !string.IsNullOrEmpty(Audience);

    /// <summary>Whether the dashboard signs people in (issuer configured and <see cref="DashboardClientId"/> set).</summary>
    public bool DashboardSignIn => Enabled && !string.IsNullOrEmpty(DashboardClientId);

    /// <summary>The origin of <see cref="Authority"/> (scheme, host, port): where the signed-in dashboard fetches
    /// discovery and tokens from, so its content security policy allows that origin and no other.</summary>
    public string? AuthorityOrigin => Enabled && Uri.TryCreate(Authority, UriKind.Absolute, out var a) ? a.GetLeftPart(UriPartial.Authority) : null;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(Authority) != string.IsNullOrEmpty(Audience))
        {
            yield return new ValidationResult("Auth:Oidc:Authority and Auth:Oidc:Audience are set together (both or neither).");
            yield break;
        }
        if (string.IsNullOrWhiteSpace(RoleClaim)) yield return new ValidationResult("Auth:Oidc:RoleClaim must name a claim, e.g. roles.");
        if (string.IsNullOrWhiteSpace(SiteClaim)) yield return new ValidationResult("Auth:Oidc:SiteClaim must name a claim, e.g. site.");
        foreach (var problem in DashboardProblems()) yield return new ValidationResult(problem);
        foreach (var problem in TokenProblems()) yield return new ValidationResult(problem);
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

    private IEnumerable<string> DashboardProblems()
    {
        var (clientId, resource) = (NullIfEmpty(DashboardClientId), NullIfEmpty(DashboardResource));
        if ((clientId ?? resource) is not null && !Enabled)
        {
            yield return "Auth:Oidc:DashboardClientId and Auth:Oidc:DashboardResource need the issuer: set Auth:Oidc:Authority and Auth:Oidc:Audience too.";
            yield break;
        }
        // RFC 6749 Appendix A.1: printable ASCII; a space would be a pasted mistake.
        if (clientId is not null && (clientId.Length > 200 || clientId.Any(c => c is < '!' or > '~')))
            yield return "Auth:Oidc:DashboardClientId must be the dashboard's client id at the issuer (printable ASCII, no spaces, at most 200 characters).";
        var scopes = DashboardScope.Split(' ');
        if (!scopes.Contains("openid", StringComparer.Ordinal) || scopes.Any(s => s.Length == 0 || s.Any(c => c is < '!' or > '~' or '"' or '\\')))
            yield return $"Auth:Oidc:DashboardScope must be scopes separated by single spaces, including openid (RFC 6749 §3.3); got '{DashboardScope}'.";
        if (resource is not null && (!Uri.TryCreate(resource, UriKind.Absolute, out var uri) || uri.Fragment.Length > 0))
            yield return $"Auth:Oidc:DashboardResource must be an absolute URI without a fragment (RFC 8707 §2); got '{resource}'.";
        else if (resource is not null && clientId is null)
            yield return "Auth:Oidc:DashboardResource is sent by the dashboard's sign-in: set Auth:Oidc:DashboardClientId too.";
    }

    private IEnumerable<string> TokenProblems()
    {
        if (KeyRefreshInterval < TimeSpan.FromSeconds(1) || KeyRefreshInterval > TimeSpan.FromMinutes(5))
            yield return $"Auth:Oidc:KeyRefreshInterval must be between 00:00:01 and 00:05:00 (hh:mm:ss); got {KeyRefreshInterval}.";
        if (MetadataRefreshInterval < TimeSpan.FromMinutes(5) || MetadataRefreshInterval > TimeSpan.FromHours(12))
            yield return $"Auth:Oidc:MetadataRefreshInterval must be between 00:05:00 and 12:00:00 (hh:mm:ss); got {MetadataRefreshInterval}.";
        // A typ is a media type (RFC 7515 §4.1.9): printable ASCII without spaces.
        if (ValidTokenTypes is { } types && (types.Length == 0 || types.Any(t => t.Length is 0 or > 100 || t.Any(c => c is < '!' or > '~'))))
            yield return "Auth:Oidc:ValidTokenTypes must list the accepted typ values, e.g. at+jwt (printable ASCII, no spaces); unset: at+jwt and JWT.";
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
