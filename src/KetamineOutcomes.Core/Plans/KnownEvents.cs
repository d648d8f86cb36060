using KetamineOutcomes.Core.Timepoints;

namespace KetamineOutcomes.Core.Plans;

/// <summary>
/// A patient's live events dated at or before one instant: what a schedule computed at that instant may know.
/// Infusions are the timeline's first ones (its order gives the session numbers); assessments are per instrument,
/// by completion time, then id.
/// </summary>
internal sealed class KnownEvents
{
    private readonly Dictionary<PlanInstrument, ScheduleAssessment[]> _assessments;
    private readonly InfusionTimeline _timeline;

    public KnownEvents(DateTimeOffset at, DateTimeOffset registeredAt, InfusionTimeline timeline,
        IReadOnlyDictionary<PlanInstrument, ScheduleAssessment[]> assessmentsByInstrument)
    {
        At = at.UtcTicks;
        RegisteredAt = registeredAt.UtcTicks <= At ? registeredAt.UtcTicks : null;
        _timeline = timeline;
        Infusions = timeline.Ordered.Take(timeline.CountAtOrBefore(At)).ToArray();
        _assessments = assessmentsByInstrument.ToDictionary(kv => kv.Key, kv => kv.Value.TakeWhile(a => a.CompletedAt.UtcTicks <= At).ToArray());
    }

    /// <summary>The instant, in UTC ticks.</summary>
    public long At { get; }

    /// <summary>Registration in UTC ticks; null while it is after the instant.</summary>
    public long? RegisteredAt { get; }

    /// <summary>Known infusions in session order (session number = index + 1).</summary>
    public IReadOnlyList<InfusionMoment> Infusions { get; }

    /// <summary>Known assessments of one instrument, earliest first.</summary>
    public IReadOnlyList<ScheduleAssessment> AssessmentsOf(PlanInstrument instrument) =>
        _assessments.TryGetValue(instrument, out var list) ? list : [];

    /// <summary>How many known infusions were given at or before a time (ticks).</summary>
    public int InfusionsAtOrBefore(long ticks) => Math.Min(_timeline.CountAtOrBefore(ticks), Infusions.Count);

    /// <summary>The distinct times an interval rule of this instrument restarts its clock, earliest first.</summary>
    public IReadOnlyList<long> ResetsFor(PlanInstrument instrument)
    {
        var resets = new SortedSet<long>(Infusions.Select(i => i.AdministeredAt.UtcTicks));
        if (RegisteredAt is { } registered) resets.Add(registered);
        foreach (var a in AssessmentsOf(instrument)) resets.Add(a.CompletedAt.UtcTicks);
        return [.. resets];
    }
}
