using KetamineOutcomes.Api.Errors;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;

namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>
/// The media type of a JSON body on /api/v1, judged before the endpoint reads it: exactly <c>application/json</c>
/// (RFC 8259 §8.1: JSON between systems is UTF-8, and the type defines no parameters), with at most a
/// <c>charset</c> of UTF-8 (<c>utf-8</c> in any case, quoted or not). Anything else is a 415 problem saying what was
/// sent and what is read — another charset (ASP.NET would transcode Latin-1 or UTF-16 silently, or throw on an unknown
/// one and answer 500), another parameter, or a <c>+json</c> type such as <c>application/merge-patch+json</c>, whose
/// meaning this API does not implement. A request without a Content-Type keeps routing's own 415.
/// </summary>
internal static partial class JsonBodyMediaType
{
    /// <summary>Refuses a body the endpoint would read as JSON in any media type but UTF-8 <c>application/json</c>.</summary>
    public static IApplicationBuilder UseJsonBodyMediaType(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        // A content coding this service does not decode (RFC 9110 §8.4, §15.5.16): the body would be read as if plain.
        if (context.Request.Headers.ContentEncoding.Count > 0
            && (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
            && (context.Request.Path.StartsWithSegments("/api/v1", StringComparison.OrdinalIgnoreCase) || context.Request.Path.StartsWithSegments("/fhir", StringComparison.OrdinalIgnoreCase))
            && !context.Request.Headers.ContentEncoding.ToString().Trim().Equals("identity", StringComparison.OrdinalIgnoreCase))
            throw new UnsupportedMediaTypeException($"Content-Encoding {context.Request.Headers.ContentEncoding} is not read: send the body uncompressed (no Content-Encoding).");
        if (context.Request.Path.StartsWithSegments("/api/v1", StringComparison.OrdinalIgnoreCase) && context.GetEndpoint() is { } endpoint)
        {
            var contentType = context.Request.Headers.ContentType.ToString();
            // Routing's own 415 (no Content-Type, or a type no endpoint here accepts) only sets the status: say why.
            if (endpoint.DisplayName == "415 HTTP Unsupported Media Type")
                throw new UnsupportedMediaTypeException(contentType.Length == 0
                    ? "No Content-Type: send the body as application/json." : Problem(contentType) ?? "Send the body as application/json.");
            if (contentType.Length > 0
                && endpoint.Metadata.GetMetadata<IAcceptsMetadata>() is { } accepts
                && accepts.ContentTypes.Contains("application/json", StringComparer.OrdinalIgnoreCase))
            {
                if (Problem(contentType) is { } problem) throw new UnsupportedMediaTypeException(problem);
                // Equivalent spellings (charset="UTF-8") as the one ASP.NET's JSON reader reads: it throws on a quoted charset.
                context.Request.ContentType = "application/json";
            }
        }
        await next(context).ConfigureAwait(false);
    });

    /// <summary>What is wrong with <paramref name="contentType"/> for a JSON body, or null when it is UTF-8 application/json.</summary>
    internal static string? Problem(string contentType)
    {
        // The header's own grammar first (RFC 9110 §8.3.1): the parser below forgives spaces inside "type/subtype" and around "=".
        if (!MediaTypeGrammar().IsMatch(contentType) || !MediaTypeHeaderValue.TryParse(contentType, out var media))
            return $"Content-Type '{contentType}' is not a media type: send application/json.";
        if (media.Parameters.Count(p => p.Name.Equals("charset", StringComparison.OrdinalIgnoreCase)) > 1)
            return "Content-Type gives charset twice: send application/json, with charset=utf-8 at most.";
        if (!media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            return $"Content-Type {media.MediaType} is not read here: send application/json.";
        foreach (var parameter in media.Parameters)
        {
            if (!parameter.Name.Equals("charset", StringComparison.OrdinalIgnoreCase))
                return $"Content-Type parameter {parameter.Name} is not read: send application/json, with charset=utf-8 at most.";
            var charset = HeaderUtilities.RemoveQuotes(parameter.Value);
            if (!charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
                return $"charset {parameter.Value} is not read: send the body in UTF-8 (charset=utf-8, or no charset).";
        }
        return null;
    }

    /// <summary>Whether <paramref name="contentType"/> follows RFC 9110's media-type grammar (no space inside type/subtype or around '=').</summary>
    internal static bool IsMediaTypeSyntax(string contentType) => MediaTypeGrammar().IsMatch(contentType);

    private const string Token = @"[!#$%&'*+.^_`|~0-9A-Za-z-]+";

    // type "/" subtype *( OWS ";" OWS parameter ), parameter = token "=" ( token / quoted-string ); OWS only where RFC 9110 puts it.
    [System.Text.RegularExpressions.GeneratedRegex("^" + Token + "/" + Token + @"(?:[ \t]*;[ \t]*" + Token + "=(?:" + Token + @"|""(?:[^""\\]|\\.)*""))*[ \t]*\z")]
    private static partial System.Text.RegularExpressions.Regex MediaTypeGrammar();
}
