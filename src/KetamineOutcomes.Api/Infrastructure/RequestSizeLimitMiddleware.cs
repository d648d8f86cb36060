using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>
/// 64 KiB body limit: refuses a declared oversize body before reading it, and caps chunked bodies through the
/// server's max-body-size feature (Kestrel then fails the read with 413).
/// </summary>
internal sealed class RequestSizeLimitMiddleware(RequestDelegate next)
{
    public const long MaxBodyBytes = 64 * 1024;

    public async Task InvokeAsync(HttpContext http, IProblemDetailsService problems)
    {
        if (http.Request.ContentLength > MaxBodyBytes)
        {
            http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = new ProblemDetails { Status = 413, Title = "Payload too large", Detail = "The request body exceeds 64 KiB." },
            }).ConfigureAwait(false);
            return;
        }
        var feature = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false }) feature.MaxRequestBodySize = MaxBodyBytes;
        await next(http).ConfigureAwait(false);
    }
}
