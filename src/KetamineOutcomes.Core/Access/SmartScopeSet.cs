namespace KetamineOutcomes.Core.Access;

/// <summary>
/// The SMART resource scopes of one access token, and what they grant (SPEC v2 "People, not shared keys": SMART v2 scopes
/// narrow what an EHR client may do). Refuse rather than guess — a scope never widens access:
/// <list type="bullet">
/// <item><see cref="IsScoped"/>: the token carries at least one scope that starts with <c>patient/</c>, <c>user/</c> or
/// <c>system/</c> in any case (<c>SYSTEM/</c> too), well-formed or not. Such a token is limited to what its scopes grant; a token without any keeps its
/// role's access (people signing in, whose tokens carry only <c>openid</c> and the like).</item>
/// <item>Only well-formed <c>system/</c> and <c>user/</c> scopes without a <c>?</c> restriction grant. A malformed scope
/// grants nothing. A <c>patient/</c> scope grants nothing: this service has no launch patient to confine it to. A
/// restricted scope (<c>system/Observation.rs?category=…</c>) grants nothing: the service does not evaluate restrictions,
/// and honouring it unrestricted would widen it.</item>
/// </list>
/// </summary>
public sealed class SmartScopeSet
{
    /// <summary>A token without scopes: not scoped, grants by role only.</summary>
    public static readonly SmartScopeSet None = new([], false);

    private SmartScopeSet(IReadOnlyList<SmartScope> granting, bool isScoped)
    {
        Granting = granting;
        IsScoped = isScoped;
    }

    /// <summary>The scopes that grant: well-formed, <c>system/</c> or <c>user/</c>, unrestricted.</summary>
    public IReadOnlyList<SmartScope> Granting { get; }

    /// <summary>Whether any scope text claims to be a SMART resource scope (see the class summary).</summary>
    public bool IsScoped { get; }

    /// <summary>
    /// The scopes of a token's <c>scope</c> claim (one space-separated string, RFC 6749 §3.3 / RFC 9068) or <c>scp</c>
    /// claim (an array of strings, or one string): each value is split on spaces; empty pieces are skipped.
    /// </summary>
    public static SmartScopeSet Parse(IEnumerable<string> claimValues)
    {
        var granting = new List<SmartScope>();
        var scoped = false;
        foreach (var text in claimValues.SelectMany(v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            if (!SmartScope.LooksLikeResourceScope(text)) continue; // openid, offline_access, launch/patient, fhirUser…
            scoped = true;
            if (SmartScope.TryParse(text) is { Context: not SmartContext.Patient, Restriction: null } scope) granting.Add(scope);
        }
        return scoped ? new SmartScopeSet(granting, true) : None;
    }

    /// <summary>Whether a granting scope covers <paramref name="permission"/> (one letter) on <paramref name="resourceType"/>
    /// (a named type is covered by its own scopes and by <c>*</c>; <c>*</c> itself only by <c>*</c>).</summary>
    public bool Grants(string resourceType, SmartPermissions permission) =>
        Granting.Any(s => (s.ResourceType == "*" || s.ResourceType == resourceType) && (s.Permissions & permission) == permission);

    /// <summary>
    /// The context word a refusal names a missing scope in: <c>system</c> when the token has system scopes (or none that
    /// grant), else <c>user</c>.
    /// </summary>
    public SmartContext RefusalContext =>
        Granting.Count > 0 && Granting.All(s => s.Context == SmartContext.User) ? SmartContext.User : SmartContext.System;
}
