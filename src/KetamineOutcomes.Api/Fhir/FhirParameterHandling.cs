using KetamineOutcomes.Core;
using Microsoft.AspNetCore.WebUtilities;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>
/// What a FHIR interaction does with a query parameter it does not support, in one place for searches, read and create:
/// ignored by default (lenient), a 400 OperationOutcome naming it with <c>Prefer: handling=strict</c>
/// (FHIR R4 §3.1.1.5.5 "Handling Errors"; RFC 7240). <c>_format</c> is content negotiation (<see cref="FhirFormatFilter"/>),
/// supported by every interaction; a name that names nothing (<c>=x</c>, <c>&amp;&amp;</c>) is no parameter.
/// </summary>
internal static class FhirParameterHandling
{
    /// <summary>Whether <c>Prefer: handling=strict</c> was sent. Lenient is the default; the first handling preference given wins.</summary>
    public static bool IsStrict(HttpRequest request)
    {
        foreach (var header in request.Headers["Prefer"])
        {
            foreach (var preference in (header ?? "").Split([',', ';'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = preference.IndexOf('=', StringComparison.Ordinal);
                if (eq < 0 || !preference[..eq].Trim().Equals("handling", StringComparison.OrdinalIgnoreCase)) continue;
                return preference[(eq + 1)..].Trim().Trim('"').Equals("strict", StringComparison.OrdinalIgnoreCase);
            }
        }
        return false;
    }

    /// <summary>A query name every interaction takes or that is no parameter at all.</summary>
    public static bool IsAlwaysAccepted(string name) => name.Length == 0 || name == "_format";

    /// <summary>Records the strict refusal of <paramref name="name"/> on <paramref name="interaction"/> (once per name).</summary>
    /// <param name="interaction">As the message says it, e.g. "Observation search", "QuestionnaireResponse create".</param>
    public static void Refuse(string name, string interaction, IReadOnlyCollection<string> supported, ValidationErrors errors)
    {
        if (errors.ToDictionary().ContainsKey(name)) return;
        errors.Add(name, supported.Count == 0
            ? $"Not supported on {interaction} (Prefer: handling=strict): it takes no query parameter but _format."
            : $"Not supported on {interaction} (Prefer: handling=strict); supported: {string.Join(", ", supported)}.");
    }

    /// <summary>
    /// For an interaction that reads no query of its own (read, create): with <c>Prefer: handling=strict</c>, a 400
    /// (<see cref="ClinicalValidationException"/>, written as an OperationOutcome) naming every parameter but
    /// <c>_format</c>; without it, nothing — the parameters are ignored.
    /// </summary>
    public static void RefuseUnsupported(HttpRequest request, string interaction)
    {
        if (!IsStrict(request)) return;
        var errors = new ValidationErrors();
        foreach (var pair in new QueryStringEnumerable(request.QueryString.Value))
        {
            var name = pair.DecodeName().ToString();
            if (!IsAlwaysAccepted(name)) Refuse(name, interaction, [], errors);
        }
        errors.ThrowIfAny();
    }
}
