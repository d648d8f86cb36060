using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using KetamineOutcomes.Api.Audit;
using KetamineOutcomes.Api.Endpoints;
using KetamineOutcomes.Api.Errors;
using KetamineOutcomes.Api.Idempotency;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.Security;
using KetamineOutcomes.Api.Submissions;
using KetamineOutcomes.Api.Webhooks;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Safety;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;
using Task = System.Threading.Tasks.Task;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>FHIR create: a posted QuestionnaireResponse stored exactly like the JSON API's submissions.</summary>
internal static partial class FhirEndpoints
{
    internal static async Task<IResult> CreateResponse(
        HttpContext http, IdempotentCreate idempotent, TimeProvider clock, WebhookTargets webhooks, ClaimsPrincipal user, CancellationToken ct)
    {
        var contentType = http.Request.ContentType ?? "";
        if (!contentType.StartsWith(Fhir, StringComparison.OrdinalIgnoreCase) && !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            throw new BadHttpRequestException("Send application/fhir+json.", StatusCodes.Status415UnsupportedMediaType);

        QuestionnaireResponse resource;
        try
        {
            // Read as any resource first, so another resourceType is a clear 400 rather than a cast failure.
            var parsed = await JsonSerializer.DeserializeAsync<Resource>(http.Request.Body, FhirJson.Options, ct).ConfigureAwait(false);
            resource = parsed as QuestionnaireResponse
                ?? throw ClinicalValidationException.For("resourceType", "Must be QuestionnaireResponse.");
        }
        catch (DeserializationFailedException e)
        {
            var errors = new ValidationErrors();
            foreach (var issue in e.Exceptions.Take(20)) errors.Add("body", issue.Message);
            throw new ClinicalValidationException(errors.ToDictionary());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or InvalidCastException or NotSupportedException or FormatException or ArgumentException)
        {
            // Malformed JSON, a missing or different resourceType, or a value the parser cannot hold.
            throw ClinicalValidationException.For("body", $"Not a FHIR QuestionnaireResponse in JSON ({e.GetType().Name}): {e.Message}");
        }

        var caller = Caller.From(user);
        var errorsFound = new ValidationErrors();
        var read = QuestionnaireResponseReader.Read(resource, errorsFound);
        var now = clock.GetUtcNow();
        var completedAt = read.Authored is null && errorsFound.ToDictionary().ContainsKey("authored")
            ? default : FieldRules.Instant(read.Authored, "authored", now, errorsFound);
        if (read.Instrument is { } instrument && read.Items is not null) QuestionnaireScoring.Validate(instrument, read.Items, read.Difficulty, errorsFound);
        if (read.Cssrs is { } answers) CssrsRules.Validate(answers, errorsFound);
        errorsFound.ThrowIfAny();

        var patientId = read.PatientId;
        AuditMiddleware.RecordPatients(http, [patientId]);
        return await idempotent.RunRawAsync(http, FhirJson.Serialize(resource), async (c, tx, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, tx, t).ConfigureAwait(false);
            Resource stored;
            Guid id;
            if (read.Instrument is { } inst)
            {
                var (q, _) = await SubmissionWriter.InsertQuestionnaireAsync(c, tx, patientId, inst, completedAt, read.Items!, read.Difficulty,
                    "fhir", DbTime.Normalize(now), webhooks.All, t).ConfigureAwait(false);
                (id, stored) = (q.Id, FhirMapping.Response(q));
            }
            else
            {
                var (k, _) = await SubmissionWriter.InsertCheckinAsync(c, tx, patientId, completedAt, read.Cssrs!, "fhir", DbTime.Normalize(now), webhooks.All, t).ConfigureAwait(false);
                (id, stored) = (k.Id, FhirMapping.Response(k));
            }
            var body = FhirJson.Serialize(stored);
            return new IdempotentCreate.RawCreated($"/fhir/r4/QuestionnaireResponse/{id}", body, body);
        }, $"{Fhir}; charset=utf-8", ct).ConfigureAwait(false);
    }
}
