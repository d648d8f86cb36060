using System.ComponentModel;
using System.Security.Claims;
using KetamineOutcomes.Api.Audit;
using KetamineOutcomes.Api.Contracts;
using KetamineOutcomes.Api.Corrections;
using KetamineOutcomes.Api.Errors;
using KetamineOutcomes.Api.Idempotency;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.Security;
using KetamineOutcomes.Api.Submissions;
using KetamineOutcomes.Api.Webhooks;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Safety;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Endpoints;

internal static class QuestionnairesEndpoints
{
    public static RouteGroupBuilder MapQuestionnaires(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/patients/{patientId:guid}/questionnaires").WithTags("Questionnaires").Audited();

        group.MapPost("/", SubmitQuestionnaire).WithName("SubmitQuestionnaire")
            .WithSummary("Submit a PHQ-9 or GAD-7; scored, keyed to infusions, and a PHQ-9 item 9 ≥ 1 raises a safety alert in the same transaction")
            .AllowRoles(Roles.Portal, Roles.Clinician, Roles.Ehr)
            .Accepts<SubmitQuestionnaireRequest>("application/json")
            .Produces<QuestionnaireResult>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409).ProducesProblem(422);
        group.MapGet("/", ListQuestionnaires).WithName("ListQuestionnaires")
            .WithSummary("A patient's questionnaires in completion order; from/to inclusive; entered-in-error ones only with includeEnteredInError=true")
            .AllowRoles(Roles.Portal, Roles.Clinician, Roles.Ehr)
            .Produces<ListResponse<QuestionnaireResult>>().ProducesValidationProblem().ProducesProblem(404);
        group.MapGet("/{questionnaireId:guid}", GetQuestionnaire).WithName("GetQuestionnaire").WithSummary("Read one questionnaire (ETag: its version)")
            .AllowRoles(Roles.Portal, Roles.Clinician, Roles.Ehr)
            .Produces<QuestionnaireResult>().ProducesProblem(404);
        return group.MapQuestionnaireCorrections();
    }

    internal static async Task<IResult> SubmitQuestionnaire(
        Guid patientId, SubmitQuestionnaireRequest request, HttpContext http, IdempotentCreate idempotent, Database db, TimeProvider clock,
        WebhookTargets webhooks, ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var errors = new ValidationErrors();
        var now = clock.GetUtcNow();
        var (instrument, completedAt) = Validate(request, now, errors);
        errors.ThrowIfAny();

        // Timepoints are derived from the infusion list whenever a record is read, never stored: reading the list before
        // the write (on a reader, off the single writer's path) only dates the answer's timepoint to that moment. Unsettled:
        // the answer goes out after the write's own flush, which covers whatever this read saw.
        var timeline = await db.ReadUnsettledAsync((c, t) => InfusionStore.TimelineForPatientAsync(c, patientId, t), ct).ConfigureAwait(false);
        return await idempotent.RunAsync(http, request, async (c, tx, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, tx, t).ConfigureAwait(false);
            var (q, alert) = await SubmissionWriter.InsertQuestionnaireAsync(c, tx, patientId, instrument!.Value, completedAt, request.Items!,
                request.Difficulty, request.Source, RecordStatus.Final, DbTime.Normalize(now), webhooks.All, t).ConfigureAwait(false);
            return new CreatedRecord<QuestionnaireResult>($"/api/v1/patients/{patientId}/questionnaires/{q.Id}", ToResult(q, timeline, alert));
        }, ct).ConfigureAwait(false);
    }

    internal static async Task<ListResponse<QuestionnaireResult>> ListQuestionnaires(
        Guid patientId, string? instrument, string? from, string? to, string? limit, string? cursor, [Description(ListQuery.IncludeEnteredInErrorDescription)] string? includeEnteredInError,
        Database db, ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var query = new ListQuery(http);
        var inst = query.Enum<Instrument>(instrument, "instrument");
        var (f, tt) = (query.Instant(from, "from"), query.Instant(to, "to"));
        query.CheckRange(f, tt);
        var take = query.Limit(limit);
        var after = query.Cursor(cursor);
        var withErrors = query.IncludeEnteredInError(includeEnteredInError);
        query.ThrowIfInvalid();
        return await db.ReadAsync(async (c, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, null, t).ConfigureAwait(false);
            var page = await QuestionnaireStore.ListAsync(c, patientId, inst, f, tt, after, take, withErrors, t).ConfigureAwait(false);
            var timeline = (await InfusionStore.ListForPatientAsync(c, patientId, t).ConfigureAwait(false)).ToTimeline();
            var alerts = await SafetyAlertStore.BySubmissionAsync(c, patientId, page.Items.Select(q => q.Id).ToArray(), t).ConfigureAwait(false);
            return new ListResponse<QuestionnaireResult>(
                page.Items.Select(q => ToResult(q, timeline, alerts.GetValueOrDefault(q.Id))).ToArray(), query.Next(page.NextCursor));
        }, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A submission's rules, one place for POST and PUT: instrument, completion time (not in the future), source, and the
    /// instrument's answers (Core). Values are meaningful only when no error was added.
    /// </summary>
    internal static (Instrument? Instrument, DateTimeOffset CompletedAt) Validate(SubmitQuestionnaireRequest request, DateTimeOffset now, ValidationErrors errors)
    {
        var instrument = FieldRules.Required(request.Instrument, "instrument", errors);
        var completedAt = FieldRules.Instant(request.CompletedAt, "completedAt", now, errors);
        FieldRules.Text(request.Source, "source", 100, errors);
        if (instrument is { } i) QuestionnaireScoring.Validate(i, request.Items, request.Difficulty, errors);
        return (instrument, completedAt);
    }

    internal static async Task<QuestionnaireResult> GetQuestionnaire(Guid patientId, Guid questionnaireId, Database db, HttpContext http, ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var result = await db.ReadAsync(async (c, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, null, t).ConfigureAwait(false);
            var q = await QuestionnaireStore.GetAsync(c, patientId, questionnaireId, t).ConfigureAwait(false)
                ?? throw new ResourceNotFoundException("Questionnaire");
            var timeline = (await InfusionStore.ListForPatientAsync(c, patientId, t).ConfigureAwait(false)).ToTimeline();
            var alerts = await SafetyAlertStore.BySubmissionAsync(c, patientId, [q.Id], t).ConfigureAwait(false);
            return ToResult(q, timeline, alerts.GetValueOrDefault(q.Id));
        }, ct).ConfigureAwait(false);
        Preconditions.SetETag(http, result.Version);
        return result;
    }

    internal static QuestionnaireResult ToResult(QuestionnaireRecord q, InfusionTimeline timeline, SafetyAlertRecord? alert) => new(
        q.Id, q.PatientId, q.Instrument, q.CompletedAt, q.Items, q.Difficulty, q.Source, q.TotalScore, q.Severity, q.Prorated,
        timeline.At(q.CompletedAt), AlertSummary.From(alert), q.CreatedAt, q.Status, q.Version, q.LastUpdated);
}
