namespace KetamineOutcomes.Core.Plans;

/// <summary>
/// A patient's live events as a schedule reads them: times in UTC ticks, ascending, with the ids of the records
/// (session order: time, then id). Ids are null where the caller has none to give (the research summary counts
/// occurrences and never names the assessment that completed one): position then stands for the id.
/// </summary>
internal sealed record ScheduleEvents(
    long RegisteredAt, long[] InfusionTicks, Guid[]? InfusionIds, IReadOnlyDictionary<PlanInstrument, EventTimes> Assessments);

/// <summary>One instrument's live assessments: completion times ascending (ties by id) and, when given, those ids.</summary>
internal sealed record EventTimes(long[] Ticks, Guid[]? Ids)
{
    public static EventTimes Empty { get; } = new([], []);

    public Guid IdAt(int i) => Ids is { } ids ? ids[i] : Positional(i);

    /// <summary>The id standing for the record at position <paramref name="i"/> when the caller gave none.</summary>
    public static Guid Positional(int i) => new((uint)i, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}

/// <summary>
/// A patient's live events dated at or before one instant: what a schedule computed at that instant may know.
/// Each list is a prefix of the patient's (no copy): infusions in session order, assessments per instrument by
/// completion time, then id.
/// </summary>
internal sealed class KnownEvents
{
    private readonly ScheduleEvents _events;

    public KnownEvents(DateTimeOffset at, ScheduleEvents events)
    {
        _events = events;
        At = at.UtcTicks;
        RegisteredAt = events.RegisteredAt <= At ? events.RegisteredAt : null;
        InfusionCount = CountAtOrBefore(events.InfusionTicks, At);
    }

    /// <summary>The instant, in UTC ticks.</summary>
    public long At { get; }

    /// <summary>Registration in UTC ticks; null while it is after the instant.</summary>
    public long? RegisteredAt { get; }

    /// <summary>Known infusions (session number = index + 1).</summary>
    public int InfusionCount { get; }

    /// <summary>When known infusion <paramref name="i"/> was given (UTC ticks).</summary>
    public long InfusionAt(int i) => _events.InfusionTicks[i];

    /// <summary>The id of known infusion <paramref name="i"/>.</summary>
    public Guid InfusionId(int i) => _events.InfusionIds is { } ids ? ids[i] : EventTimes.Positional(i);

    /// <summary>The instrument's assessments and how many of them are known (the first ones).</summary>
    public (EventTimes Times, int Count) AssessmentsOf(PlanInstrument instrument)
    {
        var times = _events.Assessments.TryGetValue(instrument, out var t) ? t : EventTimes.Empty;
        return (times, CountAtOrBefore(times.Ticks, At));
    }

    /// <summary>How many known infusions were given at or before a time (ticks).</summary>
    public int InfusionsAtOrBefore(long ticks) => Math.Min(CountAtOrBefore(_events.InfusionTicks, ticks), InfusionCount);

    /// <summary>
    /// The distinct times an interval rule of this instrument restarts its clock, earliest first: registration, known
    /// infusions and known assessments of the instrument, merged (each list is already in time order).
    /// </summary>
    public long[] ResetsFor(PlanInstrument instrument)
    {
        var (assessments, count) = AssessmentsOf(instrument);
        var infusions = _events.InfusionTicks.AsSpan(0, InfusionCount);
        var taken = assessments.Ticks.AsSpan(0, count);
        var resets = new long[infusions.Length + taken.Length + 1];
        int n = 0, i = 0, a = 0;
        var registered = RegisteredAt;
        while (true)
        {
            var next = long.MaxValue;
            var any = false;
            if (registered is { } r) (next, any) = (r, true);
            if (i < infusions.Length && (!any || infusions[i] < next)) (next, any) = (infusions[i], true);
            if (a < taken.Length && (!any || taken[a] < next)) (next, any) = (taken[a], true);
            if (!any) break;
            if (registered == next) registered = null;
            while (i < infusions.Length && infusions[i] == next) i++;
            while (a < taken.Length && taken[a] == next) a++;
            resets[n++] = next;
        }
        return n == resets.Length ? resets : resets[..n];
    }

    /// <summary>The number of times ≤ <paramref name="ticks"/> in an ascending array; an upper-bound binary search.</summary>
    internal static int CountAtOrBefore(long[] ascending, long ticks)
    {
        int lo = 0, hi = ascending.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (ascending[mid] <= ticks) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
