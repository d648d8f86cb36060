using System.ComponentModel;
using System.Security.Claims;
using KetamineOutcomes.Api.Audit;
using KetamineOutcomes.Api.Contracts;
using KetamineOutcomes.Api.Corrections;
using KetamineOutcomes.Api.Errors;
using KetamineOutcomes.Api.Idempotency;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.Security;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Endpoints;

internal static class InfusionsEndpoints
{
    public static RouteGroupBuilder MapInfusions(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/patients/{patientId:guid}/infusions").WithTags("Infusions").Audited();

        group.MapPost("/", RecordInfusion).WithName("RecordInfusion")
            .WithSummary("Record an infusion; later assessments are re-keyed to it if it is back-dated")
            .AllowRoles(Roles.Clinician, Roles.Ehr)
            .Accepts<CreateInfusionRequest>("application/json")
            .Produces<InfusionResponse>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409).ProducesProblem(422);
        group.MapGet("/", ListInfusions).WithName("ListInfusions")
            .WithSummary("A patient's infusions in session order; entered-in-error ones (no session number) only with includeEnteredInError=true")
            .AllowRoles(Roles.Clinician, Roles.Ehr, Roles.Portal)
            .Produces<ListResponse<InfusionResponse>>().ProducesValidationProblem().ProducesProblem(404);
        group.MapGet("/{infusionId:guid}", GetInfusion).WithName("GetInfusion").WithSummary("Read one infusion with its current session number (ETag: its version)")
            .AllowRoles(Roles.Clinician, Roles.Ehr, Roles.Portal)
            .Produces<InfusionResponse>().ProducesProblem(404);
        return group.MapInfusionCorrections();
    }

    internal static async Task<IResult> RecordInfusion(
        Guid patientId, CreateInfusionRequest request, HttpContext http, IdempotentCreate idempotent, TimeProvider clock, ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var errors = new ValidationErrors();
        var now = clock.GetUtcNow();
        var validated = Validate(request, patientId, now, errors);
        errors.ThrowIfAny();

        return await idempotent.RunAsync(http, request, async (c, tx, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, tx, t).ConfigureAwait(false);
            var infusion = validated!;
            await InfusionStore.InsertAsync(c, tx, infusion, t).ConfigureAwait(false);
            var all = await InfusionStore.ListForPatientAsync(c, patientId, t, tx).ConfigureAwait(false);
            var timeline = all.ToTimeline();
            return new CreatedRecord<InfusionResponse>(
                $"/api/v1/patients/{patientId}/infusions/{infusion.Id}", ToResponse(infusion, timeline.SessionNumberOf(infusion.Id)!.Value));
        }, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// An infusion's rules, one place for POST and PUT: time, route and drug required, doses, duration and blood pressure
    /// in range, notes. Returns the new record (a fresh id, created now) when no error was added, else null.
    /// </summary>
    internal static InfusionRecord? Validate(CreateInfusionRequest request, Guid patientId, DateTimeOffset now, ValidationErrors errors)
    {
        var before = errors.Count;
        var administeredAt = FieldRules.Instant(request.AdministeredAt, "administeredAt", now, errors);
        var route = FieldRules.Required(request.Route, "route", errors);
        var drug = FieldRules.Required(request.Drug, "drug", errors);
        FieldRules.Range(request.DoseMg, "doseMg", 0, 1000, errors);
        FieldRules.Range(request.DoseMgPerKg, "doseMgPerKg", 0, 10, errors);
        FieldRules.Range(request.DurationMinutes, "durationMinutes", 1, 24 * 60, errors);
        var b = request.BloodPressure;
        if (b is not null)
        {
            FieldRules.Range(b.PreSystolic, "bloodPressure.preSystolic", 40, 300, errors);
            FieldRules.Range(b.PreDiastolic, "bloodPressure.preDiastolic", 20, 200, errors);
            FieldRules.Range(b.PostSystolic, "bloodPressure.postSystolic", 40, 300, errors);
            FieldRules.Range(b.PostDiastolic, "bloodPressure.postDiastolic", 20, 200, errors);
        }
        FieldRules.Text(request.Notes, "notes", 2000, errors);
        if (errors.Count != before) return null;
        return new InfusionRecord(Guid.CreateVersion7(), patientId, administeredAt, route!.Value, drug!.Value,
            request.DoseMg, request.DoseMgPerKg, request.DurationMinutes,
            b is null ? null : new BloodPressure(b.PreSystolic, b.PreDiastolic, b.PostSystolic, b.PostDiastolic),
            (request.SideEffects ?? []).Distinct().ToArray(), request.Notes, DbTime.Normalize(now));
    }

    internal static async Task<ListResponse<InfusionResponse>> ListInfusions(
        Guid patientId, string? limit, string? cursor, [Description(ListQuery.IncludeEnteredInErrorDescription)] string? includeEnteredInError,
        Database db, ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var query = new ListQuery(http);
        var take = query.Limit(limit);
        var after = query.Cursor(cursor);
        var withErrors = query.IncludeEnteredInError(includeEnteredInError);
        query.ThrowIfInvalid();
        var all = await db.ReadAsync(async (c, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, null, t).ConfigureAwait(false);
            return await InfusionStore.ListForPatientAsync(c, patientId, t).ConfigureAwait(false);
        }, ct).ConfigureAwait(false);

        // Session numbers need the whole list, which is short (tens per patient): page over it in memory.
        var numbered = InSessionOrder(all).Where(x => withErrors || x.inf.Status.IsLive()).ToList();
        var start = 0;
        if (after is not null)
        {
            var (micros, id) = Keyset.Decode(after);
            start = numbered.FindIndex(x => DbTime.ToDb(x.inf.AdministeredAt) > micros || (DbTime.ToDb(x.inf.AdministeredAt) == micros && x.inf.Id.CompareTo(id) > 0));
            if (start < 0) start = numbered.Count;
        }
        var page = numbered.Skip(start).Take(take).ToList();
        var next = start + take < numbered.Count ? Keyset.Encode(DbTime.ToDb(page[^1].inf.AdministeredAt), page[^1].inf.Id) : null;
        return new ListResponse<InfusionResponse>(page.Select(x => ToResponse(x.inf, x.session)).ToArray(), query.Next(next));
    }

    internal static async Task<InfusionResponse> GetInfusion(Guid patientId, Guid infusionId, Database db, HttpContext http, ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var all = await db.ReadAsync(async (c, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, null, t).ConfigureAwait(false);
            return await InfusionStore.ListForPatientAsync(c, patientId, t).ConfigureAwait(false);
        }, ct).ConfigureAwait(false);
        var (infusion, session) = InSessionOrder(all).Find(x => x.inf.Id == infusionId);
        if (infusion is null) throw new ResourceNotFoundException("Infusion");
        Preconditions.SetETag(http, infusion.Version);
        return ToResponse(infusion, session);
    }

    /// <summary>
    /// An infusion (current, or a version of it) with the session number it has among the patient's current infusions,
    /// itself standing in for its current version.
    /// </summary>
    internal static InfusionResponse WithSession(InfusionRecord infusion, IReadOnlyList<InfusionRecord> all) =>
        ToResponse(infusion, InSessionOrder(all.Select(i => i.Id == infusion.Id ? infusion : i).ToArray()).Find(x => x.inf.Id == infusion.Id).session);

    /// <summary>
    /// Every infusion in administration order (ties by id), numbered exactly as the timeline numbers sessions (one
    /// ordering rule everywhere); an entered-in-error infusion is no session and has no number.
    /// </summary>
    private static List<(InfusionRecord inf, int? session)> InSessionOrder(IReadOnlyList<InfusionRecord> all)
    {
        var timeline = all.ToTimeline();
        return all.OrderBy(i => i.AdministeredAt.UtcTicks).ThenBy(i => i.Id).Select(i => (i, timeline.SessionNumberOf(i.Id))).ToList();
    }

    private static InfusionResponse ToResponse(InfusionRecord i, int? session) => new(
        i.Id, i.PatientId, session, i.AdministeredAt, i.Route, i.Drug, i.DoseMg, i.DoseMgPerKg, i.DurationMinutes,
        i.BloodPressure is { } b ? new BloodPressureDto(b.PreSystolic, b.PreDiastolic, b.PostSystolic, b.PostDiastolic) : null,
        i.SideEffects, i.Notes, i.CreatedAt, i.Status, i.Version, i.LastUpdated);
}
