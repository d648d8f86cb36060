using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>
/// 64 KiB body limit on the body's own bytes, the same however it is framed: a declared Content-Length over the limit is
/// refused before the body is read; a body without one (chunked) is counted as the application reads it, after Kestrel
/// has removed the chunk framing. Either way the answer is a 413 problem (an OperationOutcome under /fhir) naming the limit.
/// </summary>
internal sealed class RequestSizeLimitMiddleware(RequestDelegate next)
{
    public const long MaxBodyBytes = 64 * 1024;

    /// <summary>
    /// Kestrel's own cap for a chunked body, which counts framing too (chunk sizes, extensions, CRLFs): a body of
    /// <see cref="MaxBodyBytes"/> sent one byte per chunk takes 6 bytes a byte on the wire (<c>1\r\nX\r\n</c>), so 8×
    /// lets every such body through while still ending a stream of framing without data.
    /// </summary>
    public const long FramedBackstopBytes = 8 * MaxBodyBytes;

    public async Task InvokeAsync(HttpContext http, IProblemDetailsService problems)
    {
        if (http.Request.ContentLength > MaxBodyBytes)
        {
            await WriteTooLargeAsync(http, problems).ConfigureAwait(false);
            return;
        }
        // No body at all (a GET): nothing to count.
        if (http.Request.ContentLength is not null || http.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            // A Content-Length body: Kestrel counts exactly the body's bytes.
            var feature = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
            if (feature is { IsReadOnly: false }) feature.MaxRequestBodySize = MaxBodyBytes;
            await next(http).ConfigureAwait(false);
            return;
        }
        await LimitDecodedAsync(http, problems).ConfigureAwait(false);
    }

    // Kestrel's max-body-size counts chunk framing (20,000 bytes in 2-byte chunks is 70,000 on the wire), so it is only a
    // backstop here; the limit itself is counted on the decoded bytes.
    private async Task LimitDecodedAsync(HttpContext http, IProblemDetailsService problems)
    {
        var feature = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false }) feature.MaxRequestBodySize = FramedBackstopBytes;
        var original = http.Request.Body;
        var limited = new DecodedBodyLimitStream(original, MaxBodyBytes);
        http.Request.Body = limited;
        try
        {
            await next(http).ConfigureAwait(false);
        }
        catch (BadHttpRequestException) when (limited.Exceeded && !http.Response.HasStarted)
        {
            // Answered below, like a reader that swallowed it.
        }
        finally
        {
            http.Request.Body = original;
        }
        // A minimal API's body binding catches the read's exception, sets 413 and writes nothing (the empty 413 this
        // answered before): the problem is written here, whoever read the body.
        if (limited.Exceeded && !http.Response.HasStarted)
        {
            http.Response.Clear();
            await WriteTooLargeAsync(http, problems).ConfigureAwait(false);
        }
    }

    private static async Task WriteTooLargeAsync(HttpContext http, IProblemDetailsService problems)
    {
        http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        // The rest of an oversize body is not read: the connection ends with this answer (Kestrel's own 413 does the same).
        if (HttpProtocol.IsHttp11(http.Request.Protocol)) http.Response.Headers.Connection = "close";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails { Status = 413, Title = "Payload too large", Detail = TooLargeDetail },
        }).ConfigureAwait(false);
    }

    /// <summary>What every 413 says (also the exception handler's, for a limit Kestrel enforces itself).</summary>
    public const string TooLargeDetail = "The request body exceeds 64 KiB (65,536 bytes of body, however it is framed).";
}
