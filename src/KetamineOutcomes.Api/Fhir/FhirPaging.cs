using System.Globalization;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>
/// Page size, order and position of a FHIR search: <c>_count</c> 0–500 (default 50; 0 = <c>total</c> only, R4
/// §3.1.1.5.7 "_count"), <c>_sort</c> by the resource's date parameter ascending or descending (R4 §3.1.1.5.6), and
/// <c>_cursor</c>, the keyset position our <c>next</c> links carry (<see cref="FhirCursor"/>).
/// </summary>
internal sealed record FhirPaging(int Count, bool Descending, FhirCursor? Cursor)
{
    public const int DefaultCount = 50;
    public const int MaxCount = 500;

    /// <summary>Reads the paging parameters; <paramref name="sortParameter"/> is the one date parameter <c>_sort</c> accepts.</summary>
    public static FhirPaging Read(FhirSearchQuery query, string sortParameter)
    {
        var errors = query.Errors;
        var count = DefaultCount;
        if (query.Single("_count") is { } c && (!int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count > MaxCount))
        {
            errors.Add("_count", $"Must be an integer from 0 to {MaxCount} (0 returns the total only).");
            count = DefaultCount;
        }
        var descending = false;
        if (query.Single("_sort") is { } s)
        {
            if (s == sortParameter || s == "-" + sortParameter) descending = s[0] == '-';
            else errors.Add("_sort", $"Supported: {sortParameter} or -{sortParameter}.");
        }
        FhirCursor? cursor = null;
        if (query.Single(FhirCursor.Parameter) is { } raw)
        {
            cursor = FhirCursor.TryDecode(raw);
            if (cursor is null) errors.Add(FhirCursor.Parameter, "Not a cursor of this server: follow the Bundle's next link as given.");
            else if (cursor.Descending != descending)
            {
                errors.Add(FhirCursor.Parameter, "This cursor belongs to the other sort order: keep _sort as in the link that carried it.");
                cursor = null;
            }
        }
        return new FhirPaging(count, descending, cursor);
    }

    /// <summary>
    /// One page of <paramref name="matches"/> in (instant, id) order after the cursor, the total number of matches and
    /// the cursor of the next page (null on the last page and for <c>_count=0</c>).
    /// </summary>
    public (int Total, IReadOnlyList<T> Page, FhirCursor? Next) Apply<T>(IEnumerable<T> matches, Func<T, DateTimeOffset> at, Func<T, string> id)
    {
        var keyed = matches.Select(m => (At: at(m), Id: id(m), Item: m)).ToList();
        var total = keyed.Count;
        var ordered = Descending
            ? keyed.OrderByDescending(k => k.At).ThenBy(k => k.Id, StringComparer.Ordinal)
            : keyed.OrderBy(k => k.At).ThenBy(k => k.Id, StringComparer.Ordinal);
        var after = Cursor is null ? ordered : ordered.Where(k => Compare(k.At, k.Id, Cursor) > 0);
        var window = after.Take(Count + 1).ToList();
        var page = window.Take(Count).ToList();
        var next = Count > 0 && window.Count > Count ? new FhirCursor(Descending, page[^1].At, page[^1].Id) : null;
        return (total, page.Select(k => k.Item).ToList(), next);
    }

    // Position of (at, id) relative to the cursor in this page order: > 0 means after it.
    private int Compare(DateTimeOffset at, string id, FhirCursor cursor)
    {
        var byTime = at.UtcTicks.CompareTo(cursor.At.UtcTicks);
        if (Descending) byTime = -byTime;
        return byTime != 0 ? byTime : string.CompareOrdinal(id, cursor.Id);
    }
}
