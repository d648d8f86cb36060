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

internal static class ApiKeysEndpoints
{
    public static RouteGroupBuilder MapApiKeys(this RouteGroupBuilder api)
    {
        // Admin only: admin keys manage keys, audit and deliveries, and never see patient data. Every call is audited
        // with the key it acted on as its target (SPEC v2 "Security, continued").
        var group = api.MapGroup("/api-keys").WithTags("API keys").AllowRoles(Roles.Admin).AuditedAdmin(AuditTargetTypes.ApiKey);

        group.MapPost("/", CreateApiKey).WithName("CreateApiKey").WithSummary("Create an API key; the key is in this response only")
            .WithDescription("`patientId` binds a portal key to one patient, for that patient's own app: the key then acts only on that patient " +
                "(any other answers 404; lists and searches spanning patients answer 403). Only with role `portal` (400); an unknown patient → 400 " +
                "naming `patientId`; `siteId`, if given, must be the patient's site (400), and when left out becomes it; a site-bound admin binds " +
                "only its own site's patients (another site's patient → the same 400 as an unknown one).")
            .Accepts<CreateApiKeyRequest>("application/json")
            .Produces<CreatedApiKeyResponse>(StatusCodes.Status201Created).ProducesValidationProblem();
        group.MapGet("/", ListApiKeys).WithName("ListApiKeys").WithSummary("Every key, active and revoked (never the key itself)")
            .Produces<ListResponse<ApiKeyResponse>>();
        group.MapDelete("/{id:guid}", RevokeApiKey).WithName("RevokeApiKey").WithSummary("Revoke a key: it stops working at once")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(404);
        return group;
    }

    /// <summary>
    /// A site-bound key acts only inside its site (SPEC v2 Security, continued): a site-bound admin creates, lists and
    /// revokes only keys bound to its own site; only an unbound admin manages unbound keys and other sites' keys (403).
    /// </summary>
    private static void EnsureManages(Caller admin, string? keySiteId)
    {
        if (admin.SiteId is not null && !string.Equals(admin.SiteId, keySiteId, StringComparison.Ordinal))
            throw new ForbiddenException($"A site-bound admin manages only keys bound to its own site ({admin.SiteId}); unbound keys and other sites' keys need an unbound admin.");
    }

    internal static async Task<IResult> CreateApiKey(CreateApiKeyRequest request, HttpContext http, IdempotentCreate idempotent, TimeProvider clock, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        string? name = null;
        if (string.IsNullOrWhiteSpace(request.Name)) errors.Add("name", "Required.");
        else name = FieldRules.IdentifierText(request.Name, "name", 100, errors);
        var role = FieldRules.Required(request.Role, "role", errors);
        FieldRules.Identifier(request.SiteId, "siteId", errors);
        if (request.PatientId is not null && role is { } r && r != ApiRole.Portal)
            errors.Add("patientId", "Only a portal key may be bound to a patient (a patient's own app); leave patientId out for other roles.");
        errors.ThrowIfAny();
        AuditMiddleware.RecordSite(http, request.SiteId);
        var admin = Caller.From(http.User);
        // A patient-bound key's site is its patient's, known only once the patient is read (in the write below).
        if (request.PatientId is null) EnsureManages(admin, request.SiteId);

        var key = ApiKeys.Generate();
        return await idempotent.RunAsync(http, request, async (c, tx, t) =>
        {
            var siteId = request.PatientId is { } patientId
                ? await PatientBoundSiteAsync(c, tx, patientId, request.SiteId, admin, t).ConfigureAwait(false)
                : request.SiteId;
            AuditMiddleware.RecordSite(http, siteId);
            var record = new ApiKeyRecord(Guid.CreateVersion7(), name!, WireNames.Of(role!.Value), siteId,
                ApiKeys.DisplayPrefix(key), DbTime.Normalize(clock.GetUtcNow()), null, request.PatientId);
            await ApiKeyStore.InsertAsync(c, tx, record, ApiKeys.Hash(key), t).ConfigureAwait(false);
            AuditMiddleware.RecordTarget(http, AuditTargetTypes.ApiKey, record.Id);
            return new CreatedRecord<CreatedApiKeyResponse>($"/api/v1/api-keys/{record.Id}",
                new CreatedApiKeyResponse(record.Id, record.Name, role.Value, record.SiteId, record.PatientId, record.KeyPrefix, record.CreatedAt, key));
        }, ct, redactForReplay: r => r with { Key = null }).ConfigureAwait(false);
    }

    /// <summary>
    /// The site of a key bound to <paramref name="patientId"/> (issue 18): the patient's own site. An unknown patient is
    /// refused as a field of the request (400 <c>patientId</c>), not as a missing resource at this URL; so is, for a
    /// site-bound admin, another site's patient — the same answer as a missing one, so the admin learns nothing of
    /// patients outside its site (SPEC "Errors": another site's patient is answered like a missing one). A given
    /// <c>siteId</c> must be the patient's site (400 <c>siteId</c>).
    /// </summary>
    private static async Task<string?> PatientBoundSiteAsync(
        System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, Guid patientId, string? siteId, Caller admin, CancellationToken ct)
    {
        var patient = await PatientStore.SiteOfAsync(c, patientId, tx, ct).ConfigureAwait(false);
        if (patient is null || admin.SiteId is not null && !string.Equals(admin.SiteId, patient.SiteId, StringComparison.Ordinal))
            throw ClinicalValidationException.For("patientId", "No patient with this id.");
        if (siteId is not null && !string.Equals(siteId, patient.SiteId, StringComparison.Ordinal))
            throw ClinicalValidationException.For("siteId", "A patient-bound key takes its patient's site: leave siteId out or give the patient's site.");
        return patient.SiteId;
    }

    internal static async Task<ListResponse<ApiKeyResponse>> ListApiKeys(Database db, System.Security.Claims.ClaimsPrincipal user, CancellationToken ct)
    {
        var site = Caller.From(user).SiteId;
        var keys = (await db.ReadAsync((c, t) => ApiKeyStore.ListAsync(c, t), ct).ConfigureAwait(false))
            .Where(k => site is null || string.Equals(k.SiteId, site, StringComparison.Ordinal));
        return new ListResponse<ApiKeyResponse>(keys.Select(k => new ApiKeyResponse(
            k.Id, k.Name, WireNames.Parse<ApiRole>(k.Role), k.SiteId, k.PatientId, k.KeyPrefix, k.CreatedAt, k.RevokedAt)).ToArray(), null);
    }

    internal static async Task<IResult> RevokeApiKey(Guid id, HttpContext http, Database db, TimeProvider clock, CancellationToken ct)
    {
        var admin = Caller.From(http.User);
        var found = await db.WriteAsync(async (c, tx, t) =>
        {
            if (await ApiKeyStore.GetAsync(c, id, t, tx).ConfigureAwait(false) is not { } key) return false;
            AuditMiddleware.RecordSite(http, key.SiteId);
            EnsureManages(admin, key.SiteId);
            var now = DbTime.Normalize(clock.GetUtcNow());
            if (!await ApiKeyStore.RevokeAsync(c, tx, id, now, t).ConfigureAwait(false)) return false;
            // The revocation and its audit row commit together.
            await AuditMiddleware.RecordWrittenInUnitAsync(http, c, tx, now, StatusCodes.Status204NoContent, t).ConfigureAwait(false);
            return true;
        }, ct).ConfigureAwait(false);
        return found ? TypedResults.NoContent() : throw new ResourceNotFoundException("API key");
    }
}
