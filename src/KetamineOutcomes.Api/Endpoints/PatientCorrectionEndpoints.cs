using System.Security.Claims;
using KetamineOutcomes.Api.Audit;
using KetamineOutcomes.Api.Contracts;
using KetamineOutcomes.Api.Corrections;
using KetamineOutcomes.Api.Errors;
using KetamineOutcomes.Api.Idempotency;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.OpenApi;
using KetamineOutcomes.Api.Security;
using KetamineOutcomes.Api.Submissions;
using KetamineOutcomes.Core;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Endpoints;

/// <summary>Correcting a patient's details, and their history (SPEC v2, Corrections).</summary>
internal static class PatientCorrectionEndpoints
{
    public static RouteGroupBuilder MapPatientCorrections(this RouteGroupBuilder group)
    {
        group.MapPut("/{id:guid}", AmendPatient).WithName("AmendPatient").AuditTarget("patient", "id").WithIfMatch(required: true)
            .WithSummary("Correct a patient's mrn, birthYear, sex and diagnoses (replaced whole) with a reason; If-Match required; the site is not changed")
            .AllowRoles(Roles.Clinician, Roles.Ehr)
            .Accepts<AmendPatientRequest>("application/json")
            .Produces<PatientResponse>().ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409).ProducesProblem(412).ProducesProblem(428);
        group.MapGet("/{id:guid}/history", GetPatientHistory).WithName("GetPatientHistory").AuditTarget("patient", "id")
            .WithSummary("Every version of a patient, oldest first")
            .AllowRoles(Roles.Clinician, Roles.Ehr, Roles.Admin)
            .Produces<HistoryResponse<PatientResponse>>().ProducesProblem(404);
        return group;
    }

    internal static async Task<IResult> AmendPatient(
        Guid id, AmendPatientRequest request, HttpContext http, TimeProvider clock, Database db, IdempotentCreate idempotent, ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var expected = Preconditions.ExpectedVersion(http.Request, required: true)!.Value;
        var errors = new ValidationErrors();
        // The same rules as registration (PatientsEndpoints.CreatePatient); siteId and researchConsent are not members of
        // this body, so sending either is refused by the JSON reader (400 naming it).
        var mrn = FieldRules.IdentifierText(request.Mrn, "mrn", PatientsEndpoints.PatientMrnMaxLength, errors);
        FieldRules.Range(request.BirthYear, "birthYear", 1900, clock.GetUtcNow().Year, errors);
        var reason = FieldRules.Reason(request.Reason, errors);
        errors.ThrowIfAny();

        return await idempotent.RunCorrectionAsync(http, request, async (c, tx, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, id, caller, tx, t).ConfigureAwait(false);
            var now = DbTime.Normalize(clock.GetUtcNow());
            var changed = await CorrectionWriter.AmendPatientAsync(c, tx, db.Connections, id, expected,
                p => p with { Mrn = mrn, BirthYear = request.BirthYear, Sex = request.Sex, Diagnoses = (request.Diagnoses ?? []).Distinct().Order().ToArray() },
                Actor.Of(caller), reason!, now, t).ConfigureAwait(false);
            return (PatientsEndpoints.ToResponse(changed), changed.Version);
        }, ct).ConfigureAwait(false);
    }

    internal static async Task<HistoryResponse<PatientResponse>> GetPatientHistory(Guid id, Database db, ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        return await db.ReadAsync(async (c, t) =>
        {
            var p = await PatientStore.GetAsync(c, id, t).ConfigureAwait(false);
            if (p is null || !caller.CanSee(p.Id, p.SiteId)) throw new ResourceNotFoundException("Patient");
            var stamp = await RecordVersionStore.CurrentStampAsync(c, RecordKind.Patient, p.Id, null, t).ConfigureAwait(false);
            var versions = await RecordVersionStore.ListAsync(c, RecordKind.Patient, p.Id, t).ConfigureAwait(false);
            return RecordHistory.Of(versions, p, p.Version, null, p.UpdatedAt, stamp, (PatientRecord v) => PatientsEndpoints.ToResponse(v));
        }, ct).ConfigureAwait(false);
    }
}
