using System.Security.Claims;
using KetamineOutcomes.Api.Audit;
using KetamineOutcomes.Api.Contracts;
using KetamineOutcomes.Api.Errors;
using KetamineOutcomes.Api.Idempotency;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.Security;
using KetamineOutcomes.Core;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Endpoints;

internal static class PatientsEndpoints
{
    private const int PatientMrnMaxLength = 64;

    public static RouteGroupBuilder MapPatients(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/patients").WithTags("Patients").Audited();

        group.MapPost("/", CreatePatient).WithName("CreatePatient").WithSummary("Register a patient")
            .AllowRoles(Roles.Clinician, Roles.Ehr)
            .Accepts<CreatePatientRequest>("application/json")
            .Produces<PatientResponse>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(409).ProducesProblem(422);
        group.MapGet("/{id:guid}", GetPatient).WithName("GetPatient").WithSummary("Read a patient")
            .AllowRoles(Roles.Clinician, Roles.Ehr)
            .Produces<PatientResponse>().ProducesProblem(404);
        group.MapGet("/", ListPatients).WithName("ListPatients").WithSummary("Find patients by MRN and/or site (cursor-paginated)")
            .AllowRoles(Roles.Clinician, Roles.Ehr)
            .Produces<ListResponse<PatientResponse>>().ProducesValidationProblem();
        group.MapPut("/{id:guid}/research-consent", SetResearchConsent).WithName("SetResearchConsent")
            .WithSummary("Grant or withdraw research consent (takes effect on the next research query)")
            .AllowRoles(Roles.Clinician)
            .Produces<PatientResponse>().ProducesValidationProblem().ProducesProblem(404);
        return group;
    }

    internal static async Task<IResult> CreatePatient(
        CreatePatientRequest request, HttpContext http, IdempotentCreate idempotent, TimeProvider clock, Database db, ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var errors = new ValidationErrors();
        var mrn = FieldRules.IdentifierText(request.Mrn, "mrn", PatientMrnMaxLength, errors);
        FieldRules.Identifier(request.SiteId, "siteId", errors);
        FieldRules.Range(request.BirthYear, "birthYear", 1900, clock.GetUtcNow().Year, errors);
        var consent = FieldRules.Required(request.ResearchConsent, "researchConsent", errors);
        errors.ThrowIfAny();
        // A site-bound key creates patients in its own site only (omitting siteId means its site).
        var siteId = request.SiteId ?? caller.SiteId;
        if (!caller.CanSee(siteId)) throw new ForbiddenException("This API key may only create patients in its own site.");

        return await idempotent.RunAsync(http, request, async (c, tx, t) =>
        {
            var now = DbTime.Normalize(clock.GetUtcNow());
            var patient = new PatientRecord(Guid.CreateVersion7(), siteId, mrn, request.BirthYear, request.Sex,
                (request.Diagnoses ?? []).Distinct().Order().ToArray(), consent!.Value, now, now);
            await PatientStore.InsertAsync(c, tx, db.Connections, patient, t).ConfigureAwait(false);
            AuditMiddleware.RecordPatients(http, [patient.Id]);
            return new CreatedRecord<PatientResponse>($"/api/v1/patients/{patient.Id}", ToResponse(patient));
        }, ct).ConfigureAwait(false);
    }

    internal static async Task<PatientResponse> GetPatient(Guid id, Database db, ClaimsPrincipal user, CancellationToken ct)
    {
        var patient = await db.ReadAsync((c, t) => PatientStore.GetAsync(c, id, t), ct).ConfigureAwait(false);
        return patient is not null && Caller.From(user).CanSee(patient.Id, patient.SiteId) ? ToResponse(patient) : throw new ResourceNotFoundException("Patient");
    }

    internal static async Task<ListResponse<PatientResponse>> ListPatients(
        string? mrn, string? siteId, string? limit, string? cursor, Database db, HttpContext http, ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var query = new ListQuery();
        var take = query.Limit(limit);
        var after = query.Cursor(cursor);
        // Looked up in the stored form (NFC), so an MRN is found whichever normalisation form the caller sends.
        mrn = query.IdentifierText(mrn, "mrn", PatientMrnMaxLength);
        siteId = query.SiteId(siteId);
        query.ThrowIfInvalid();
        // A site-bound key lists its own site only; asking for another site finds nobody.
        if (!caller.CanSee(siteId ?? caller.SiteId)) return new ListResponse<PatientResponse>([], null);
        var page = await db.ReadAsync((c, t) => PatientStore.ListAsync(c, mrn, siteId ?? caller.SiteId, after, take, t), ct).ConfigureAwait(false);
        AuditMiddleware.RecordPatients(http, page.Items.Select(p => p.Id));
        return new ListResponse<PatientResponse>(page.Items.Select(ToResponse).ToArray(), page.NextCursor);
    }

    internal static async Task<PatientResponse> SetResearchConsent(
        Guid id, ResearchConsentRequest request, TimeProvider clock, Database db, HttpContext http, ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var errors = new ValidationErrors();
        var consent = FieldRules.Required(request.ResearchConsent, "researchConsent", errors);
        errors.ThrowIfAny();
        var patient = await db.WriteAsync(async (c, tx, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, id, caller, tx, t).ConfigureAwait(false);
            var now = DbTime.Normalize(clock.GetUtcNow());
            if (!await PatientStore.SetResearchConsentAsync(c, tx, id, consent!.Value, now, t).ConfigureAwait(false))
                throw new ResourceNotFoundException("Patient");
            await AuditMiddleware.RecordWrittenInUnitAsync(http, c, tx, now, StatusCodes.Status200OK, t).ConfigureAwait(false);
            return (await PatientStore.GetAsync(c, id, t, tx).ConfigureAwait(false))!;
        }, ct).ConfigureAwait(false);
        return ToResponse(patient);
    }

    private static PatientResponse ToResponse(PatientRecord p) =>
        new(p.Id, p.Mrn, p.SiteId, p.BirthYear, p.Sex, p.Diagnoses, p.ResearchConsent, p.CreatedAt, p.UpdatedAt);
}
