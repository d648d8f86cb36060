namespace KetamineOutcomes.Core.Plans;

/// <summary>
/// A site's plan versions over time. SPEC v2 (Measurement plans) says a change "applies from then on"; our reading:
/// each version governs from the moment it was stored until the next version was stored (the default plan,
/// <see cref="MeasurementPlan.Default"/>, before the first stored version), and which version governs an occurrence
/// is decided by one instant of it:
/// <list type="bullet">
/// <item>anchored rules (<c>enrolment</c>, <c>after-infusion</c>): the anchor — registration, the infusion's own
/// administeredAt. So a change applies to patients registered and infusions given after it; each infusion's follow-up
/// follows exactly one version, never none and never two, whatever the offsets of the old and new rules (an
/// infusion 2 h before a change keeps the old version's +24 h occurrence even if the new version asks at +0 h).</item>
/// <item><c>interval</c> rules: the occurrence's dueAt. So a change applies to interval occurrences due after it,
/// including the next one of a patient already on treatment.</item>
/// </list>
/// A change never rewrites the past: an occurrence that was due last week keeps the rule and window it had then.
/// Each version derives its occurrences from the whole timeline (an interval rule's clock runs from the same events
/// whichever version is in force); versions, like rules, do not share out assessments. Two versions whose rules share
/// an id can give that id two occurrences with the same dueAt (e.g. two infusions under different offsets): they are
/// one occurrence, the earlier version's (<see cref="DueSchedule"/>).
/// </summary>
public sealed class PlanHistory
{
    /// <summary>One version and the instant from which it applies (UTC ticks; <see cref="long.MinValue"/> for the default).</summary>
    private readonly record struct Version(MeasurementPlan Plan, long From);

    private readonly Version[] _versions;

    private PlanHistory(Version[] versions) => _versions = versions;

    /// <summary>One plan for the whole timeline (a site that never stored one has <see cref="MeasurementPlan.Default"/>).</summary>
    public static PlanHistory Of(MeasurementPlan plan) => new([new Version(plan, long.MinValue)]);

    /// <summary>
    /// The default plan, then each stored version from when it was stored. <paramref name="stored"/> must come in
    /// version order with non-decreasing times (the store guarantees both); otherwise <see cref="ArgumentException"/>.
    /// </summary>
    public static PlanHistory Stored(IEnumerable<(MeasurementPlan Plan, DateTimeOffset ChangedAt)> stored)
    {
        var versions = new List<Version> { new(MeasurementPlan.Default, long.MinValue) };
        foreach (var (plan, changedAt) in stored)
        {
            var previous = versions[^1];
            if (plan.Version <= previous.Plan.Version || changedAt.UtcTicks < previous.From)
                throw new ArgumentException($"Plan version {plan.Version} is out of order (after version {previous.Plan.Version}).", nameof(stored));
            versions.Add(new Version(plan, changedAt.UtcTicks));
        }
        return new PlanHistory([.. versions]);
    }

    /// <summary>The version in force at <paramref name="at"/>: the last one stored at or before it.</summary>
    public MeasurementPlan CurrentAt(DateTimeOffset at) => _versions[KnownCount(at.UtcTicks) - 1].Plan;

    /// <summary>
    /// The versions known at <paramref name="at"/>, each with the range it governs: [From, Until) in UTC ticks, Until
    /// null for the last (it governs everything after it, including upcoming occurrences). An occurrence belongs to the
    /// version whose range holds its <see cref="RuleOccurrences.Slot.GovernedAt"/> (<see cref="Governs"/>).
    /// </summary>
    internal IEnumerable<(MeasurementPlan Plan, long From, long? Until)> KnownAt(long at)
    {
        var known = KnownCount(at);
        for (var i = 0; i < known; i++)
            yield return (_versions[i].Plan, _versions[i].From, i + 1 < known ? _versions[i + 1].From : null);
    }

    /// <summary>Whether a version known at some instant, governing [from, until), governs this slot (the rule above).</summary>
    internal static bool Governs(long from, long? until, RuleOccurrences.Slot slot) =>
        slot.GovernedAt >= from && (until is not { } u || slot.GovernedAt < u);

    /// <summary>How many versions are known at <paramref name="at"/> (UTC ticks), the default included.</summary>
    // The default is always known; a version stored after the instant is not (computing at a past instant ignores it).
    internal int KnownCount(long at)
    {
        var n = 1;
        while (n < _versions.Length && _versions[n].From <= at) n++;
        return n;
    }
}
