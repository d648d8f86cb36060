using System.Security.Claims;
using KetamineOutcomes.Api.Audit;
using KetamineOutcomes.Api.Contracts;
using KetamineOutcomes.Api.Errors;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.Plans;
using KetamineOutcomes.Api.Security;
using KetamineOutcomes.Core.Plans;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Endpoints;

/// <summary>
/// What a patient's measurement plan asks of them (SPEC v2, Measurement plans), derived on every read from the stored
/// records by <see cref="DueSchedule"/> under the site's plan versions (<see cref="SitePlans"/>); and a site's worklist
/// (<see cref="DueWorklist"/>).
/// </summary>
internal static class DueEndpoints
{
    /// <summary>
    /// How far after now <c>at</c> may be, in days (ours; the SPEC sets none). Occurrences are generated up to
    /// <c>at</c> plus each rule's next one, so an unbounded <c>at</c> (year 9999, daily rules) would build millions; a
    /// year and a day covers any look-ahead a portal or clinician needs.
    /// </summary>
    public const int AtHorizonDays = 366;

    public static RouteGroupBuilder MapDue(this RouteGroupBuilder api)
    {
        api.MapGet("/patients/{patientId:guid}/due", GetDue).WithTags("Measurement plans").WithName("GetPatientDue").Audited()
            .WithSummary("The patient's due list at `at` (default now): every occurrence due, overdue or completed within the last 30 days, and each rule's next upcoming one")
            .WithDescription("`at` is an RFC 3339 date-time with an offset, at most 366 days after now (400 naming `at`). Any other query parameter → 400 naming it.")
            .AllowRoles(Roles.Portal, Roles.Clinician, Roles.Ehr)
            .Produces<DueResponse>().ProducesValidationProblem().ProducesProblem(404);
        api.MapGet("/patients/{patientId:guid}/adherence", GetAdherence).WithTags("Measurement plans").WithName("GetPatientAdherence").Audited()
            .WithSummary("Adherence to the plan for one instrument (phq9, gad7, cssrs) now: occurrences due, completed in window, rate")
            .WithDescription("Always computed now: `at` is not a parameter here (400 naming it, as any other parameter).")
            .AllowRoles(Roles.Clinician, Roles.Ehr)
            .Produces<AdherenceResponse>().ProducesValidationProblem().ProducesProblem(404);
        api.MapGet("/due", GetWorklist).WithTags("Measurement plans").WithName("GetDueWorklist").Audited()
            .WithSummary("The site's worklist now: occurrences due, or overdue (window closed within the last 30 days, not completed), by patient; paged")
            .WithDescription("`status` is `due` or `overdue` (absent: both). `siteId` is required unless the key is site-bound (then it is the key's site; " +
                "another site's worklist is empty). Items come by patient id, then dueAt; the cursor stays valid while records are added. " +
                "Any other query parameter (e.g. `at`: the worklist is always now) → 400 naming it.")
            .AllowRoles(Roles.Clinician)
            .Produces<ListResponse<WorklistItem>>().ProducesValidationProblem();
        return api;
    }

    internal static async Task<DueResponse> GetDue(Guid patientId, string? at, Database db, ClaimsPrincipal user, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var query = new ListQuery(http);
        var now = clock.GetUtcNow();
        var instant = query.Instant(at, "at") ?? now;
        if (instant > now.AddDays(AtHorizonDays))
            query.Add("at", $"Must be at most {AtHorizonDays} days after now (the due list looks ahead to each rule's next occurrence, not years).");
        query.ThrowIfInvalid();
        var (schedule, plan) = await LoadAsync(patientId, db, user, ct).ConfigureAwait(false);
        return new DueResponse(instant.ToUniversalTime(), schedule.DueList(plan, instant).Select(DueItem.From).ToArray());
    }

    internal static async Task<AdherenceResponse> GetAdherence(Guid patientId, string? instrument, Database db, ClaimsPrincipal user, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var query = new ListQuery(http);
        var inst = query.RequiredEnum<PlanInstrument>(instrument, "instrument");
        query.ThrowIfInvalid();
        var now = clock.GetUtcNow();
        var (schedule, plan) = await LoadAsync(patientId, db, user, ct).ConfigureAwait(false);
        var a = schedule.Adherence(plan, inst, now);
        return new AdherenceResponse(patientId, now, a.Instrument, a.Due, a.CompletedInWindow, a.Rate);
    }

    // One read for both routes: the patient (registration is its creation), its records with their statuses and its
    // site's plan versions; DueSchedule decides which records count.
    private static async Task<(DueSchedule Schedule, PlanHistory Plan)> LoadAsync(Guid patientId, Database db, ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        return await db.ReadAsync(async (c, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, null, t).ConfigureAwait(false);
            var patient = await PatientStore.GetAsync(c, patientId, t).ConfigureAwait(false) ?? throw new ResourceNotFoundException("Patient");
            var records = await ScheduleStore.ForPatientAsync(c, patientId, t).ConfigureAwait(false);
            return (records.ScheduleFrom(patient.CreatedAt), await SitePlans.HistoryAsync(c, patient.SiteId, t).ConfigureAwait(false));
        }, ct).ConfigureAwait(false);
    }

    internal static async Task<ListResponse<WorklistItem>> GetWorklist(
        string? siteId, string? status, string? limit, string? cursor, Database db, HttpContext http, TimeProvider clock, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        var query = new ListQuery(http);
        var site = query.SiteId(siteId);
        if (siteId is null && caller.SiteId is null) query.Add("siteId", "Required: the site whose worklist to list (a site-bound key may leave it out for its own site).");
        OccurrenceStatus? wanted = query.Once(status, "status") switch
        {
            null => null,
            "due" => OccurrenceStatus.Due,
            "overdue" => OccurrenceStatus.Overdue,
            _ => Refused(query, "status", "Must be one of: due, overdue (leave it out for both)."),
        };
        var take = query.Limit(limit);
        site ??= caller.SiteId;
        // A cursor is read for the site and status it was issued for (a refused status is named already).
        DueWorklist.Position? after = null;
        if (query.Once(cursor, "cursor") is { } sent && site is not null && (status is null || wanted is not null)
            && (after = WorklistCursor.Decode(sent, site, wanted)) is null) query.Add("cursor", WorklistCursor.Refusal);
        query.ThrowIfInvalid();
        site ??= caller.SiteId!; // not null once valid: siteId or the key's site is required above
        // Another site's worklist is empty for a site-bound key, as the other site lists are.
        if (!caller.CanSee(site)) return new ListResponse<WorklistItem>([], null);
        var now = clock.GetUtcNow();
        var page = await db.ReadAsync((c, t) => DueWorklist.PageAsync(c, site, wanted, after, take, now, t), ct).ConfigureAwait(false);
        AuditMiddleware.RecordPatients(http, page.Items.Select(i => i.PatientId).Distinct());
        return page;
    }

    private static OccurrenceStatus? Refused(ListQuery query, string field, string message)
    {
        query.Add(field, message);
        return null;
    }
}
