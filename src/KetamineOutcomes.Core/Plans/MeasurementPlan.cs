namespace KetamineOutcomes.Core.Plans;

/// <summary>
/// A site's measurement plan (SPEC v2, Measurement plans): numbered versions, each a list of rules with unique ids.
/// Build one from untrusted input only through <see cref="MeasurementPlanValidation.Validate"/>.
/// </summary>
/// <param name="Version">1, 2, … as a site stores them; 0 for <see cref="Default"/>.</param>
public sealed record MeasurementPlan(int Version, IReadOnlyList<PlanRule> Rules)
{
    /// <summary>
    /// The plan of a site that has set none (SPEC v2): PHQ-9, GAD-7 and C-SSRS at enrolment (window 7 days); PHQ-9
    /// 24 h after infusions 1 to 6 (window 24 h); PHQ-9 and C-SSRS every 14 days, phase any (window 3 days).
    /// </summary>
    public static MeasurementPlan Default { get; } = new(0, [
        new EnrolmentRule("enrolment-phq9", PlanInstrument.Phq9, WindowDays: 7),
        new EnrolmentRule("enrolment-gad7", PlanInstrument.Gad7, WindowDays: 7),
        new EnrolmentRule("enrolment-cssrs", PlanInstrument.Cssrs, WindowDays: 7),
        new AfterInfusionRule("after-infusion-phq9", PlanInstrument.Phq9, OffsetHours: 24, WindowHours: 24, Sessions: [1, 2, 3, 4, 5, 6]),
        new IntervalRule("interval-phq9", PlanInstrument.Phq9, EveryDays: 14, PlanPhase.Any, WindowDays: 3),
        new IntervalRule("interval-cssrs", PlanInstrument.Cssrs, EveryDays: 14, PlanPhase.Any, WindowDays: 3),
    ]);
}

/// <summary>One rule of a plan: an id unique within the plan, the instrument it asks for, and its anchor.</summary>
public abstract record PlanRule(string Id, PlanInstrument Instrument)
{
    public abstract RuleAnchor Anchor { get; }
}

/// <summary>Due when the patient is registered; open for <paramref name="WindowDays"/> days.</summary>
public sealed record EnrolmentRule(string Id, PlanInstrument Instrument, int WindowDays) : PlanRule(Id, Instrument)
{
    public override RuleAnchor Anchor => RuleAnchor.Enrolment;
}

/// <summary>
/// Due <paramref name="OffsetHours"/> after each infusion whose session number is in <paramref name="Sessions"/>
/// (null: every session); open for <paramref name="WindowHours"/> hours.
/// </summary>
public sealed record AfterInfusionRule(string Id, PlanInstrument Instrument, int OffsetHours, int WindowHours, IReadOnlyList<int>? Sessions)
    : PlanRule(Id, Instrument)
{
    public override RuleAnchor Anchor => RuleAnchor.AfterInfusion;

    public bool Covers(int sessionNumber) => Sessions is null || Sessions.Contains(sessionNumber);
}

/// <summary>
/// Due <paramref name="EveryDays"/> days after the latest of registration, the last infusion and the last completed
/// assessment of its instrument, while the patient is in <paramref name="Phase"/>; open for <paramref name="WindowDays"/> days.
/// </summary>
public sealed record IntervalRule(string Id, PlanInstrument Instrument, int EveryDays, PlanPhase Phase, int WindowDays)
    : PlanRule(Id, Instrument)
{
    public override RuleAnchor Anchor => RuleAnchor.Interval;
}
