namespace KetamineOutcomes.Api.Security;

/// <summary>
/// Standard security headers on every response, and <c>Cache-Control: no-store</c> on everything but the Swagger UI
/// assets: API responses carry patient data, and no proxy or browser cache may keep them. The dashboard's page gets a
/// policy that lets it run its own script and call the API, and nothing else.
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext http)
    {
        // Set when the response starts: the exception handler clears headers before it writes an error response.
        http.Response.OnStarting(static state => Apply((HttpContext)state), http);
        return next(http);
    }

    // The dashboard's page and assets: its own script and stylesheet, calls to this origin's API, nothing inline.
    private const string DashboardPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static bool IsDashboard(PathString path) =>
        path == "/" || path == "/index.html" || path.StartsWithSegments("/dashboard", StringComparison.OrdinalIgnoreCase);

    private static Task Apply(HttpContext http)
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
            headers.ContentSecurityPolicy = IsDashboard(http.Request.Path) ? DashboardPolicy : "default-src 'none'; frame-ancestors 'none'";
        }
        return Task.CompletedTask;
    }
}
