namespace KetamineOutcomes.Core.Access;

/// <summary>
/// One well-formed SMART resource scope, e.g. <c>system/Observation.rs</c> (SMART App Launch 2.x, "Scopes for requesting
/// FHIR resources"): <c>{patient|user|system}/{ResourceType|*}.{permissions}[?{param}={value}…]</c>.
/// </summary>
/// <param name="ResourceType">A FHIR resource type name (<c>[A-Z][A-Za-z]*</c>), or <c>*</c> for every type.</param>
/// <param name="Permissions">The letters granted: SMART v2 letters, or a SMART 1.0 word mapped as 2.x's equivalence table
/// says (<c>read</c> → rs, <c>write</c> → cud, <c>*</c> → cruds).</param>
/// <param name="Restriction">The text after <c>?</c> (e.g. <c>category=…|laboratory</c>), or null. This service does not
/// evaluate restrictions, so a restricted scope grants nothing here (<see cref="SmartScopeSet"/>).</param>
public sealed record SmartScope(SmartContext Context, string ResourceType, SmartPermissions Permissions, string? Restriction)
{
    /// <summary>The three prefixes that make a scope a SMART resource scope (well-formed or not).</summary>
    public static readonly string[] Prefixes = ["patient/", "user/", "system/"];

    /// <summary>
    /// Whether the scope text claims to be a SMART resource scope: it starts with <c>patient/</c>, <c>user/</c> or
    /// <c>system/</c> in any case. A case-variant (<c>SYSTEM/</c>, <c>System/</c>) is malformed and grants nothing
    /// (<see cref="TryParse"/> is case-sensitive), but it still marks the token as scoped: refuse rather than guess, so
    /// a mistyped scope never leaves a token with its role's full access.
    /// </summary>
    public static bool LooksLikeResourceScope(string text) => Prefixes.Any(p => text.StartsWith(p, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The scope <paramref name="text"/> names, or null when it is not exactly one well-formed SMART resource scope.
    /// Malformed (null): another prefix or case (<c>System/</c>); no or two dots; a type that is not a FHIR type name or
    /// <c>*</c>; permission letters outside <c>cruds</c>, repeated, out of order (<c>sr</c>) or none; a 1.0 word other than
    /// <c>read</c>, <c>write</c> or <c>*</c>; an empty restriction after <c>?</c>; any whitespace.
    /// </summary>
    public static SmartScope? TryParse(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0) return null;
        SmartContext? context = text[..slash] switch
        {
            "patient" => SmartContext.Patient,
            "user" => SmartContext.User,
            "system" => SmartContext.System,
            _ => null,
        };
        if (context is null) return null;
        var rest = text[(slash + 1)..];
        string? restriction = null;
        var question = rest.IndexOf('?', StringComparison.Ordinal);
        if (question >= 0)
        {
            restriction = rest[(question + 1)..];
            rest = rest[..question];
            if (restriction.Length == 0 || !restriction.Contains('=', StringComparison.Ordinal) || restriction.Any(char.IsWhiteSpace)) return null;
        }
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0 || rest.IndexOf('.', dot + 1) >= 0) return null;
        var type = rest[..dot];
        if (!IsResourceType(type)) return null;
        var permissions = ParsePermissions(rest[(dot + 1)..]);
        return permissions == SmartPermissions.None ? null : new SmartScope(context.Value, type, permissions, restriction);
    }

    /// <summary>The scope as SMART v2 writes it, e.g. <c>system/Observation.rs</c>.</summary>
    public override string ToString() =>
        $"{SmartPermissionLetters.Word(Context)}/{ResourceType}.{SmartPermissionLetters.Write(Permissions)}{(Restriction is null ? "" : "?" + Restriction)}";

    private static bool IsResourceType(string type) =>
        type == "*" || (type.Length is > 0 and <= 64 && type[0] is >= 'A' and <= 'Z' && type.All(char.IsAsciiLetter));

    // SMART 2.x keeps the 1.0 words with fixed meanings ("SMART 1.0 scope equivalents"); anything else must be v2 letters.
    private static SmartPermissions ParsePermissions(string text)
    {
        switch (text)
        {
            case "read": return SmartPermissions.Read | SmartPermissions.Search;
            case "write": return SmartPermissions.Create | SmartPermissions.Update | SmartPermissions.Delete;
            case "*": return SmartPermissions.All;
        }
        var granted = SmartPermissions.None;
        var next = 0; // letters only in the order c r u d s, each once
        foreach (var c in text)
        {
            var at = SmartPermissionLetters.Order.IndexOf(c, next);
            if (at < 0) return SmartPermissions.None;
            granted |= SmartPermissionLetters.Of(c);
            next = at + 1;
        }
        return granted;
    }
}
