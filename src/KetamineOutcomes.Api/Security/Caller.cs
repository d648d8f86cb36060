using System.Security.Claims;

namespace KetamineOutcomes.Api.Security;

/// <summary>The authenticated API key behind a request.</summary>
/// <param name="PatientId">The one patient a patient-bound portal key (a patient's own app) acts on; null for every other key.</param>
/// <param name="KeyName">The key's name, as correction history names the actor (SPEC v2: <c>{ "type": "key", "id", "name" }</c>).</param>
internal sealed record Caller(Guid KeyId, string Role, string? SiteId, Guid? PatientId = null, string? KeyName = null)
{
    public const string KeyIdClaim = "key_id", SiteIdClaim = "site_id", PatientIdClaim = "patient_id", KeyNameClaim = "key_name";

    /// <summary>The caller of an authorized endpoint (authorization guarantees the claims).</summary>
    public static Caller From(ClaimsPrincipal user) => TryFrom(user)
        ?? throw new InvalidOperationException("No authenticated API key on this request.");

    public static Caller? TryFrom(ClaimsPrincipal user)
    {
        var id = user.FindFirst(KeyIdClaim)?.Value;
        var role = user.FindFirst(ClaimTypes.Role)?.Value;
        var patient = user.FindFirst(PatientIdClaim)?.Value;
        return id is null || role is null ? null
            : new Caller(Guid.Parse(id), role, user.FindFirst(SiteIdClaim)?.Value, patient is null ? null : Guid.Parse(patient),
                user.FindFirst(KeyNameClaim)?.Value);
    }

    /// <summary>
    /// Whether the caller sees a whole site (a list or search spanning patients): a site-bound key only its own site; a
    /// patient-bound key none, since it sees one patient and nothing beside it (README "A patient's own app").
    /// </summary>
    public bool CanSee(string? siteId) => PatientId is null && InSite(siteId);

    /// <summary>
    /// Whether the caller sees this patient (SPEC Security; issue 18): a site-bound key only its site's patients; a
    /// patient-bound key only its own patient. Every other patient answers as a missing one (404).
    /// </summary>
    public bool CanSee(Guid patientId, string? patientSiteId) => InSite(patientSiteId) && (PatientId is null || PatientId == patientId);

    private bool InSite(string? siteId) => SiteId is null || string.Equals(SiteId, siteId, StringComparison.Ordinal);
}
