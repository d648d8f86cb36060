namespace KetamineOutcomes.Core.Timepoints;

/// <summary>One infusion as the timeline needs it.</summary>
public sealed record InfusionMoment(Guid InfusionId, DateTimeOffset AdministeredAt);

/// <summary>Where an assessment sits relative to the patient's infusions (SPEC "Timepoints").</summary>
/// <param name="SessionNumber">Infusions with administeredAt ≤ t; 0 before the first.</param>
/// <param name="InfusionId">The latest of those infusions; null when 0.</param>
/// <param name="DaysSinceFirstInfusion">floor(days since the first infusion); negative before it; null without infusions.</param>
/// <param name="HoursSinceLastInfusion">Hours since <paramref name="InfusionId"/>, one decimal; null when 0.</param>
public sealed record Timepoint(int SessionNumber, Guid? InfusionId, int? DaysSinceFirstInfusion, decimal? HoursSinceLastInfusion);

/// <summary>
/// A patient's infusions in administration order. Timepoints are always derived from it, never stored,
/// so a back-dated infusion re-keys every later assessment.
/// </summary>
public sealed class InfusionTimeline
{
    private readonly InfusionMoment[] _ordered;

    public InfusionTimeline(IEnumerable<InfusionMoment> infusions)
    {
        // Ties on time are broken by id so numbering is stable across reads.
        _ordered = InOrder.ByTimeThenId(infusions, i => i.AdministeredAt.UtcTicks, i => i.InfusionId);
    }

    public static InfusionTimeline Empty { get; } = new([]);

    /// <summary>Infusions numbered 1, 2, 3 … in administration order.</summary>
    public IReadOnlyList<InfusionMoment> Ordered => _ordered;

    public DateTimeOffset? FirstInfusionAt => _ordered.Length == 0 ? null : _ordered[0].AdministeredAt;

    /// <summary>1-based session number of an infusion, or null if it is not on this timeline.</summary>
    public int? SessionNumberOf(Guid infusionId)
    {
        var index = Array.FindIndex(_ordered, i => i.InfusionId == infusionId);
        return index < 0 ? null : index + 1;
    }

    public Timepoint At(DateTimeOffset t)
    {
        if (_ordered.Length == 0) return new Timepoint(0, null, null, null);
        var session = CountAtOrBefore(t.UtcTicks);
        var days = DaysFloor(t.UtcTicks - _ordered[0].AdministeredAt.UtcTicks);
        if (session == 0) return new Timepoint(0, null, days, null);
        var last = _ordered[session - 1];
        var hours = Rounding.OneDecimal((decimal)(t.UtcTicks - last.AdministeredAt.UtcTicks) / TimeSpan.TicksPerHour);
        return new Timepoint(session, last.InfusionId, days, hours);
    }

    /// <summary>floor(days since the latest infusion at or before t); null when there is none (SPEC "Response durability").</summary>
    public int? DaysSinceLastInfusion(DateTimeOffset t)
    {
        var session = CountAtOrBefore(t.UtcTicks);
        return session == 0 ? null : DaysFloor(t.UtcTicks - _ordered[session - 1].AdministeredAt.UtcTicks);
    }

    /// <summary>The number of infusions with administeredAt ≤ ticks (UTC); an upper-bound binary search.</summary>
    internal int CountAtOrBefore(long ticks)
    {
        int lo = 0, hi = _ordered.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_ordered[mid].AdministeredAt.UtcTicks <= ticks) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /// <summary>Whole days in a span of ticks, rounded down (−1 for any part of the day before).</summary>
    internal static int DaysFloor(long ticks) => (int)(ticks / TimeSpan.TicksPerDay - (ticks < 0 && ticks % TimeSpan.TicksPerDay != 0 ? 1 : 0));
}
