namespace KetamineOutcomes.Api.Fhir;

/// <summary>
/// One FHIR <c>token</c> search value (FHIR R4 §3.1.1.4.7 "token"): <c>code</c> (any system), <c>system|code</c> (that
/// system only), <c>|code</c> (codes without a system), <c>system|</c> (any code of that system).
/// </summary>
/// <param name="System">Null: any system; empty: no system.</param>
/// <param name="Code">Null: any code.</param>
internal sealed record FhirTokenParameter(string? System, string? Code)
{
    /// <summary>Whether a coding (<paramref name="system"/> may be null: a code without a system) matches.</summary>
    public bool Matches(string? system, string code) =>
        (System is null || (System.Length == 0 ? string.IsNullOrEmpty(system) : string.Equals(System, system, StringComparison.Ordinal)))
        && (Code is null || string.Equals(Code, code, StringComparison.Ordinal));

    /// <summary>
    /// Each occurrence of the parameter as a list of alternatives: a comma inside one value is OR, a repeated parameter
    /// is AND (R4 §3.1.1.5.5 "Composite / OR / AND": <c>code=a,b</c> vs <c>code=a&amp;code=b</c>). A value that is not
    /// one of the four forms (<c>|</c>, <c>a|b|c</c>, an empty alternative) is an error naming <paramref name="name"/>.
    /// </summary>
    public static List<FhirTokenParameter[]> ParseAll(IReadOnlyList<string> occurrences, string name, KetamineOutcomes.Core.ValidationErrors errors)
    {
        var all = new List<FhirTokenParameter[]>();
        foreach (var occurrence in occurrences)
        {
            var alternatives = new List<FhirTokenParameter>();
            foreach (var alternative in FhirSearchQuery.Split(occurrence, ','))
            {
                if (TryParse(alternative) is { } token) alternatives.Add(token);
                else errors.Add(name, $"'{Shown(alternative)}' is not a token: use code, system|code, |code (no system) or system| (any code); separate alternatives with commas.");
            }
            all.Add([.. alternatives]);
        }
        return all;
    }

    /// <summary>Whether a coding satisfies every occurrence (AND) through one of its alternatives (OR).</summary>
    public static bool MatchesAll(List<FhirTokenParameter[]> occurrences, string? system, string code)
    {
        // Loops, not All/Any: this runs for every candidate entry of a search, and the lambdas' closures were a sixth
        // of a FHIR Observation search's allocations (issue 24).
        foreach (var alternatives in occurrences)
        {
            var any = false;
            foreach (var t in alternatives) any |= t.Matches(system, code);
            if (!any) return false;
        }
        return true;
    }

    private static FhirTokenParameter? TryParse(string raw)
    {
        var parts = FhirSearchQuery.Split(raw, '|');
        switch (parts.Count)
        {
            case 1 when parts[0].Length > 0:
                return new FhirTokenParameter(null, FhirSearchQuery.Unescape(parts[0]));
            case 2 when parts[0].Length > 0 || parts[1].Length > 0:
                return new FhirTokenParameter(FhirSearchQuery.Unescape(parts[0]), parts[1].Length == 0 ? null : FhirSearchQuery.Unescape(parts[1]));
            default:
                return null;
        }
    }

    private static string Shown(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
