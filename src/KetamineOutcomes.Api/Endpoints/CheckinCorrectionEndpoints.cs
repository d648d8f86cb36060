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
using KetamineOutcomes.Api.Webhooks;
using KetamineOutcomes.Core;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Endpoints;

/// <summary>Amending a C-SSRS check-in, marking it entered in error, and its history (SPEC v2, Corrections).</summary>
internal static class CheckinCorrectionEndpoints
{
    public static RouteGroupBuilder MapCheckinCorrections(this RouteGroupBuilder group)
    {
        group.MapPut("/{checkinId:guid}", AmendCheckin).WithName("AmendSuicidalityCheckin").AuditTarget("suicidality-checkin", "checkinId").WithIfMatch(required: true)
            .WithSummary("Amend a check-in: the whole submission plus reason, If-Match required; risk re-rated, status amended, version + 1; a newly met alert level raises a new alert")
            .AllowRoles(Roles.Clinician, Roles.Ehr)
            .Accepts<AmendCheckinRequest>("application/json")
            .Produces<CheckinResponse>().ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409).ProducesProblem(412).ProducesProblem(422).ProducesProblem(428);
        group.MapPost("/{checkinId:guid}/entered-in-error", MarkCheckinEnteredInError).WithName("MarkSuicidalityCheckinEnteredInError").AuditTarget("suicidality-checkin", "checkinId").WithIfMatch(required: false)
            .WithSummary("Mark a check-in entered in error (never deleted; its alerts stay); again → 409; If-Match optional")
            .AllowRoles(Roles.Clinician, Roles.Ehr)
            .Accepts<EnteredInErrorRequest>("application/json")
            .Produces<CheckinResponse>().ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409).ProducesProblem(412).ProducesProblem(422);
        group.MapGet("/{checkinId:guid}/history", GetCheckinHistory).WithName("GetSuicidalityCheckinHistory").AuditTarget("suicidality-checkin", "checkinId")
            .WithSummary("Every version of a check-in, oldest first")
            .AllowRoles(Roles.Clinician, Roles.Ehr, Roles.Admin)
            .Produces<HistoryResponse<CheckinResponse>>().ProducesProblem(404);
        return group;
    }

    internal static async Task<IResult> AmendCheckin(
        Guid patientId, Guid checkinId, AmendCheckinRequest request, HttpContext http, IdempotentCreate idempotent, TimeProvider clock, WebhookTargets webhooks,
        ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var expected = Preconditions.ExpectedVersion(http.Request, required: true)!.Value;
        var now = clock.GetUtcNow();
        var errors = new ValidationErrors();
        var (completedAt, answers) = CheckinsEndpoints.Validate(request.Submission, now, errors);
        var reason = FieldRules.Reason(request.Reason, errors);
        errors.ThrowIfAny();

        return await idempotent.RunCorrectionAsync(http, request, async (c, tx, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, tx, t).ConfigureAwait(false);
            var at = DbTime.Normalize(now);
            var (checkin, alert) = await CorrectionWriter.AmendCheckinAsync(c, tx, patientId, checkinId, expected, completedAt, answers!,
                request.Source, Actor.Of(caller), reason!, at, webhooks.All, t).ConfigureAwait(false);
            var timeline = (await InfusionStore.ListForPatientAsync(c, patientId, t, tx).ConfigureAwait(false)).ToTimeline();
            var result = CheckinsEndpoints.ToResponse(checkin, timeline, alert);
            return (result, result.Version);
        }, ct).ConfigureAwait(false);
    }

    internal static async Task<IResult> MarkCheckinEnteredInError(
        Guid patientId, Guid checkinId, EnteredInErrorRequest request, HttpContext http, IdempotentCreate idempotent, TimeProvider clock,
        WebhookTargets webhooks, ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var expected = Preconditions.ExpectedVersion(http.Request, required: false);
        var errors = new ValidationErrors();
        var reason = FieldRules.Reason(request.Reason, errors);
        errors.ThrowIfAny();

        return await idempotent.RunCorrectionAsync(http, request, async (c, tx, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, tx, t).ConfigureAwait(false);
            var (checkin, alert) = await CorrectionWriter.CheckinEnteredInErrorAsync(c, tx, patientId, checkinId, expected, Actor.Of(caller), reason!,
                DbTime.Normalize(clock.GetUtcNow()), webhooks.All, t).ConfigureAwait(false);
            var timeline = (await InfusionStore.ListForPatientAsync(c, patientId, t, tx).ConfigureAwait(false)).ToTimeline();
            return (CheckinsEndpoints.ToResponse(checkin, timeline, alert), checkin.Version);
        }, ct).ConfigureAwait(false);
    }

    internal static async Task<HistoryResponse<CheckinResponse>> GetCheckinHistory(
        Guid patientId, Guid checkinId, Database db, ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        return await db.ReadAsync(async (c, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, null, t).ConfigureAwait(false);
            var k = await CheckinStore.GetAsync(c, patientId, checkinId, t).ConfigureAwait(false) ?? throw new ResourceNotFoundException("Check-in");
            var stamp = await RecordVersionStore.CurrentStampAsync(c, RecordKind.SuicidalityCheckin, k.Id, null, t).ConfigureAwait(false);
            var versions = await RecordVersionStore.ListAsync(c, RecordKind.SuicidalityCheckin, k.Id, t).ConfigureAwait(false);
            var timeline = (await InfusionStore.ListForPatientAsync(c, patientId, t).ConfigureAwait(false)).ToTimeline();
            var alerts = await SafetyAlertStore.ForSourceAsync(c, k.Id, null, t).ConfigureAwait(false);
            return RecordHistory.Of(versions, k, k.Version, k.Status, k.LastUpdated, stamp,
                (CheckinRecord v) => CheckinsEndpoints.ToResponse(v, timeline, RecordHistory.AlertAt(alerts, v.Version)));
        }, ct).ConfigureAwait(false);
    }
}
