using System.Globalization;
using Hl7.Fhir.Model;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>A searchset Bundle of one page, with absolute links under the configured FHIR base (never the Host header).</summary>
internal static class FhirSearchset
{
    /// <summary>
    /// <c>total</c> = matches at the time of this page; <c>self</c> = the parameters applied (R4 §3.1.1.5.5), in canonical
    /// order; <c>next</c> = the same plus <c>_count</c> and the next <c>_cursor</c>; each entry's <c>fullUrl</c> is
    /// <c>{fhirBase}/{type}/{id}</c> and <c>search.mode</c> = match.
    /// </summary>
    public static Bundle Create(string fhirBase, string type, FhirSearchQuery query, int total, IEnumerable<Resource> page, FhirCursor? next, int count)
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset, Total = total };
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = Url(fhirBase, type, query.Applied) });
        if (next is not null)
        {
            var parameters = query.Applied.Where(p => p.Name is not ("_count" or FhirCursor.Parameter))
                .Append(("_count", count.ToString(CultureInfo.InvariantCulture)))
                .Append((FhirCursor.Parameter, next.Encode()));
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "next", Url = Url(fhirBase, type, parameters) });
        }
        foreach (var r in page)
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"{fhirBase}/{type}/{r.Id}", Resource = r, Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } });
        return bundle;
    }

    private static string Url(string fhirBase, string type, IEnumerable<(string Name, string Value)> parameters)
    {
        var query = string.Join('&', parameters.Select(p => $"{Escape(p.Name)}={Escape(p.Value)}"));
        return query.Length == 0 ? $"{fhirBase}/{type}" : $"{fhirBase}/{type}?{query}";
    }

    // Percent-encoded, but keeping '/', ':' and ',' (legal in a query, RFC 3986 §3.4) so references and lists stay readable.
    private static string Escape(string text) => Uri.EscapeDataString(text)
        .Replace("%2F", "/", StringComparison.Ordinal).Replace("%3A", ":", StringComparison.Ordinal).Replace("%2C", ",", StringComparison.Ordinal);
}
