using System.Globalization;
using System.Text.RegularExpressions;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>
/// A FHIR <c>date</c> search parameter (eq, ne, gt, lt, ge, le, sa, eb; R4 search, "date" and "Prefixes")
/// against an instant. The value's precision makes a range [start, end): <c>2026-03-02</c> is that whole day (UTC); a
/// dateTime with time is that second, or with a fraction that instant exactly. Against an instant, sa is gt and eb is lt.
/// </summary>
internal sealed partial record FhirDateParameter(string Prefix, DateTimeOffset Start, DateTimeOffset End)
{
    public static bool TryParse(string raw, out FhirDateParameter? parameter)
    {
        parameter = null;
        var m = Pattern().Match(raw.Replace(' ', '+'));
        if (!m.Success) return false;
        var prefix = m.Groups["prefix"].Success && m.Groups["prefix"].Length > 0 ? m.Groups["prefix"].Value : "eq";
        var value = m.Groups["value"].Value;
        if (int.Parse(value[..4], CultureInfo.InvariantCulture) is < 1900 or > 9000) return false;
        DateTimeOffset start, end;
        var inv = CultureInfo.InvariantCulture;
        switch (value.Length)
        {
            case 4 when DateTimeOffset.TryParseExact(value, "yyyy", inv, DateTimeStyles.AssumeUniversal, out start):
                end = start.AddYears(1);
                break;
            case 7 when DateTimeOffset.TryParseExact(value, "yyyy-MM", inv, DateTimeStyles.AssumeUniversal, out start):
                end = start.AddMonths(1);
                break;
            case 10 when DateTimeOffset.TryParseExact(value, "yyyy-MM-dd", inv, DateTimeStyles.AssumeUniversal, out start):
                end = start.AddDays(1);
                break;
            default:
                // A time needs an offset (FHIR); it is precise to the second (fractions included when given).
                if (!Rfc3339Like().IsMatch(value) || !DateTimeOffset.TryParse(value, inv, DateTimeStyles.None, out start)) return false;
                end = value.Contains('.', StringComparison.Ordinal) ? start.AddTicks(1) : start.AddSeconds(1);
                break;
        }
        // Outside 1900–9000 there is no clinical data, and the range arithmetic must stay far from DateTimeOffset's limits.
        if (start.Year is < 1900 or > 9000) return false;
        parameter = new FhirDateParameter(prefix, start.ToUniversalTime(), end.ToUniversalTime());
        return true;
    }

    /// <summary>Whether <paramref name="t"/> meets every occurrence (AND) through one of its alternatives (OR).</summary>
    public static bool MatchesAll(IReadOnlyList<FhirDateParameter[]> occurrences, DateTimeOffset t)
    {
        // Loops, not All/Any, as FhirTokenParameter.MatchesAll: no closure per candidate entry.
        for (var i = 0; i < occurrences.Count; i++)
        {
            var any = false;
            foreach (var d in occurrences[i]) any |= d.Matches(t);
            if (!any) return false;
        }
        return true;
    }

    public bool Matches(DateTimeOffset t) => Prefix switch
    {
        "eq" => t >= Start && t < End,
        "ge" => t >= Start,
        "gt" => t >= End,
        "le" => t < End,
        "lt" => t < Start,
        "ne" => t < Start || t >= End,
        "sa" => t >= End,
        "eb" => t < Start,
        _ => false,
    };

    /// <summary>How a refusal describes the accepted values.</summary>
    public const string Expected =
        "Use eq|ne|ge|gt|le|lt|sa|eb followed by yyyy, yyyy-MM, yyyy-MM-dd or a dateTime with offset; comma-separate alternatives, repeat for a range.";

    [GeneratedRegex(@"^(?<prefix>eq|ne|ge|gt|le|lt|sa|eb)?(?<value>\d{4}(-\d{2}(-\d{2}(T.+)?)?)?)\z")]
    private static partial Regex Pattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})\z")]
    private static partial Regex Rfc3339Like();
}
