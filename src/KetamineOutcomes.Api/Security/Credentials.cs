using Microsoft.Extensions.Options;

namespace KetamineOutcomes.Api.Security;

/// <summary>
/// Which credential a request carries, and so which handler reads it: <c>X-Api-Key</c>, or (with Auth:Oidc set)
/// <c>Authorization: Bearer</c>. Both on one request is refused with 401 rather than one of them picked: which caller
/// the request acts for would be a guess (README "Signing people in").
/// </summary>
internal static class Credentials
{
    /// <summary>The default scheme: forwards each request to the handler of the credential it carries.</summary>
    public const string SchemeName = "Outcomes";

    public const string BothMessage = "Send either an API key (X-Api-Key) or a bearer token (Authorization: Bearer), not both.";

    /// <summary>The scheme that reads this request's credential (API key when it carries none, so the 401 says what to send).</summary>
    public static string SchemeFor(HttpContext http) =>
        HasBearer(http) && !HasApiKey(http) ? OidcAuthentication.SchemeName : ApiKeyAuthenticationHandler.SchemeName;

    /// <summary>A bearer token the service would read (Auth:Oidc set) next to an API key.</summary>
    public static bool Both(HttpContext http) => HasBearer(http) && HasApiKey(http);

    private static bool HasApiKey(HttpContext http) => http.Request.Headers.ContainsKey(ApiKeys.HeaderName);

    private static bool HasBearer(HttpContext http) =>
        http.RequestServices.GetRequiredService<IOptions<OidcOptions>>().Value.Enabled
        && http.Request.Headers.Authorization.Any(v => v is not null && v.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase));
}
