using KetamineOutcomes.Core.Timepoints;

namespace KetamineOutcomes.Core.Plans;

/// <summary>
/// What a plan asks of one patient, derived on every read and never stored (SPEC v2, Measurement plans), so a
/// back-dated infusion, a late submission or a record entered in error moves the answer. Where the SPEC is silent
/// these are our decisions:
/// <list type="bullet">
/// <item>Computed at an instant <c>at</c>, only events dated at or before it are known: registration, infusions
/// (by administeredAt) and assessments (by completedAt). Computing at <c>at</c> from a longer history gives the same
/// answer as from the history up to <c>at</c>.</item>
/// <item>Records entered in error are absent; final and amended ones count (filtered here, once).</item>
/// <item>enrolment: dueAt = registration; windowEnd = dueAt + windowDays. after-infusion: dueAt = administeredAt +
/// offsetHours for each infusion whose session number (<see cref="InfusionTimeline"/> order) the rule covers;
/// windowEnd = dueAt + windowHours. interval: see <see cref="RuleOccurrences"/>; pre-treatment means no infusion at or
/// before dueAt, on-treatment at least one.</item>
/// <item>An occurrence is completed by a live assessment of its instrument completed in [dueAt, windowEnd], both
/// ends inclusive. Within one rule an assessment completes at most one occurrence: occurrences are matched earliest
/// first, each to the earliest assessment still free. Rules do not share out assessments: one PHQ-9 may complete an
/// occurrence of each PHQ-9 rule.</item>
/// <item>Status at <c>at</c>: completed; else upcoming (at &lt; dueAt), due (dueAt ≤ at ≤ windowEnd) or overdue.</item>
/// </list>
/// </summary>
public sealed class DueSchedule
{
    /// <summary>How far back the due list reaches for closed windows and completions (SPEC: "the last 30 days").</summary>
    public const int RecentDays = 30;

    private readonly DateTimeOffset _registeredAt;
    private readonly InfusionTimeline _timeline;
    private readonly Dictionary<PlanInstrument, ScheduleAssessment[]> _assessments;

    /// <param name="registeredAt">When the patient was registered (the patient record's creation).</param>
    /// <param name="infusions">The patient's infusions, any order, any status.</param>
    /// <param name="assessments">The patient's questionnaires and C-SSRS check-ins, any order, any status.</param>
    public DueSchedule(DateTimeOffset registeredAt, IEnumerable<ScheduleInfusion> infusions, IEnumerable<ScheduleAssessment> assessments)
    {
        _registeredAt = registeredAt;
        _timeline = new InfusionTimeline(infusions.Where(i => i.Status.IsLive()).Select(i => new InfusionMoment(i.Id, i.AdministeredAt)));
        _assessments = assessments.Where(a => a.Status.IsLive()).GroupBy(a => a.Instrument).ToDictionary(
            g => g.Key, g => InOrder.ByTimeThenId(g, a => a.CompletedAt.UtcTicks, a => a.Id));
    }

    /// <summary>Every occurrence of every rule known at <paramref name="at"/>, in dueAt order, then rule id.</summary>
    public IReadOnlyList<DueOccurrence> Occurrences(MeasurementPlan plan, DateTimeOffset at) => Occurrences(PlanHistory.Of(plan), at);

    /// <summary>
    /// The same under a site's plan versions (<see cref="PlanHistory"/>): each version known at <paramref name="at"/>
    /// contributes the occurrences whose dueAt falls in the range it governs.
    /// </summary>
    public IReadOnlyList<DueOccurrence> Occurrences(PlanHistory plans, DateTimeOffset at)
    {
        var known = new KnownEvents(at, _registeredAt, _timeline, _assessments);
        return [.. plans.KnownAt(known.At)
            .SelectMany(v => v.Plan.Rules.SelectMany(rule => Matched(rule, known))
                .Where(o => o.DueAt.UtcTicks >= v.From && (v.Until is not { } until || o.DueAt.UtcTicks < until)))
            .OrderBy(o => o.DueAt.UtcTicks).ThenBy(o => o.RuleId, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The due list (SPEC v2, <c>GET /patients/{id}/due</c>): every occurrence that is due; overdue with windowEnd
    /// within the last <see cref="RecentDays"/> days; completed by an assessment completed within them (both edges
    /// inclusive); and each rule's next upcoming occurrence. In dueAt order, then rule id.
    /// </summary>
    public IReadOnlyList<DueOccurrence> DueList(MeasurementPlan plan, DateTimeOffset at) => DueList(PlanHistory.Of(plan), at);

    /// <inheritdoc cref="DueList(MeasurementPlan, DateTimeOffset)"/>
    public IReadOnlyList<DueOccurrence> DueList(PlanHistory plan, DateTimeOffset at)
    {
        var since = at.UtcTicks - RecentDays * TimeSpan.TicksPerDay;
        var nextOfRule = new HashSet<string>(StringComparer.Ordinal);
        return [.. Occurrences(plan, at).Where(o => o.Status switch
        {
            OccurrenceStatus.Due => true,
            OccurrenceStatus.Overdue => o.WindowEnd.UtcTicks >= since,
            OccurrenceStatus.Completed => o.CompletedAt!.Value.UtcTicks >= since,
            _ => nextOfRule.Add(o.RuleId),
        })];
    }

    /// <summary>
    /// Adherence to the rules of one instrument at <paramref name="at"/>: occurrences whose window has closed
    /// (windowEnd &lt; at) or that are completed count as due; the completed ones as completed in window.
    /// </summary>
    public PlanAdherence Adherence(MeasurementPlan plan, PlanInstrument instrument, DateTimeOffset at) => Adherence(PlanHistory.Of(plan), instrument, at);

    /// <inheritdoc cref="Adherence(MeasurementPlan, PlanInstrument, DateTimeOffset)"/>
    public PlanAdherence Adherence(PlanHistory plan, PlanInstrument instrument, DateTimeOffset at)
    {
        // The occurrences of Occurrences(plan, at), counted without ordering them and only for the instrument's rules:
        // the research summary runs this for every patient of a cohort.
        var known = new KnownEvents(at, _registeredAt, _timeline, _assessments);
        int due = 0, completed = 0;
        foreach (var v in plan.KnownAt(known.At))
            foreach (var rule in v.Plan.Rules)
            {
                if (rule.Instrument != instrument) continue;
                foreach (var o in Matched(rule, known))
                {
                    if (o.DueAt.UtcTicks < v.From || v.Until is { } until && o.DueAt.UtcTicks >= until) continue;
                    if (o.Status == OccurrenceStatus.Completed) completed++;
                    else if (o.WindowEnd >= at) continue;
                    due++;
                }
            }
        return new PlanAdherence(instrument, due, completed, due == 0 ? null : Math.Round((double)completed / due, 4));
    }

    private static IEnumerable<DueOccurrence> Matched(PlanRule rule, KnownEvents known)
    {
        var assessments = known.AssessmentsOf(rule.Instrument);
        var free = 0;
        foreach (var slot in RuleOccurrences.Of(rule, known))
        {
            // Slots come in dueAt order, so an assessment before this one's dueAt can complete no later slot either.
            while (free < assessments.Count && assessments[free].CompletedAt.UtcTicks < slot.DueAt) free++;
            ScheduleAssessment? by = null;
            if (free < assessments.Count && assessments[free].CompletedAt.UtcTicks <= slot.WindowEnd) by = assessments[free++];
            var status = by is not null ? OccurrenceStatus.Completed
                : known.At < slot.DueAt ? OccurrenceStatus.Upcoming
                : known.At <= slot.WindowEnd ? OccurrenceStatus.Due
                : OccurrenceStatus.Overdue;
            yield return new DueOccurrence(rule.Id, rule.Instrument, Utc(slot.DueAt), Utc(slot.WindowEnd), status,
                by?.Id, by?.CompletedAt.ToUniversalTime(), slot.InfusionId);
        }
    }

    private static DateTimeOffset Utc(long ticks) => new(ticks, TimeSpan.Zero);
}
