using System.Security.Claims;
using KetamineOutcomes.Api.Audit;
using KetamineOutcomes.Api.Contracts;
using KetamineOutcomes.Api.Corrections;
using KetamineOutcomes.Api.Errors;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.Security;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Safety;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Endpoints;

internal static class SafetyAlertsEndpoints
{
    public static RouteGroupBuilder MapSafetyAlerts(this RouteGroupBuilder api)
    {
        // Clinicians work the queue; a site-bound key sees its own site's alerts only.
        var group = api.MapGroup("/safety-alerts").WithTags("Safety alerts").AllowRoles(Roles.Clinician).Audited();

        group.MapGet("/", ListAlerts).WithName("ListSafetyAlerts")
            .WithSummary("The safety-alert queue: highest level first, then oldest; filter by status (default open), site and level")
            .Produces<ListResponse<SafetyAlertResponse>>().ProducesValidationProblem();
        group.MapPost("/{id:guid}/acknowledge", Acknowledge).WithName("AcknowledgeSafetyAlert")
            .WithSummary("Acknowledge an open alert with a note; acknowledging twice answers 409")
            .Accepts<AcknowledgeAlertRequest>("application/json")
            .Produces<SafetyAlertResponse>().ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409);
        return group;
    }

    internal static async Task<ListResponse<SafetyAlertResponse>> ListAlerts(
        string? status, string? siteId, string? level, string? limit, string? cursor, Database db, HttpContext http, ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var query = new ListQuery(http);
        AlertStatus? st = status == "all" ? null : query.Enum<AlertStatus>(status, "status", "all") ?? AlertStatus.Open;
        var lv = query.Enum<AlertLevel>(level, "level");
        var take = query.Limit(limit);
        var after = query.Cursor(cursor);
        siteId = query.SiteId(siteId);
        query.ThrowIfInvalid();
        if (!caller.CanSee(siteId ?? caller.SiteId)) return new ListResponse<SafetyAlertResponse>([], null);
        var page = await db.ReadAsync((c, t) => SafetyAlertStore.QueueAsync(c, st, siteId ?? caller.SiteId, lv, after, take, t), ct).ConfigureAwait(false);
        AuditMiddleware.RecordPatients(http, page.Items.Select(a => a.Alert.PatientId).Distinct());
        return new ListResponse<SafetyAlertResponse>(page.Items.Select(ToResponse).ToArray(), query.Next(page.NextCursor));
    }

    internal static async Task<SafetyAlertResponse> Acknowledge(
        Guid id, AcknowledgeAlertRequest request, Database db, TimeProvider clock, HttpContext http, ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var errors = new ValidationErrors();
        // SPEC v2 Security: an acknowledgement says what was done; a bare click is not a clinical record.
        if (request.Note is null || !Core.IdentifierText.HasVisible(request.Note)) errors.Add("note", "Required: what was done, e.g. \"Called patient, safety plan reviewed\" (1–2000 characters).");
        else FieldRules.Text(request.Note, "note", 2000, errors);
        errors.ThrowIfAny();
        var alert = await db.WriteAsync(async (c, tx, t) =>
        {
            var f = await SafetyAlertStore.GetViewAsync(c, id, tx, t).ConfigureAwait(false);
            if (f is null || !caller.CanSee(f.Alert.PatientId, f.SiteId)) throw new ResourceNotFoundException("Safety alert");
            AuditMiddleware.RecordPatients(http, [f.Alert.PatientId]);
            var now = DbTime.Normalize(clock.GetUtcNow());
            if (!await SafetyAlertStore.AcknowledgeAsync(c, tx, id, caller.Actor.Id, caller.Actor.ToJson(), request.Note, now, t).ConfigureAwait(false))
                throw new StateConflictException("Already acknowledged", "This alert was already acknowledged.");
            await AuditMiddleware.RecordWrittenInUnitAsync(http, c, tx, now, StatusCodes.Status200OK, t).ConfigureAwait(false);
            return (await SafetyAlertStore.GetViewAsync(c, id, tx, t).ConfigureAwait(false))!;
        }, ct).ConfigureAwait(false);
        return ToResponse(alert);
    }

    // The card shows what the patient answered in the version that raised the alert (safety_alerts.source_version): after
    // item 9 is amended 2 → 0 it still reads 2 beside sourceStatus amended (SPEC v2, Corrections: an alert is never removed).
    private static SafetyAlertResponse ToResponse(SafetyAlertView v)
    {
        var a = v.Alert;
        var (completedAt, item9, cssrs) = (v.SourceCompletedAt, v.Item9, v.Cssrs);
        if (v.RaisedByBody is { } body && a.CheckinId is not null)
        {
            var k = RecordBodies.Deserialize<CheckinRecord>(body);
            (completedAt, cssrs) = (k.CompletedAt, k.Answers);
        }
        else if (v.RaisedByBody is { } qBody)
        {
            var q = RecordBodies.Deserialize<QuestionnaireRecord>(qBody);
            (completedAt, item9) = (q.CompletedAt, q.Item9);
        }
        var answers = cssrs is { } c ? TriggeringAnswers.ForCheckin(c) : TriggeringAnswers.ForPhq9Item9(item9);
        return new(a.Id, a.PatientId, v.SiteId, v.Mrn, a.Level, a.Trigger, a.Status, a.CreatedAt, a.QuestionnaireId, a.CheckinId,
            completedAt, answers, a.AcknowledgedBy, Actor.Parse(a.AcknowledgedActor), a.AcknowledgedAt, a.Note, a.SourceStatus, a.SourceVersion);
    }
}
