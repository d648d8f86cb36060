using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>FHIR JSON through the Firely SDK: no hand-built FHIR JSON anywhere in the service.</summary>
internal static class FhirJson
{
    public const string MediaType = "application/fhir+json";

    /// <summary>For what we write, and for reading what senders post (recoverable issues tolerated, overflow refused).</summary>
    public static readonly JsonSerializerOptions Options = new JsonSerializerOptions().ForFhir().UsingMode(DeserializationMode.Recoverable);

    public static string Serialize(Resource resource) => JsonSerializer.Serialize(resource, resource.GetType(), Options);

    /// <summary>A FHIR response with the FHIR media type.</summary>
    public static IResult Result(Resource resource, int status = StatusCodes.Status200OK) =>
        Results.Text(Serialize(resource), $"{MediaType}; charset=utf-8", System.Text.Encoding.UTF8, status);
}
