using KetamineOutcomes.Api.Errors;
using Microsoft.Net.Http.Headers;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>
/// Content negotiation for every /fhir/r4 endpoint, in one place: the service writes application/fhir+json only, so a
/// request whose <c>_format</c> or <c>Accept</c> admits no JSON (XML, Turtle, anything else) is a 406 OperationOutcome
/// rather than JSON the client did not ask for (FHIR R4 §3.1.0.1.10 "Content Types and encodings"; RFC 9110 §12.5.1).
/// </summary>
/// <remarks>
/// <c>_format</c> overrides Accept (FHIR R4 §3.1.0.1.10). Accepted as JSON: <c>json</c>, <c>application/json</c>,
/// <c>application/fhir+json</c> (parameters such as <c>fhirVersion=4.0</c> allowed). An Accept list is served when
/// any entry with q &gt; 0 is <c>*/*</c>, <c>application/*</c>, <c>application/json</c> or <c>application/fhir+json</c>;
/// a missing or unreadable Accept means anything.
/// </remarks>
internal sealed class FhirFormatFilter : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (Refusal(context.HttpContext.Request) is { } why) throw new NotAcceptableException(why);
        return next(context);
    }

    /// <summary>Why the request cannot be answered in application/fhir+json, or null when it can.</summary>
    internal static string? Refusal(HttpRequest request)
    {
        var formats = request.Query["_format"].Where(f => !string.IsNullOrWhiteSpace(f)).Select(f => f!).ToArray();
        if (formats.Length > 0)
        {
            // An unencoded '+' in a query string reads as a space: "application/fhir+json" arrives as "application/fhir json".
            var refused = formats.FirstOrDefault(f => !IsJsonFormat(f.Trim().Replace(' ', '+')));
            return refused is null ? null : $"_format={Shown(refused)} is not served: this server serves application/fhir+json only (use _format=json or leave it out).";
        }
        var accept = request.Headers.Accept;
        if (accept.Count == 0 || string.IsNullOrWhiteSpace(accept.ToString())) return null;
        if (!MediaTypeHeaderValue.TryParseList(accept, out var types)) return null;
        return types.Any(t => (t.Quality ?? 1) > 0 && IsJsonRange(t.MediaType.Value))
            ? null
            : $"Accept: {Shown(accept.ToString())} admits no JSON: this server serves application/fhir+json only.";
    }

    private static bool IsJsonFormat(string format)
    {
        if (format.Equals("json", StringComparison.OrdinalIgnoreCase)) return true;
        return MediaTypeHeaderValue.TryParse(format, out var type) && type.MediaType.Value is { } m
            && (m.Equals("application/json", StringComparison.OrdinalIgnoreCase) || m.Equals(FhirJson.MediaType, StringComparison.OrdinalIgnoreCase));
    }

    private static bool IsJsonRange(string? mediaType) => mediaType is not null
        && (mediaType == "*/*" || mediaType.Equals("application/*", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.Equals(FhirJson.MediaType, StringComparison.OrdinalIgnoreCase));

    private static string Shown(string text) => text.Length <= 120 ? text : text[..120] + "…";
}
