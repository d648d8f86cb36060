using Microsoft.AspNetCore.Mvc;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>
/// What an OperationOutcome says when routing refused a FHIR request: no route (404), another method (405) or a body
/// type the service does not read (415). Routing answers these with an empty body, which tells an integrator nothing
/// about what would work, so the diagnostics name the request and the alternatives.
/// </summary>
internal static class FhirStatusDiagnostics
{
    public const string SupportedInteractions =
        "this server supports metadata, Observation (search) and QuestionnaireResponse (read, search, create) under /fhir/r4";

    /// <summary>The diagnostics for a routing 404/405 or any 415 under /fhir; null keeps the problem's own text.</summary>
    public static string? For(int status, HttpContext http, ProblemDetails problem)
    {
        var request = http.Request;
        // A handler's own 404 (e.g. "QuestionnaireResponse not found.") has a detail; routing's has none.
        var fromRouting = string.IsNullOrEmpty(problem.Detail);
        return status switch
        {
            StatusCodes.Status404NotFound when fromRouting =>
                $"No FHIR route for {request.Method} {Shown(request.Path)}; {SupportedInteractions}.",
            StatusCodes.Status405MethodNotAllowed =>
                $"{request.Method} is not supported on {Shown(request.Path)}; supported: {AllowOf(http)}.",
            StatusCodes.Status415UnsupportedMediaType when problem.Title != Errors.UnsupportedMediaTypeException.Title =>
                $"Content-Type {(string.IsNullOrEmpty(request.ContentType) ? "(none)" : Shown(request.ContentType))} is not read here. Send application/fhir+json.",
            _ => null,
        };
    }

    // Routing's 405 endpoint sets Allow to the methods the route has.
    private static string AllowOf(HttpContext http) =>
        http.Response.Headers.Allow.ToString() is { Length: > 0 } allow ? allow : "see GET /fhir/r4/metadata";

    // The caller's own text, bounded: it is echoed, never logged.
    private static string Shown(string? text) => text is null ? "" : text.Length <= 200 ? text : text[..200] + "…";
}
