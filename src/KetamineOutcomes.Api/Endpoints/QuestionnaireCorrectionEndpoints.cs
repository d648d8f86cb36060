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

/// <summary>Amending a questionnaire, marking it entered in error, and its history (SPEC v2, Corrections).</summary>
internal static class QuestionnaireCorrectionEndpoints
{
    public static RouteGroupBuilder MapQuestionnaireCorrections(this RouteGroupBuilder group)
    {
        group.MapPut("/{questionnaireId:guid}", AmendQuestionnaire).WithName("AmendQuestionnaire").AuditTarget("questionnaire", "questionnaireId").WithIfMatch(required: true)
            .WithSummary("Amend a questionnaire: the whole submission plus reason, If-Match required; rescored, status amended, version + 1; a newly met alert level raises a new alert")
            .AllowRoles(Roles.Clinician, Roles.Ehr)
            .Accepts<AmendQuestionnaireRequest>("application/json")
            .Produces<QuestionnaireResult>().ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409).ProducesProblem(412).ProducesProblem(422).ProducesProblem(428);
        group.MapPost("/{questionnaireId:guid}/entered-in-error", MarkQuestionnaireEnteredInError).WithName("MarkQuestionnaireEnteredInError").AuditTarget("questionnaire", "questionnaireId").WithIfMatch(required: false)
            .WithSummary("Mark a questionnaire entered in error (never deleted; its alerts stay); again → 409; If-Match optional")
            .AllowRoles(Roles.Clinician, Roles.Ehr)
            .Accepts<EnteredInErrorRequest>("application/json")
            .Produces<QuestionnaireResult>().ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409).ProducesProblem(412).ProducesProblem(422);
        group.MapGet("/{questionnaireId:guid}/history", GetQuestionnaireHistory).WithName("GetQuestionnaireHistory").AuditTarget("questionnaire", "questionnaireId")
            .WithSummary("Every version of a questionnaire, oldest first")
            .AllowRoles(Roles.Clinician, Roles.Ehr, Roles.Admin)
            .Produces<HistoryResponse<QuestionnaireResult>>().ProducesProblem(404);
        return group;
    }

    internal static async Task<IResult> AmendQuestionnaire(
        Guid patientId, Guid questionnaireId, AmendQuestionnaireRequest request, HttpContext http, IdempotentCreate idempotent, TimeProvider clock, WebhookTargets webhooks,
        ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var expected = Preconditions.ExpectedVersion(http.Request, required: true)!.Value;
        var now = clock.GetUtcNow();
        var errors = new ValidationErrors();
        var (instrument, completedAt) = QuestionnairesEndpoints.Validate(request.Submission, now, errors);
        var reason = FieldRules.Reason(request.Reason, errors);
        errors.ThrowIfAny();

        return await idempotent.RunCorrectionAsync(http, request, async (c, tx, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, tx, t).ConfigureAwait(false);
            var at = DbTime.Normalize(now);
            var (q, alert) = await CorrectionWriter.AmendQuestionnaireAsync(c, tx, patientId, questionnaireId, expected, instrument!.Value, completedAt,
                request.Items!, request.Difficulty, request.Source, Actor.Of(caller), reason!, at, webhooks.All, t).ConfigureAwait(false);
            var timeline = (await InfusionStore.ListForPatientAsync(c, patientId, t, tx).ConfigureAwait(false)).ToTimeline();
            var result = QuestionnairesEndpoints.ToResult(q, timeline, alert);
            return (result, result.Version);
        }, ct).ConfigureAwait(false);
    }

    internal static async Task<IResult> MarkQuestionnaireEnteredInError(
        Guid patientId, Guid questionnaireId, EnteredInErrorRequest request, HttpContext http, IdempotentCreate idempotent, TimeProvider clock,
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
            var (q, alert) = await CorrectionWriter.QuestionnaireEnteredInErrorAsync(c, tx, patientId, questionnaireId, expected, Actor.Of(caller), reason!,
                DbTime.Normalize(clock.GetUtcNow()), webhooks.All, t).ConfigureAwait(false);
            var timeline = (await InfusionStore.ListForPatientAsync(c, patientId, t, tx).ConfigureAwait(false)).ToTimeline();
            return (QuestionnairesEndpoints.ToResult(q, timeline, alert), q.Version);
        }, ct).ConfigureAwait(false);
    }

    internal static async Task<HistoryResponse<QuestionnaireResult>> GetQuestionnaireHistory(
        Guid patientId, Guid questionnaireId, Database db, ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        return await db.ReadAsync(async (c, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, null, t).ConfigureAwait(false);
            var q = await QuestionnaireStore.GetAsync(c, patientId, questionnaireId, t).ConfigureAwait(false) ?? throw new ResourceNotFoundException("Questionnaire");
            var stamp = await RecordVersionStore.CurrentStampAsync(c, RecordKind.Questionnaire, q.Id, null, t).ConfigureAwait(false);
            var versions = await RecordVersionStore.ListAsync(c, RecordKind.Questionnaire, q.Id, t).ConfigureAwait(false);
            var timeline = (await InfusionStore.ListForPatientAsync(c, patientId, t).ConfigureAwait(false)).ToTimeline();
            var alerts = await SafetyAlertStore.ForSourceAsync(c, q.Id, null, t).ConfigureAwait(false);
            return RecordHistory.Of(versions, q, q.Version, q.Status, q.LastUpdated, stamp,
                (QuestionnaireRecord v) => QuestionnairesEndpoints.ToResult(v, timeline, RecordHistory.AlertAt(alerts, v.Version)));
        }, ct).ConfigureAwait(false);
    }
}
