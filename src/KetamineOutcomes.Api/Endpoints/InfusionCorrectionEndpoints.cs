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

/// <summary>Amending an infusion, marking it entered in error, and its history (SPEC v2, Corrections).</summary>
internal static class InfusionCorrectionEndpoints
{
    public static RouteGroupBuilder MapInfusionCorrections(this RouteGroupBuilder group)
    {
        group.MapPut("/{infusionId:guid}", AmendInfusion).WithName("AmendInfusion").AuditTarget("infusion", "infusionId").WithIfMatch(required: true)
            .WithSummary("Amend an infusion: the whole record plus reason, If-Match required; status amended, version + 1; a new time re-keys timepoints")
            .AllowRoles(Roles.Clinician, Roles.Ehr)
            .Accepts<AmendInfusionRequest>("application/json")
            .Produces<InfusionResponse>().ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409).ProducesProblem(412).ProducesProblem(428);
        group.MapPost("/{infusionId:guid}/entered-in-error", MarkInfusionEnteredInError).WithName("MarkInfusionEnteredInError").AuditTarget("infusion", "infusionId").WithIfMatch(required: false)
            .WithSummary("Mark an infusion entered in error (never deleted; it no longer counts for session numbers); again → 409; If-Match optional")
            .AllowRoles(Roles.Clinician, Roles.Ehr)
            .Accepts<EnteredInErrorRequest>("application/json")
            .Produces<InfusionResponse>().ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409).ProducesProblem(412).ProducesProblem(422);
        group.MapGet("/{infusionId:guid}/history", GetInfusionHistory).WithName("GetInfusionHistory").AuditTarget("infusion", "infusionId")
            .WithSummary("Every version of an infusion, oldest first")
            .AllowRoles(Roles.Clinician, Roles.Ehr, Roles.Admin)
            .Produces<HistoryResponse<InfusionResponse>>().ProducesProblem(404);
        return group;
    }

    internal static async Task<IResult> AmendInfusion(
        Guid patientId, Guid infusionId, AmendInfusionRequest request, HttpContext http, IdempotentCreate idempotent, TimeProvider clock, ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var expected = Preconditions.ExpectedVersion(http.Request, required: true)!.Value;
        var now = clock.GetUtcNow();
        var errors = new ValidationErrors();
        var values = InfusionsEndpoints.Validate(request.Submission, patientId, now, errors);
        var reason = FieldRules.Reason(request.Reason, errors);
        errors.ThrowIfAny();

        return await idempotent.RunCorrectionAsync(http, request, async (c, tx, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, tx, t).ConfigureAwait(false);
            var at = DbTime.Normalize(now);
            var infusion = await CorrectionWriter.AmendInfusionAsync(c, tx, patientId, infusionId, expected, values!, Actor.Of(caller), reason!, at, t).ConfigureAwait(false);
            var all = await InfusionStore.ListForPatientAsync(c, patientId, t, tx).ConfigureAwait(false);
            var result = InfusionsEndpoints.WithSession(infusion, all);
            return (result, result.Version);
        }, ct).ConfigureAwait(false);
    }

    internal static async Task<IResult> MarkInfusionEnteredInError(
        Guid patientId, Guid infusionId, EnteredInErrorRequest request, HttpContext http, IdempotentCreate idempotent, TimeProvider clock,
        ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var expected = Preconditions.ExpectedVersion(http.Request, required: false);
        var errors = new ValidationErrors();
        var reason = FieldRules.Reason(request.Reason, errors);
        errors.ThrowIfAny();

        return await idempotent.RunCorrectionAsync(http, request, async (c, tx, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, tx, t).ConfigureAwait(false);
            var infusion = await CorrectionWriter.InfusionEnteredInErrorAsync(c, tx, patientId, infusionId, expected, Actor.Of(caller), reason!,
                DbTime.Normalize(clock.GetUtcNow()), t).ConfigureAwait(false);
            var all = await InfusionStore.ListForPatientAsync(c, patientId, t, tx).ConfigureAwait(false);
            return (InfusionsEndpoints.WithSession(infusion, all), infusion.Version);
        }, ct).ConfigureAwait(false);
    }

    internal static async Task<HistoryResponse<InfusionResponse>> GetInfusionHistory(
        Guid patientId, Guid infusionId, Database db, ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        return await db.ReadAsync(async (c, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, null, t).ConfigureAwait(false);
            var all = await InfusionStore.ListForPatientAsync(c, patientId, t).ConfigureAwait(false);
            var infusion = all.FirstOrDefault(i => i.Id == infusionId) ?? throw new ResourceNotFoundException("Infusion");
            var stamp = await RecordVersionStore.CurrentStampAsync(c, RecordKind.Infusion, infusion.Id, null, t).ConfigureAwait(false);
            var versions = await RecordVersionStore.ListAsync(c, RecordKind.Infusion, infusion.Id, t).ConfigureAwait(false);
            return RecordHistory.Of(versions, infusion, infusion.Version, infusion.Status, infusion.LastUpdated, stamp,
                (InfusionRecord v) => InfusionsEndpoints.WithSession(v, all));
        }, ct).ConfigureAwait(false);
    }
}
