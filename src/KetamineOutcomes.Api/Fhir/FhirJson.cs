using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>FHIR JSON through the Firely SDK: no hand-built FHIR JSON anywhere in the service.</summary>
internal static class FhirJson
{
    public const string MediaType = "application/fhir+json";

    /// <summary>For what we write.</summary>
    public static readonly JsonSerializerOptions Options = new JsonSerializerOptions().ForFhir().UsingMode(DeserializationMode.Recoverable);

    /// <summary>
    /// For reading what senders post: strict, so a value of the wrong type, an unknown element or a missing required element
    /// is an error with its location rather than a value kept and thrown on later (SPEC v2, Boundaries).
    /// </summary>
    public static readonly JsonSerializerOptions StrictOptions = new JsonSerializerOptions().ForFhir().UsingMode(DeserializationMode.Strict);

    public static string Serialize(Resource resource) => JsonSerializer.Serialize(resource, resource.GetType(), Options);

    /// <summary>
    /// <c>ETag: W/"versionId"</c> and <c>Last-Modified</c> of a read resource, from its meta (R4 RESTful API, "read" and
    /// "Managing Resource Contention"). Last-Modified is an HTTP date, whole seconds; meta.lastUpdated is exact.
    /// </summary>
    public static void SetVersionHeaders(HttpResponse response, Resource resource)
    {
        if (resource.Meta?.VersionId is { } version) response.Headers.ETag = $"W/\"{version}\"";
        if (resource.Meta?.LastUpdated is { } at) response.Headers.LastModified = at.ToUniversalTime().ToString("r", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A FHIR response with the FHIR media type.</summary>
    public static IResult Result(Resource resource, int status = StatusCodes.Status200OK) =>
        Results.Text(Serialize(resource), $"{MediaType}; charset=utf-8", System.Text.Encoding.UTF8, status);
}
