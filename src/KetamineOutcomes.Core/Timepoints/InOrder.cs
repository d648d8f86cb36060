namespace KetamineOutcomes.Core.Timepoints;

/// <summary>
/// Time-then-id ordering that skips the sort when the input already comes in that order, as every store read does
/// (a full-cohort research read orders tens of thousands of patients' rows; the check is one pass, the sort was not).
/// </summary>
internal static class InOrder
{
    /// <summary>A new array of the items by time, then id; the same order as a stable OrderBy(time).ThenBy(id).</summary>
    public static T[] ByTimeThenId<T>(IEnumerable<T> items, Func<T, long> ticks, Func<T, Guid> id)
    {
        var array = items.ToArray();
        for (var i = 1; i < array.Length; i++)
        {
            var byTime = ticks(array[i - 1]).CompareTo(ticks(array[i]));
            if (byTime > 0 || (byTime == 0 && id(array[i - 1]).CompareTo(id(array[i])) > 0))
                return array.OrderBy(ticks).ThenBy(id).ToArray();
        }
        return array;
    }
}
