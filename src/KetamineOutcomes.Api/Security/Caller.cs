using System.Security.Claims;
using KetamineOutcomes.Api.Corrections;

namespace KetamineOutcomes.Api.Security;

/// <summary>
/// The authenticated caller behind a request: an API key or a person signed in through the OpenID provider. Both
/// authentication handlers build their principal with <see cref="Principal"/>, so every authorization policy, the site
/// and patient scoping below and the per-caller rate limit treat them alike.
/// </summary>
/// <param name="Actor">Who: <c>{ type: "key"|"user", id, name }</c> (SPEC v2 "People, not shared keys").</param>
/// <param name="Role">One of <see cref="Endpoints.Roles.All"/>.</param>
/// <param name="SiteId">The one site the caller acts in; null: every site (an unbound key, or a token without a site claim).</param>
/// <param name="PatientId">The one patient a patient-bound portal key (a patient's own app) acts on; null for every other caller.</param>
internal sealed record Caller(Actor Actor, string Role, string? SiteId, Guid? PatientId = null)
{
    public const string ActorTypeClaim = "actor_type", ActorIdClaim = "actor_id", ActorNameClaim = "actor_name",
        SiteIdClaim = "site_id", PatientIdClaim = "patient_id";

    /// <summary>The key's id when the caller is an API key; null for a person.</summary>
    public Guid? KeyId => Actor.Type == Actor.KeyType ? Guid.Parse(Actor.Id) : null;

    /// <summary>
    /// The one shape of an authenticated principal. <paramref name="role"/> null: authenticated but without a role this
    /// service knows, which every endpoint refuses with 403.
    /// </summary>
    public static ClaimsPrincipal Principal(Actor actor, string? role, string? siteId, Guid? patientId, string scheme)
    {
        var claims = new List<Claim>
        {
            new(ActorTypeClaim, actor.Type),
            new(ActorIdClaim, actor.Id),
            new(ActorNameClaim, actor.Name),
        };
        if (role is not null) claims.Add(new Claim(ClaimTypes.Role, role));
        if (siteId is not null) claims.Add(new Claim(SiteIdClaim, siteId));
        if (patientId is { } patient) claims.Add(new Claim(PatientIdClaim, patient.ToString()));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ActorNameClaim, ClaimTypes.Role));
    }

    /// <summary>The caller of an authorized endpoint (authorization guarantees the claims).</summary>
    public static Caller From(ClaimsPrincipal user) => TryFrom(user)
        ?? throw new InvalidOperationException("No authenticated caller with a role on this request.");

    /// <summary>The caller, or null without a valid credential or without a known role.</summary>
    public static Caller? TryFrom(ClaimsPrincipal user)
    {
        var actor = ActorOf(user);
        var role = user.FindFirst(ClaimTypes.Role)?.Value;
        var patient = user.FindFirst(PatientIdClaim)?.Value;
        return actor is null || role is null ? null
            : new Caller(actor, role, user.FindFirst(SiteIdClaim)?.Value, patient is null ? null : Guid.Parse(patient));
    }

    /// <summary>Who presented a valid credential, with or without a known role; null without one.</summary>
    public static Actor? ActorOf(ClaimsPrincipal user)
    {
        var type = user.FindFirst(ActorTypeClaim)?.Value;
        var id = user.FindFirst(ActorIdClaim)?.Value;
        return type is null || id is null ? null : new Actor(type, id, user.FindFirst(ActorNameClaim)?.Value ?? "");
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
