using KetamineOutcomes.Core;
using Microsoft.AspNetCore.WebUtilities;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>
/// The query string of one FHIR search, read once, in order and case-sensitively (FHIR parameter names are): which
/// parameters the search applies (for the Bundle's <c>self</c> link) and what it refuses.
/// </summary>
/// <remarks>
/// FHIR R4 §3.1.1.5.5 (search "Handling Errors"; the <c>self</c> link lists only the parameters applied): a parameter
/// the resource does not support — an unknown name, a modifier (<c>code:not</c>), <c>_offset</c> — is ignored and left
/// out of <c>self</c>; with <c>Prefer: handling=strict</c> it is a 400 naming it (<see cref="FhirParameterHandling"/>). A parameter with an empty value is
/// ignored too. <c>_format</c> is content negotiation (<see cref="FhirFormatFilter"/>), not a search parameter.
/// </remarks>
internal sealed class FhirSearchQuery
{
    private readonly List<(string Name, string Value)> _given = [];
    private readonly List<(string Name, string Value)> _applied = [];

    private FhirSearchQuery() { }

    /// <summary>Refusals found while reading; the endpoint adds its own and throws them together.</summary>
    public ValidationErrors Errors { get; } = new();

    /// <summary>The values the search used, in the order the endpoint read them: the canonical <c>self</c> query.</summary>
    public IReadOnlyList<(string Name, string Value)> Applied => _applied;

    /// <summary>Reads <paramref name="request"/>'s query for a search of <paramref name="resourceType"/>.</summary>
    public static FhirSearchQuery Read(HttpRequest request, string resourceType, IReadOnlyCollection<string> supported)
    {
        var query = new FhirSearchQuery();
        var strict = FhirParameterHandling.IsStrict(request);
        foreach (var pair in new QueryStringEnumerable(request.QueryString.Value))
        {
            var name = pair.DecodeName().ToString();
            if (FhirParameterHandling.IsAlwaysAccepted(name)) continue;
            if (!supported.Contains(name))
            {
                if (strict) FhirParameterHandling.Refuse(name, $"{resourceType} search", supported, query.Errors);
                continue;
            }
            var value = pair.DecodeValue().ToString();
            if (value.Length > 0) query._given.Add((name, value));
        }
        return query;
    }

    /// <summary>Every non-empty value of <paramref name="name"/> (each occurrence is one AND-ed condition), marked applied.</summary>
    public IReadOnlyList<string> All(string name)
    {
        var values = _given.Where(p => p.Name == name).Select(p => p.Value).ToArray();
        foreach (var v in values) _applied.Add((name, v));
        return values;
    }

    /// <summary>The value of a parameter that makes sense once (<c>_count</c>, <c>_sort</c>, <c>_cursor</c>); repeated with different values → error.</summary>
    public string? Single(string name)
    {
        var values = _given.Where(p => p.Name == name).Select(p => p.Value).Distinct(StringComparer.Ordinal).ToArray();
        if (values.Length > 1)
        {
            Errors.Add(name, $"Give {name} once (it was given {values.Length} different values).");
            return null;
        }
        if (values.Length == 1) _applied.Add((name, values[0]));
        return values.FirstOrDefault();
    }

    /// <summary>A FHIR search value split at unescaped <paramref name="separator"/> (',' = OR, '|' = system|code), with <c>\,</c> <c>\|</c> <c>\$</c> <c>\\</c> unescaped (R4 §3.1.1.4.1 "Escaping Search Parameters").</summary>
    internal static List<string> Split(string value, char separator)
    {
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\' && i + 1 < value.Length && value[i + 1] is ',' or '|' or '$' or '\\')
            {
                // Keep the escape for the next split level; only the separator at hand is resolved here.
                if (value[i + 1] == separator) current.Append(separator);
                else current.Append(c).Append(value[i + 1]);
                i++;
            }
            else if (c == separator)
            {
                parts.Add(current.ToString());
                current.Clear();
            }
            else current.Append(c);
        }
        parts.Add(current.ToString());
        return parts;
    }

    /// <summary>Removes the remaining FHIR escapes of a value split to its last level.</summary>
    internal static string Unescape(string value) =>
        value.Replace(@"\,", ",", StringComparison.Ordinal).Replace(@"\|", "|", StringComparison.Ordinal).Replace(@"\$", "$", StringComparison.Ordinal).Replace(@"\\", @"\", StringComparison.Ordinal);
}
