using System.Security.Claims;
using KetamineOutcomes.Api.Endpoints;
using KetamineOutcomes.Core.Access;
using Microsoft.AspNetCore.Authorization;

namespace KetamineOutcomes.Api.Security;

/// <summary>
/// SMART v2 scopes narrow a bearer token's access (SPEC v2 "People, not shared keys"; SMART App Launch 2.x scopes): a
/// token whose <c>scope</c> (or <c>scp</c>) claim holds SMART resource scopes may use an endpoint only when its role
/// allows it and a scope grants the endpoint's <see cref="SmartEndpointMap"/> entry. Refused: 403 problem naming the
/// missing scope, e.g. <c>requires system/QuestionnaireResponse.c</c>. A token without SMART resource scopes, and every
/// API key, keeps its role's access. What grants and what does not: <see cref="SmartScopeSet"/>.
/// </summary>
internal static class SmartScopeAuthorization
{
    /// <summary>The policy every role-guarded endpoint carries beside its roles (<see cref="RoleEndpointExtensions.AllowRoles"/>).</summary>
    public const string PolicyName = "smart-scopes";

    /// <summary>The principal's copy of the token's SMART resource scope texts (one claim each); absent for keys.</summary>
    public const string ScopeClaim = "smart_scope";

    /// <summary>The token claims scopes come in: <c>scope</c> (RFC 9068, a space-separated string) and <c>scp</c> (an array).</summary>
    public static readonly string[] TokenClaims = ["scope", "scp"];

    /// <summary>The SMART resource scope texts of a validated token, to keep on the service's principal.</summary>
    public static IEnumerable<Claim> ScopeClaims(ClaimsPrincipal token) =>
        token.Claims.Where(c => TokenClaims.Contains(c.Type, StringComparer.Ordinal))
            .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(SmartScope.LooksLikeResourceScope)
            .Select(s => new Claim(ScopeClaim, s));

    /// <summary>The scopes on the service's principal (<see cref="SmartScopeSet.None"/> for a key or an unscoped token).</summary>
    public static SmartScopeSet ScopesOf(ClaimsPrincipal user) => SmartScopeSet.Parse(user.FindAll(ScopeClaim).Select(c => c.Value));

    /// <summary>The refusal for a scoped token on an endpoint, or null when its scopes allow it.</summary>
    public static string? Refusal(SmartScopeSet scopes, string? endpointName)
    {
        if (!scopes.IsScoped) return null;
        if (endpointName is null || !SmartEndpointMap.ByEndpoint.TryGetValue(endpointName, out var access))
            return "This endpoint is not open to tokens with SMART scopes.";
        return scopes.Grants(access.ResourceType, access.Permission) ? null
            : $"This token's SMART scopes do not cover this request: it requires {access.Scope(scopes.RefusalContext)}.";
    }
}

internal sealed class SmartScopeRequirement : IAuthorizationRequirement;

/// <summary>Succeeds unless the token is SMART-scoped and lacks the endpoint's scope; then says which (when its role fits).</summary>
internal sealed class SmartScopeHandler : AuthorizationHandler<SmartScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, SmartScopeRequirement requirement)
    {
        var http = context.Resource as HttpContext;
        var endpoint = http?.GetEndpoint();
        var refusal = SmartScopeAuthorization.Refusal(SmartScopeAuthorization.ScopesOf(context.User), endpoint?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName);
        if (refusal is null)
        {
            context.Succeed(requirement);
            return Task.CompletedTask;
        }
        // The role's own refusal (or the token's, set when it was read) speaks first: the scope matters only to a role
        // that may use the endpoint at all.
        var roles = endpoint?.Metadata.GetMetadata<AllowedRolesMetadata>()?.Roles;
        var role = Caller.TryFrom(context.User)?.Role;
        if (http is not null && role is not null && roles is not null && roles.Contains(role) && !http.Items.ContainsKey(OidcAuthentication.RefusalKey))
            http.Items[OidcAuthentication.RefusalKey] = refusal;
        context.Fail(new AuthorizationFailureReason(this, refusal));
        return Task.CompletedTask;
    }
}
