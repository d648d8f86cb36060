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
using KetamineOutcomes.Core.Safety;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Endpoints;

internal static class CheckinsEndpoints
{
    public static RouteGroupBuilder MapCheckins(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/patients/{patientId:guid}/suicidality-checkins").WithTags("Suicidality check-ins").Audited();

        group.MapPost("/", SubmitCheckin).WithName("SubmitSuicidalityCheckin")
            .WithSummary("Submit a C-SSRS screener check-in; any risk above none raises a safety alert in the same transaction")
            .AllowRoles(Roles.Portal, Roles.Clinician, Roles.Ehr)
            .Accepts<SubmitCheckinRequest>("application/json")
            .Produces<CheckinResponse>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409).ProducesProblem(422);
        group.MapGet("/", ListCheckins).WithName("ListSuicidalityCheckins").WithSummary("A patient's check-ins in completion order; from/to inclusive; entered-in-error ones only with includeEnteredInError=true")
            .AllowRoles(Roles.Clinician, Roles.Ehr)
            .Produces<ListResponse<CheckinResponse>>().ProducesValidationProblem().ProducesProblem(404);
        group.MapGet("/{checkinId:guid}", GetCheckin).WithName("GetSuicidalityCheckin").WithSummary("Read one check-in (ETag: its version)")
            .AllowRoles(Roles.Clinician, Roles.Ehr)
            .Produces<CheckinResponse>().ProducesProblem(404);
        return group.MapCheckinCorrections();
    }

    internal static async Task<IResult> SubmitCheckin(
        Guid patientId, SubmitCheckinRequest request, HttpContext http, IdempotentCreate idempotent, TimeProvider clock, WebhookTargets webhooks,
        ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var errors = new ValidationErrors();
        var now = clock.GetUtcNow();
        var (completedAt, answers) = Validate(request, now, errors);
        errors.ThrowIfAny();

        return await idempotent.RunAsync(http, request, async (c, tx, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, tx, t).ConfigureAwait(false);
            var (checkin, alert) = await SubmissionWriter.InsertCheckinAsync(c, tx, patientId, completedAt, answers!, request.Source,
                RecordStatus.Final, DbTime.Normalize(now), webhooks.All, t).ConfigureAwait(false);
            var timeline = (await InfusionStore.ListForPatientAsync(c, patientId, t, tx).ConfigureAwait(false)).ToTimeline();
            return new CreatedRecord<CheckinResponse>($"/api/v1/patients/{patientId}/suicidality-checkins/{checkin.Id}", ToResponse(checkin, timeline, alert));
        }, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A check-in's rules, one place for POST and PUT: completion time, the three required answers, source, and the
    /// screener's skip logic (Core). Values are meaningful only when no error was added.
    /// </summary>
    internal static (DateTimeOffset CompletedAt, CssrsAnswers? Answers) Validate(SubmitCheckinRequest request, DateTimeOffset now, ValidationErrors errors)
    {
        var completedAt = FieldRules.Instant(request.CompletedAt, "completedAt", now, errors);
        var q1 = FieldRules.Required(request.WishToBeDead, "wishToBeDead", errors);
        var q2 = FieldRules.Required(request.SuicidalThoughts, "suicidalThoughts", errors);
        var q6 = FieldRules.Required(request.SuicidalBehavior, "suicidalBehavior", errors);
        FieldRules.Text(request.Source, "source", 100, errors);
        CssrsAnswers? answers = null;
        if (q1 is not null && q2 is not null && q6 is not null)
        {
            answers = new CssrsAnswers(q1.Value, q2.Value, request.ThoughtsOfMethod, request.Intent, request.Plan, q6.Value);
            CssrsRules.Validate(answers, errors);
        }
        return (completedAt, answers);
    }

    internal static async Task<ListResponse<CheckinResponse>> ListCheckins(
        Guid patientId, string? from, string? to, string? limit, string? cursor, [Description(ListQuery.IncludeEnteredInErrorDescription)] string? includeEnteredInError,
        Database db, ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var query = new ListQuery(http);
        var (f, tt) = (query.Instant(from, "from"), query.Instant(to, "to"));
        query.CheckRange(f, tt);
        var take = query.Limit(limit);
        var after = query.Cursor(cursor);
        var withErrors = query.IncludeEnteredInError(includeEnteredInError);
        query.ThrowIfInvalid();
        return await db.ReadAsync(async (c, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, null, t).ConfigureAwait(false);
            var page = await CheckinStore.ListAsync(c, patientId, f, tt, after, take, withErrors, t).ConfigureAwait(false);
            var timeline = (await InfusionStore.ListForPatientAsync(c, patientId, t).ConfigureAwait(false)).ToTimeline();
            var alerts = await SafetyAlertStore.BySubmissionAsync(c, patientId, page.Items.Select(x => x.Id).ToArray(), t).ConfigureAwait(false);
            return new ListResponse<CheckinResponse>(page.Items.Select(x => ToResponse(x, timeline, alerts.GetValueOrDefault(x.Id))).ToArray(), query.Next(page.NextCursor));
        }, ct).ConfigureAwait(false);
    }

    internal static async Task<CheckinResponse> GetCheckin(Guid patientId, Guid checkinId, Database db, HttpContext http, ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var result = await db.ReadAsync(async (c, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, null, t).ConfigureAwait(false);
            var checkin = await CheckinStore.GetAsync(c, patientId, checkinId, t).ConfigureAwait(false)
                ?? throw new ResourceNotFoundException("Check-in");
            var timeline = (await InfusionStore.ListForPatientAsync(c, patientId, t).ConfigureAwait(false)).ToTimeline();
            var alerts = await SafetyAlertStore.BySubmissionAsync(c, patientId, [checkin.Id], t).ConfigureAwait(false);
            return ToResponse(checkin, timeline, alerts.GetValueOrDefault(checkin.Id));
        }, ct).ConfigureAwait(false);
        Preconditions.SetETag(http, result.Version);
        return result;
    }

    internal static CheckinResponse ToResponse(CheckinRecord r, InfusionTimeline timeline, SafetyAlertRecord? alert)
    {
        var a = r.Answers;
        return new CheckinResponse(r.Id, r.PatientId, r.CompletedAt, a.WishToBeDead, a.SuicidalThoughts, a.ThoughtsOfMethod, a.Intent, a.Plan,
            a.SuicidalBehavior, r.RiskLevel, r.Source, timeline.At(r.CompletedAt), AlertSummary.From(alert), r.CreatedAt, r.Status, r.Version, r.LastUpdated);
    }
}
