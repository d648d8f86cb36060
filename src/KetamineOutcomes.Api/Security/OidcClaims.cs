using System.Security.Claims;
using System.Text.Json;
using KetamineOutcomes.Api.Corrections;
using KetamineOutcomes.Api.Endpoints;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace KetamineOutcomes.Api.Security;

/// <summary>A validated token's claims read as the service's caller (SPEC v2 "People, not shared keys"; README "Signing
/// people in"): who (sub, name), role, site and SMART scopes, or why the token is refused.</summary>
internal static class OidcClaims
{
    /// <summary>
    /// The token's principal in the service's one shape; a null principal (with the reason) when the token names nobody
    /// usably (no <c>sub</c>; <c>sub</c> or <c>name</c> over its cap or with characters <see cref="IdentifierText"/>
    /// refuses): 401. A refusal beside a principal: authenticated without a role, 403 with that reason.
    /// </summary>
    internal static (ClaimsPrincipal? Principal, string? Refusal) Map(ClaimsPrincipal token, OidcOptions oidc, bool siteClaimPresent)
    {
        var sub = token.FindFirst("sub")?.Value;
        if (string.IsNullOrEmpty(sub)) return (null, "The token has no usable sub claim.");
        if (ClaimRefusal("sub", sub, SubMaxLength) is { } badSub) return (null, badSub);
        var givenName = token.FindFirst("name")?.Value;
        if (givenName is { Length: > 0 } && ClaimRefusal("name", givenName, NameMaxLength) is { } badName) return (null, badName);
        var name = givenName is { Length: > 0 } ? IdentifierText.Canonical(givenName) : sub;
        var actor = new Actor(Actor.UserType, sub, name);

        var roles = token.FindAll(oidc.RoleClaim).Select(c => c.Value).Where(Roles.All.Contains).Distinct(StringComparer.Ordinal).ToArray();
        var sites = token.FindAll(oidc.SiteClaim).Select(c => c.Value).Distinct(StringComparer.Ordinal).ToArray();
        var siteErrors = new ValidationErrors();
        string? refusal = roles.Length switch
        {
            0 => $"The token's {oidc.RoleClaim} claim names no role of this service ({string.Join(", ", Roles.All)}).",
            > 1 => $"The token's {oidc.RoleClaim} claim names more than one role of this service ({string.Join(", ", roles)}); a caller acts in one.",
            _ => null,
        };
        // "site": [] or null is present but names no site: refused like "", never read as "every site".
        if (sites.Length == 0 && siteClaimPresent) refusal ??= $"The token's {oidc.SiteClaim} claim is present but names no site; a caller acts in one site, or (without the claim) in every site.";
        else if (sites.Length > 1) refusal ??= $"The token's {oidc.SiteClaim} claim names more than one site; a caller acts in one site, or (without the claim) in every site.";
        else if (sites.Length == 1 && FieldRules.Identifier(sites[0], oidc.SiteClaim, siteErrors) is not null && !siteErrors.IsEmpty)
            refusal ??= $"The token's {oidc.SiteClaim} claim is not a site identifier (1–64 letters, digits, '.', '_' or '-').";
        var role = refusal is null ? roles[0] : null;
        var site = refusal is null && sites.Length == 1 ? sites[0] : null;
        var principal = Caller.Principal(actor, role, site, null, OidcAuthentication.SchemeName);
        // SMART resource scopes ride along; SmartScopeAuthorization narrows the role's access by them.
        ((ClaimsIdentity)principal.Identity!).AddClaims(SmartScopeAuthorization.ScopeClaims(token));
        return (principal, refusal);
    }

    /// <summary>Longest <c>sub</c> accepted (characters): it is stored as the actor id on every row the caller writes.</summary>
    internal const int SubMaxLength = 255;

    /// <summary>Longest <c>name</c> accepted (characters): shown and stored beside the actor id (API key names allow 200 too).</summary>
    internal const int NameMaxLength = 200;

    // A claim stored as who acted: within its cap, and nothing IdentifierText refuses (control, invisible, bidi…).
    private static string? ClaimRefusal(string claim, string value, int max) =>
        value.Length > max || IdentifierText.FindRefused(value) is not null
            ? $"The token's {claim} claim is longer than {max} characters or holds control, invisible or surrounding white-space characters."
            : null;

    // Whether the validated token's payload has the claim at all (an empty array or null yields no Claim object).
    internal static bool HasClaim(SecurityToken token, string claim)
    {
        if (token is not JsonWebToken jwt) return false;
        using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload));
        return payload.RootElement.TryGetProperty(claim, out _);
    }
}
