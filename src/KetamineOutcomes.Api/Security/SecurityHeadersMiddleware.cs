namespace KetamineOutcomes.Api.Security;

/// <summary>
/// Standard security headers on every response, and <c>Cache-Control: no-store</c> on everything but the Swagger UI
/// assets: API responses carry patient data, and no proxy or browser cache may keep them.
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext http)
    {
        // Set when the response starts: the exception handler clears headers before it writes an error response.
        http.Response.OnStarting(static state => Apply((HttpContext)state), http);
        return next(http);
    }

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
            headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
        }
        return Task.CompletedTask;
    }
}
