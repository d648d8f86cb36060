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

internal static class PatientsEndpoints
{
    internal const int PatientMrnMaxLength = 64;

    public static RouteGroupBuilder MapPatients(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/patients").WithTags("Patients").Audited();

        group.MapPost("/", CreatePatient).WithName("CreatePatient").WithSummary("Register a patient")
            .AllowRoles(Roles.Clinician, Roles.Ehr)
            .Accepts<CreatePatientRequest>("application/json")
            .Produces<PatientResponse>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(409).ProducesProblem(422);
        group.MapGet("/{id:guid}", GetPatient).WithName("GetPatient").WithSummary("Read a patient (ETag: its version)")
            .AllowRoles(Roles.Clinician, Roles.Ehr)
            .Produces<PatientResponse>().ProducesProblem(404);
        group.MapGet("/", ListPatients).WithName("ListPatients").WithSummary("Find patients by MRN and/or site (cursor-paginated)")
            .AllowRoles(Roles.Clinician, Roles.Ehr)
            .Produces<ListResponse<PatientResponse>>().ProducesValidationProblem();
        group.MapPut("/{id:guid}/research-consent", SetResearchConsent).WithName("SetResearchConsent").AuditTarget("patient", "id").WithIfMatch(required: false)
            .WithSummary("Grant or withdraw research consent (takes effect on the next research query); a new patient version, If-Match optional")
            .AllowRoles(Roles.Clinician)
            .Produces<PatientResponse>().ProducesValidationProblem().ProducesProblem(404).ProducesProblem(412);
        return group.MapPatientCorrections();
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

    internal static async Task<PatientResponse> GetPatient(Guid id, Database db, HttpContext http, ClaimsPrincipal user, CancellationToken ct)
    {
        var patient = await db.ReadAsync((c, t) => PatientStore.GetAsync(c, id, t), ct).ConfigureAwait(false);
        if (patient is null || !Caller.From(user).CanSee(patient.Id, patient.SiteId)) throw new ResourceNotFoundException("Patient");
        Preconditions.SetETag(http, patient.Version);
        return ToResponse(patient);
    }

    internal static async Task<ListResponse<PatientResponse>> ListPatients(
        string? mrn, string? siteId, string? limit, string? cursor, Database db, HttpContext http, ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var query = new ListQuery(http);
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
        return new ListResponse<PatientResponse>(page.Items.Select(ToResponse).ToArray(), query.Next(page.NextCursor));
    }

    /// <summary>
    /// A consent change changes the patient's representation, so it is a new version (ETag and history follow, SPEC v2
    /// Corrections), made by the caller, its reason saying what changed. If-Match is honoured when sent, not required
    /// (the endpoint predates versions).
    /// </summary>
    internal static async Task<IResult> SetResearchConsent(
        Guid id, ResearchConsentRequest request, TimeProvider clock, Database db, IdempotentCreate idempotent, HttpContext http, ClaimsPrincipal user,
        CancellationToken ct)
    {
        var caller = Caller.From(user);
        var expected = Preconditions.ExpectedVersion(http.Request, required: false);
        var errors = new ValidationErrors();
        var consent = FieldRules.Required(request.ResearchConsent, "researchConsent", errors);
        errors.ThrowIfAny();
        return await idempotent.RunCorrectionAsync(http, request, async (c, tx, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, id, caller, tx, t).ConfigureAwait(false);
            var now = DbTime.Normalize(clock.GetUtcNow());
            var changed = await CorrectionWriter.AmendPatientAsync(c, tx, db.Connections, id, expected, p => p with { ResearchConsent = consent!.Value },
                Actor.Of(caller), consent!.Value ? "Research consent granted." : "Research consent withdrawn.", now, t).ConfigureAwait(false);
            return (ToResponse(changed), changed.Version);
        }, ct).ConfigureAwait(false);
    }

    internal static PatientResponse ToResponse(PatientRecord p) =>
        new(p.Id, p.Mrn, p.SiteId, p.BirthYear, p.Sex, p.Diagnoses, p.ResearchConsent, p.CreatedAt, p.UpdatedAt, p.Version, p.UpdatedAt);
}
