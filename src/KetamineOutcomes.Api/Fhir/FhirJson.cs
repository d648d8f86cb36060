using System.Buffers;
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

    /// <summary>The media type with charset that every FHIR answer carries.</summary>
    public const string ContentType = $"{MediaType}; charset=utf-8";

    /// <summary>
    /// A FHIR response with the FHIR media type: the same bytes, status and headers as <c>Results.Text</c> of
    /// <see cref="Serialize"/> gave, but written as UTF-8 straight into pooled memory. A page of 50 Observations is ~60 KB
    /// of JSON; as a .NET string it was twice that, on the large-object heap, then encoded again (issue 24 profile).
    /// </summary>
    public static IResult Result(Resource resource, int status = StatusCodes.Status200OK) => new FhirResult(output => WriteTo(output, resource), status);

    /// <summary>As <see cref="Result(Resource, int)"/>, for FHIR JSON that <paramref name="write"/> writes itself (<see cref="ObservationJson"/>).</summary>
    public static IResult Result(Action<IBufferWriter<byte>> write, int status = StatusCodes.Status200OK) => new FhirResult(write, status);

    /// <summary>Writes <paramref name="resource"/> as FHIR JSON in UTF-8 to <paramref name="output"/>.</summary>
    public static void WriteTo(IBufferWriter<byte> output, Resource resource)
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        JsonSerializer.Serialize(writer, resource, resource.GetType(), Options);
    }

    /// <summary>What JsonSerializer.Serialize to a string uses from Options (a Utf8JsonWriter of our own does not read them).</summary>
    internal static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = Options.Encoder,
        Indented = Options.WriteIndented,
        IndentCharacter = Options.IndentCharacter,
        IndentSize = Options.IndentSize,
        NewLine = Options.NewLine,
        MaxDepth = Options.MaxDepth,
        SkipValidation = true,
    };

    private sealed class FhirResult(Action<IBufferWriter<byte>> write, int status) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
    {
        public int? StatusCode => status;

        string? IContentTypeHttpResult.ContentType => FhirJson.ContentType;

        public async System.Threading.Tasks.Task ExecuteAsync(HttpContext httpContext)
        {
            using var buffer = new PooledBufferWriter();
            write(buffer);
            var response = httpContext.Response;
            response.StatusCode = status;
            response.ContentType = FhirJson.ContentType;
            response.ContentLength = buffer.WrittenCount;
            await response.Body.WriteAsync(buffer.WrittenMemory).ConfigureAwait(false);
        }
    }
}
