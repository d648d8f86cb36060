using System.Security.Claims;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;
using KetamineOutcomes.Api.Audit;
using KetamineOutcomes.Api.Endpoints;
using KetamineOutcomes.Api.Idempotency;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.Security;
using KetamineOutcomes.Api.Submissions;
using KetamineOutcomes.Api.Webhooks;
using KetamineOutcomes.Core;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>FHIR create: a posted QuestionnaireResponse stored exactly like the JSON API's submissions.</summary>
internal static partial class FhirEndpoints
{
    internal static async Task<IResult> CreateResponse(
        HttpContext http, IdempotentCreate idempotent, TimeProvider clock, WebhookTargets webhooks, PublicBaseUrl publicBase, ClaimsPrincipal user, CancellationToken ct)
    {
        var (resource, bodyHash) = await ParseAsync(http, ct).ConfigureAwait(false);
        var caller = Caller.From(user);
        var errors = new ValidationErrors();
        var read = QuestionnaireResponseReader.Read(resource, publicBase.Fhir, errors);
        var now = clock.GetUtcNow();
        const string authoredPath = "QuestionnaireResponse.authored";
        var completedAt = read.Authored is null && errors.ToDictionary().ContainsKey(authoredPath)
            ? default : FieldRules.Instant(read.Authored, authoredPath, now, errors);
        errors.ThrowIfAny();

        var patientId = read.PatientId;
        AuditMiddleware.RecordPatients(http, [patientId]);
        // Every record (ids and creation time included) and the answer are built here, on the request's thread: the unit of
        // work on the single writer only checks access and inserts, as the JSON submission's does, rather than also map and
        // serialise with Firely there (issue 24 profile). What is answered is what is stored: both come from these records.
        var created = DbTime.Normalize(now);
        var prepared = read.Instruments.Select(instrument => instrument is ReadQuestionnaire q
                ? (PreparedSubmission)SubmissionWriter.PrepareQuestionnaire(patientId, q.Instrument, completedAt, q.Items, q.Difficulty, "fhir", read.Status, created)
                : SubmissionWriter.PrepareCheckin(patientId, completedAt, ((ReadCheckin)instrument).Answers, "fhir", read.Status, created))
            .ToArray();
        // One PHQ-9 or GAD-7 (the common create) is written directly, as Firely would write its mapping; anything else by Firely.
        var body = prepared is [PreparedQuestionnaire single] ? QuestionnaireResponseJsonWriter.Serialize(single.Record)
            : prepared.Length == 1 ? FhirJson.Serialize(FhirMapping.Response(prepared[0]))
            : FhirJson.Serialize(CreatedBundle(prepared.Select(FhirMapping.Response).ToList()));
        // A created resource is version 1; its ETag is the read's (R4 http.html#create: SHOULD return ETag), kept for replays.
        // A transaction-response Bundle (several instruments) has no single version to name.
        var answer = new IdempotentCreate.RawCreated($"/fhir/r4/QuestionnaireResponse/{prepared[0].Id}", body, body,
            ETag: prepared.Length == 1 ? Corrections.Preconditions.ETagOf(1) : null);
        return await idempotent.RunRawAsync(http, bodyHash, async (c, tx, t) =>
        {
            // Every instrument of the response in this one transaction, each with its own record, alert and outbox event:
            // an intake form's C-SSRS is never dropped because it came with a PHQ-9, and a failure stores none of them.
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, tx, t).ConfigureAwait(false);
            foreach (var p in prepared) await SubmissionWriter.InsertAsync(c, tx, p, webhooks.All, t).ConfigureAwait(false);
            return answer;
        }, $"{Fhir}; charset=utf-8", ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Several instruments from one response: a <c>transaction-response</c> Bundle with one entry per stored
    /// QuestionnaireResponse, each with its <c>201 Created</c> status and location (FHIR R4 Bundle, http.html#transaction).
    /// </summary>
    private static Bundle CreatedBundle(List<QuestionnaireResponse> stored)
    {
        var bundle = new Bundle { Type = Bundle.BundleType.TransactionResponse };
        foreach (var qr in stored)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                Resource = qr,
                Response = new Bundle.ResponseComponent { Status = "201 Created", Location = $"QuestionnaireResponse/{qr.Id}" },
            });
        }
        return bundle;
    }

    /// <summary>
    /// Parses the body strictly: first its raw JSON (<see cref="FhirJsonPrecheck"/>: nulls in arrays, numbers that would be
    /// rounded, the authored format), then Firely's <see cref="DeserializationMode.Strict"/> (a value of the wrong JSON type,
    /// an unknown element, a missing required element such as status or linkId, an empty element). Every problem is a 400
    /// whose keys are FHIRPath locations in the sent resource — never a value kept and read later, where it would throw.
    /// Also returns the body's <see cref="CanonicalJsonHash"/>, what the Idempotency-Key compares.
    /// </summary>
    private static async Task<(QuestionnaireResponse Resource, byte[] BodyHash)> ParseAsync(HttpContext http, CancellationToken ct)
    {
        CheckContentType(http.Request.ContentType);
        RefuseConditionalCreate(http.Request);
        FhirParameterHandling.RefuseUnsupported(http.Request, "QuestionnaireResponse create");
        // Into pooled memory, not a growing MemoryStream: the body is only needed until it is parsed. The size limit
        // (RequestSizeLimitMiddleware, 413) is enforced while the body is read.
        using var buffer = new PooledBufferWriter(4 * 1024);
        while (true)
        {
            var read = await http.Request.Body.ReadAsync(buffer.GetMemory(4 * 1024), ct).ConfigureAwait(false);
            if (read == 0) break;
            buffer.Advance(read);
        }
        var body = buffer.WrittenMemory;
        // A UTF-8 byte order mark is allowed before JSON text (RFC 8259 §8.1 lets a parser ignore it); neither reader skips it.
        if (body.Span.StartsWith(System.Text.Encoding.UTF8.Preamble)) body = body[System.Text.Encoding.UTF8.Preamble.Length..];

        var errors = new ValidationErrors();
        byte[] hash;
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
            FhirJsonPrecheck.Check(document.RootElement, errors);
            errors.ThrowIfAny();
            // Every string and name was read well-formed by the precheck, so the hash cannot meet one that is not.
            hash = CanonicalJsonHash.Hash(document.RootElement);
        }
        catch (JsonException e)
        {
            throw ClinicalValidationException.For("body", $"Not valid JSON: {e.Message}");
        }
        catch (InvalidOperationException)
        {
            throw ClinicalValidationException.For("body", "The body holds text that is not well-formed (invalid UTF-8 or a lone surrogate escape).");
        }
        try
        {
            return (JsonSerializer.Deserialize<Resource>(body.Span, FhirJson.StrictOptions) as QuestionnaireResponse
                ?? throw ClinicalValidationException.For("resourceType", "Must be QuestionnaireResponse."), hash);
        }
        catch (DeserializationFailedException e)
        {
            foreach (var issue in e.Exceptions.Take(20))
            {
                if (issue is ExtendedCodedException { InstancePath: { Length: > 0 } path } coded)
                    errors.Add(path.Replace("$this", "QuestionnaireResponse", StringComparison.Ordinal),
                        $"{coded.BaseErrorMessage.Replace("$this", "QuestionnaireResponse", StringComparison.Ordinal)} (line {coded.LineNumber}, position {coded.Position})");
                else errors.Add("body", issue.Message);
            }
            throw new ClinicalValidationException(errors.ToDictionary());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or InvalidCastException or NotSupportedException or FormatException or ArgumentException)
        {
            // A value the parser cannot hold.
            throw ClinicalValidationException.For("body", $"Not a FHIR QuestionnaireResponse in JSON ({e.GetType().Name}): {e.Message}");
        }
    }

    /// <summary>
    /// application/fhir+json (also application/json and R4's older application/json+fhir) in UTF-8, FHIR R4: a <c>charset</c>
    /// other than UTF-8 or a <c>fhirVersion</c> other than 4.0 (FHIR R4 http.html#version-parameter) is a 415 saying so,
    /// rather than a body read as something it is not.
    /// </summary>
    private static void CheckContentType(string? contentType)
    {
        // RFC 9110's grammar first, as for /api/v1 (Infrastructure/JsonBodyMediaType): the parser forgives spaces.
        if (contentType is null || !Infrastructure.JsonBodyMediaType.IsMediaTypeSyntax(contentType)
            || !Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
            || !(media.MediaType.Equals(Fhir, StringComparison.OrdinalIgnoreCase) || media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                || media.MediaType.Equals("application/json+fhir", StringComparison.OrdinalIgnoreCase)))
            throw new BadHttpRequestException("Send application/fhir+json.", StatusCodes.Status415UnsupportedMediaType);
        if (media.Charset.HasValue && media.Charset.Value!.Trim('"').ToLowerInvariant() is not ("utf-8" or "utf8"))
            throw new Errors.UnsupportedMediaTypeException($"charset {media.Charset} is not read: send UTF-8 (charset=utf-8).");
        // charset and fhirVersion are the parameters FHIR defines (R4 http.html#mime-type); any other, or either twice, is not read.
        if (media.Parameters.FirstOrDefault(p => !p.Name.Equals("charset", StringComparison.OrdinalIgnoreCase) && !p.Name.Equals("fhirVersion", StringComparison.OrdinalIgnoreCase)) is { } other)
            throw new Errors.UnsupportedMediaTypeException($"Content-Type parameter {other.Name} is not read: send application/fhir+json with charset=utf-8 and fhirVersion=4.0 at most.");
        if (media.Parameters.GroupBy(p => p.Name.ToString(), StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new Errors.UnsupportedMediaTypeException($"Content-Type gives {twice.Key} twice: give it once.");
        var version = media.Parameters.FirstOrDefault(p => p.Name.Equals("fhirVersion", StringComparison.OrdinalIgnoreCase))?.Value.Value?.Trim('"');
        if (version is not null && version is not ("4.0" or "4.0.0" or "4.0.1"))
            throw new Errors.UnsupportedMediaTypeException($"fhirVersion {version} is not served: this is a FHIR R4 (4.0) server.");
    }

    /// <summary>
    /// Conditional create (If-None-Exist) is not offered: ignoring it would store a second record and a second safety alert
    /// where the sender asked for none, so it is refused; Idempotency-Key makes a retry safe instead.
    /// </summary>
    private static void RefuseConditionalCreate(HttpRequest request)
    {
        if (request.Headers.ContainsKey("If-None-Exist"))
            throw ClinicalValidationException.For("If-None-Exist", "Conditional create is not supported; send an Idempotency-Key to make a retry safe.");
    }
}
