using Microsoft.Extensions.Options;

namespace KetamineOutcomes.Api.Security;

/// <summary>
/// Standard security headers on every response, and <c>Cache-Control: no-store</c> on everything but the Swagger UI
/// assets: API responses carry patient data, and no proxy or browser cache may keep them. The dashboard's page gets a
/// policy that lets it run its own script and call the API, and nothing else — and, when it signs people in
/// (<see cref="OidcOptions.DashboardSignIn"/>), fetch discovery and tokens from the issuer's origin, that one only.
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next, IOptions<OidcOptions> oidc)
{
    private readonly string _dashboardPolicy = DashboardPolicy(oidc.Value);

    public Task InvokeAsync(HttpContext http)
    {
        // Set when the response starts: the exception handler clears headers before it writes an error response.
        http.Response.OnStarting(state => Apply((HttpContext)state, _dashboardPolicy), http);
        return next(http);
    }

    // The dashboard's page and assets: its own script and stylesheet, calls to this origin's API (and the issuer's
    // origin when signing in), nothing inline. The sign-in itself is a navigation to the issuer, which CSP leaves alone.
    internal static string DashboardPolicy(OidcOptions oidc)
    {
        var connect = oidc.DashboardSignIn && oidc.AuthorityOrigin is { } issuer ? "'self' " + issuer : "'self'";
        return $"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src {connect}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    }

    private static bool IsDashboard(PathString path) =>
        path == "/" || path == "/index.html" || path.StartsWithSegments("/dashboard", StringComparison.OrdinalIgnoreCase);

    private static Task Apply(HttpContext http, string dashboardPolicy)
    {
        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
        if (!http.Request.Path.StartsWithSegments("/swagger", StringComparison.OrdinalIgnoreCase))
        {
            headers.CacheControl = "no-store";
            headers.Pragma = "no-cache";
            headers.ContentSecurityPolicy = IsDashboard(http.Request.Path) ? dashboardPolicy : "default-src 'none'; frame-ancestors 'none'";
        }
        return Task.CompletedTask;
    }
}
