using System.Security.Claims;
using KetamineOutcomes.Api.Audit;
using KetamineOutcomes.Api.Contracts;
using KetamineOutcomes.Api.Errors;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.Security;
using KetamineOutcomes.Core.Plans;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Endpoints;

/// <summary>
/// What a patient's measurement plan asks of them (SPEC v2, Measurement plans), derived on every read from the stored
/// records by <see cref="DueSchedule"/>. The site's own plan is not stored yet: every site has the default plan.
/// </summary>
internal static class DueEndpoints
{
    public static RouteGroupBuilder MapDue(this RouteGroupBuilder api)
    {
        api.MapGet("/patients/{patientId:guid}/due", GetDue).WithTags("Measurement plans").WithName("GetPatientDue").Audited()
            .WithSummary("The patient's due list at `at` (default now): every occurrence due, overdue or completed within the last 30 days, and each rule's next upcoming one")
            .AllowRoles(Roles.Portal, Roles.Clinician, Roles.Ehr)
            .Produces<DueResponse>().ProducesValidationProblem().ProducesProblem(404);
        api.MapGet("/patients/{patientId:guid}/adherence", GetAdherence).WithTags("Measurement plans").WithName("GetPatientAdherence").Audited()
            .WithSummary("Adherence to the plan for one instrument (phq9, gad7, cssrs) now: occurrences due, completed in window, rate")
            .AllowRoles(Roles.Clinician, Roles.Ehr)
            .Produces<AdherenceResponse>().ProducesValidationProblem().ProducesProblem(404);
        return api;
    }

    internal static async Task<DueResponse> GetDue(Guid patientId, string? at, Database db, ClaimsPrincipal user, TimeProvider clock, CancellationToken ct)
    {
        var query = new ListQuery();
        var instant = query.Instant(at, "at") ?? clock.GetUtcNow();
        query.ThrowIfInvalid();
        var (schedule, plan) = await LoadAsync(patientId, db, user, ct).ConfigureAwait(false);
        return new DueResponse(instant.ToUniversalTime(), schedule.DueList(plan, instant).Select(DueItem.From).ToArray());
    }

    internal static async Task<AdherenceResponse> GetAdherence(Guid patientId, string? instrument, Database db, ClaimsPrincipal user, TimeProvider clock, CancellationToken ct)
    {
        var query = new ListQuery();
        var inst = query.RequiredEnum<PlanInstrument>(instrument, "instrument");
        query.ThrowIfInvalid();
        var now = clock.GetUtcNow();
        var (schedule, plan) = await LoadAsync(patientId, db, user, ct).ConfigureAwait(false);
        var a = schedule.Adherence(plan, inst, now);
        return new AdherenceResponse(patientId, now, a.Instrument, a.Due, a.CompletedInWindow, a.Rate);
    }

    // One read for both routes: the patient (registration is its creation), infusions, questionnaires and check-ins
    // with their statuses; DueSchedule decides which records count.
    private static async Task<(DueSchedule Schedule, MeasurementPlan Plan)> LoadAsync(Guid patientId, Database db, ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        return await db.ReadAsync(async (c, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, null, t).ConfigureAwait(false);
            var patient = await PatientStore.GetAsync(c, patientId, t).ConfigureAwait(false) ?? throw new ResourceNotFoundException("Patient");
            var infusions = await InfusionStore.ListForPatientAsync(c, patientId, t).ConfigureAwait(false);
            var questionnaires = await QuestionnaireStore.AllForPatientAsync(c, patientId, includeEnteredInError: false, t).ConfigureAwait(false);
            var checkins = await CheckinStore.AllForPatientAsync(c, patientId, includeEnteredInError: false, t).ConfigureAwait(false);
            var schedule = new DueSchedule(patient.CreatedAt,
                infusions.Select(i => new ScheduleInfusion(i.Id, i.AdministeredAt, i.Status)),
                questionnaires.Select(q => new ScheduleAssessment(q.Id, PlanInstruments.Of(q.Instrument), q.CompletedAt, q.Status))
                    .Concat(checkins.Select(k => new ScheduleAssessment(k.Id, PlanInstrument.Cssrs, k.CompletedAt, k.Status))));
            return (schedule, MeasurementPlan.Default);
        }, ct).ConfigureAwait(false);
    }
}
