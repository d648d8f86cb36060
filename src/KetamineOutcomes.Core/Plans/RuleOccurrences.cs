namespace KetamineOutcomes.Core.Plans;

/// <summary>
/// Where each rule's occurrences fall, from the events known at one instant. All arithmetic is in UTC ticks; an
/// occurrence that would fall past <see cref="DateTimeOffset.MaxValue"/> is not generated.
/// </summary>
internal static class RuleOccurrences
{
    /// <summary>
    /// An occurrence before completion is matched: its window in UTC ticks, after an infusion that infusion, and the
    /// instant that decides which plan version governs it (<see cref="PlanHistory"/>): the anchor (registration, the
    /// infusion) for anchored rules, dueAt for interval rules.
    /// </summary>
    internal readonly record struct Slot(long DueAt, long WindowEnd, Guid? InfusionId, long GovernedAt);

    private static readonly long MaxTicks = DateTimeOffset.MaxValue.UtcTicks;

    /// <summary>The slots of one rule in dueAt order (ties keep infusion order).</summary>
    public static List<Slot> Of(PlanRule rule, KnownEvents known) => Of(rule, known, []);

    /// <summary>The same into <paramref name="slots"/>, cleared first (a caller running many patients reuses one list).</summary>
    public static List<Slot> Of(PlanRule rule, KnownEvents known, List<Slot> slots)
    {
        slots.Clear();
        switch (rule)
        {
            case EnrolmentRule r: Enrolment(r, known, slots); break;
            case AfterInfusionRule r: AfterInfusion(r, known, slots); break;
            case IntervalRule r: Interval(r, known, slots); break;
            default: throw new ArgumentOutOfRangeException(nameof(rule), rule.GetType().Name, "Unknown rule type.");
        }
        return slots;
    }

    // Due at registration; unknown (no slot) while registration is still after the instant computed for.
    private static void Enrolment(EnrolmentRule rule, KnownEvents known, List<Slot> slots)
    {
        if (known.RegisteredAt is { } registered) TryAdd(slots, registered, rule.WindowDays * TimeSpan.TicksPerDay, null, registered);
    }

    // One slot per known infusion whose session number the rule covers; back-entered infusions before registration
    // count too (SPEC: occurrences follow the records' own dates). Infusions given at the same instant share one
    // occurrence: (rule, dueAt) is what an occurrence is (its assessment.due event id), so a second slot there would be
    // the same occurrence twice (the first infusion's id names it).
    private static void AfterInfusion(AfterInfusionRule rule, KnownEvents known, List<Slot> slots)
    {
        for (var i = 0; i < known.InfusionCount; i++)
        {
            if (!rule.Covers(i + 1)) continue;
            var administered = known.InfusionAt(i);
            var offset = rule.OffsetHours * TimeSpan.TicksPerHour;
            if (offset > MaxTicks - administered) break;
            if (slots.Count > 0 && slots[^1].DueAt == administered + offset) continue; // infusions come in time order
            TryAdd(slots, administered + offset, rule.WindowHours * TimeSpan.TicksPerHour, known.InfusionId(i), administered);
        }
    }

    // The clock restarts at every reset (registration, any infusion, a completed assessment of the rule's instrument):
    // slots fall at R + n·everyDays after each reset R, up to and including the next reset, so an early assessment
    // restarts the count and an overdue slot is followed by the next one everyDays later. After the last known reset
    // the slots run until the first one past the instant: the next upcoming one. The phase is judged at each dueAt
    // by the infusions known then; past the last known infusion it cannot change, so the loop always ends.
    private static void Interval(IntervalRule rule, KnownEvents known, List<Slot> slots)
    {
        var resets = known.ResetsFor(rule.Instrument);
        var every = rule.EveryDays * TimeSpan.TicksPerDay;
        var window = rule.WindowDays * TimeSpan.TicksPerDay;
        for (var i = 0; i < resets.Length; i++)
        {
            long? next = i + 1 < resets.Length ? resets[i + 1] : null;
            for (var due = resets[i]; every <= MaxTicks - due;)
            {
                due += every;
                if (due > next) break;
                var pastInstant = next is null && due > known.At;
                if (InPhase(rule.Phase, known.InfusionsAtOrBefore(due))) TryAdd(slots, due, window, null, due);
                if (pastInstant) break;
            }
        }
    }

    private static bool InPhase(PlanPhase phase, int infusionsSoFar) => phase switch
    {
        PlanPhase.PreTreatment => infusionsSoFar == 0,
        PlanPhase.OnTreatment => infusionsSoFar > 0,
        _ => true,
    };

    private static void TryAdd(List<Slot> slots, long dueAt, long window, Guid? infusionId, long governedAt)
    {
        if (window <= MaxTicks - dueAt) slots.Add(new Slot(dueAt, dueAt + window, infusionId, governedAt));
    }
}
