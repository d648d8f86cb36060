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
        foreach (var (relation, url) in Links(fhirBase, type, query, next, count))
            bundle.Link.Add(new Bundle.LinkComponent { Relation = relation, Url = url });
        foreach (var r in page)
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = FullUrl(fhirBase, type, r.Id), Resource = r, Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } });
        return bundle;
    }

    /// <summary>The page's links as <see cref="Create"/> gives them: <c>self</c>, then <c>next</c> unless this is the last page.</summary>
    public static IReadOnlyList<(string Relation, string Url)> Links(string fhirBase, string type, FhirSearchQuery query, FhirCursor? next, int count)
    {
        var self = ("self", Url(fhirBase, type, query.Applied));
        if (next is null) return [self];
        var parameters = query.Applied.Where(p => p.Name is not ("_count" or FhirCursor.Parameter))
            .Append(("_count", count.ToString(CultureInfo.InvariantCulture)))
            .Append((FhirCursor.Parameter, next.Encode()));
        return [self, ("next", Url(fhirBase, type, parameters))];
    }

    /// <summary>An entry's <c>fullUrl</c>: <c>{fhirBase}/{type}/{id}</c>.</summary>
    public static string FullUrl(string fhirBase, string type, string? id) => $"{fhirBase}/{type}/{id}";

    private static string Url(string fhirBase, string type, IEnumerable<(string Name, string Value)> parameters)
    {
        var query = string.Join('&', parameters.Select(p => $"{Escape(p.Name)}={Escape(p.Value)}"));
        return query.Length == 0 ? $"{fhirBase}/{type}" : $"{fhirBase}/{type}?{query}";
    }

    // Percent-encoded, but keeping '/', ':' and ',' (legal in a query, RFC 3986 §3.4) so references and lists stay readable.
    private static string Escape(string text) => Uri.EscapeDataString(text)
        .Replace("%2F", "/", StringComparison.Ordinal).Replace("%3A", ":", StringComparison.Ordinal).Replace("%2C", ",", StringComparison.Ordinal);
}
