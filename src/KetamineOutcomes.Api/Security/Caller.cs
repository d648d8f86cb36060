using System.Security.Claims;

namespace KetamineOutcomes.Api.Security;

/// <summary>The authenticated API key behind a request.</summary>
internal sealed record Caller(Guid KeyId, string Role, string? SiteId)
{
    public const string KeyIdClaim = "key_id", SiteIdClaim = "site_id";

    /// <summary>The caller of an authorized endpoint (authorization guarantees the claims).</summary>
    public static Caller From(ClaimsPrincipal user) => TryFrom(user)
        ?? throw new InvalidOperationException("No authenticated API key on this request.");

    public static Caller? TryFrom(ClaimsPrincipal user)
    {
        var id = user.FindFirst(KeyIdClaim)?.Value;
        var role = user.FindFirst(ClaimTypes.Role)?.Value;
        return id is null || role is null ? null : new Caller(Guid.Parse(id), role, user.FindFirst(SiteIdClaim)?.Value);
    }

    /// <summary>A site-bound key sees only its own site's patients.</summary>
    public bool CanSee(string? patientSiteId) => SiteId is null || string.Equals(SiteId, patientSiteId, StringComparison.Ordinal);
}
