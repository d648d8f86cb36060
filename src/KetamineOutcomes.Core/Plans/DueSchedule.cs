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

    private readonly ScheduleEvents _events;

    /// <param name="registeredAt">When the patient was registered (the patient record's creation).</param>
    /// <param name="infusions">The patient's infusions, any order, any status.</param>
    /// <param name="assessments">The patient's questionnaires and C-SSRS check-ins, any order, any status.</param>
    public DueSchedule(DateTimeOffset registeredAt, IEnumerable<ScheduleInfusion> infusions, IEnumerable<ScheduleAssessment> assessments)
    {
        var timeline = new InfusionTimeline(infusions.Where(i => i.Status.IsLive()).Select(i => new InfusionMoment(i.Id, i.AdministeredAt)));
        _events = new ScheduleEvents(registeredAt.UtcTicks,
            [.. timeline.Ordered.Select(i => i.AdministeredAt.UtcTicks)], [.. timeline.Ordered.Select(i => i.InfusionId)],
            assessments.Where(a => a.Status.IsLive()).GroupBy(a => a.Instrument).ToDictionary(g => g.Key, g => TimesOf(g)));
    }

    /// <summary>
    /// One instrument's schedule from live records only, already in time order, without ids (the research summary,
    /// which reads a whole cohort and only counts): no object per record. Ties keep the given order.
    /// </summary>
    internal DueSchedule(long registeredTicks, ReadOnlySpan<long> liveInfusionTicks, PlanInstrument instrument, ReadOnlySpan<long> liveAssessmentTicks) =>
        _events = new ScheduleEvents(registeredTicks, liveInfusionTicks.ToArray(), null,
            new Dictionary<PlanInstrument, EventTimes>(1) { [instrument] = new(liveAssessmentTicks.ToArray(), null) });

    private static EventTimes TimesOf(IEnumerable<ScheduleAssessment> assessments)
    {
        var ordered = InOrder.ByTimeThenId(assessments, a => a.CompletedAt.UtcTicks, a => a.Id);
        return new EventTimes([.. ordered.Select(a => a.CompletedAt.UtcTicks)], [.. ordered.Select(a => a.Id)]);
    }

    /// <summary>Every occurrence of every rule known at <paramref name="at"/>, in dueAt order, then rule id.</summary>
    public IReadOnlyList<DueOccurrence> Occurrences(MeasurementPlan plan, DateTimeOffset at) => Occurrences(PlanHistory.Of(plan), at);

    /// <summary>
    /// The same under a site's plan versions (<see cref="PlanHistory"/>): each version known at <paramref name="at"/>
    /// contributes the occurrences it governs. Occurrences with the same rule id and dueAt are one occurrence (its
    /// <c>assessment.due</c> event id is made of them): only the first, by version then infusion order, is listed.
    /// </summary>
    public IReadOnlyList<DueOccurrence> Occurrences(PlanHistory plans, DateTimeOffset at)
    {
        var known = new KnownEvents(at, _events);
        var all = new List<DueOccurrence>();
        var seen = new Distinct(plans.KnownCount(known.At) > 1);
        foreach (var v in plans.KnownAt(known.At))
            foreach (var rule in v.Plan.Rules)
                foreach (var (slot, o) in Matched(rule, known))
                    if (PlanHistory.Governs(v.From, v.Until, slot) && seen.Add(rule, slot)) all.Add(o);
        return [.. all.OrderBy(o => o.DueAt.UtcTicks).ThenBy(o => o.RuleId, StringComparer.Ordinal)];
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
    public PlanAdherence Adherence(PlanHistory plan, PlanInstrument instrument, DateTimeOffset at) => Adherence(plan, instrument, at, []);

    /// <summary>The same with a list the caller reuses for the slots of each rule (one per research read, not per patient).</summary>
    internal PlanAdherence Adherence(PlanHistory plan, PlanInstrument instrument, DateTimeOffset at, List<RuleOccurrences.Slot> scratch)
    {
        // The occurrences of Occurrences(plan, at), counted without ordering them, without an object per occurrence
        // and only for the instrument's rules: the research summary runs this for every patient of a cohort.
        var known = new KnownEvents(at, _events);
        int due = 0, completed = 0;
        var seen = new Distinct(plan.KnownCount(known.At) > 1);
        foreach (var v in plan.KnownAt(known.At))
            foreach (var rule in v.Plan.Rules)
            {
                if (rule.Instrument != instrument) continue;
                var matcher = new Matcher(known.AssessmentsOf(rule.Instrument));
                foreach (var slot in RuleOccurrences.Of(rule, known, scratch))
                {
                    var status = StatusOf(slot, matcher.Take(slot) >= 0, known.At);
                    if (!PlanHistory.Governs(v.From, v.Until, slot) || !seen.Add(rule, slot)) continue;
                    if (status == OccurrenceStatus.Completed) completed++;
                    else if (status != OccurrenceStatus.Overdue) continue;
                    due++;
                }
            }
        return new PlanAdherence(instrument, due, completed, due == 0 ? null : Math.Round((double)completed / due, 4));
    }

    private static IEnumerable<(RuleOccurrences.Slot Slot, DueOccurrence Occurrence)> Matched(PlanRule rule, KnownEvents known)
    {
        var ofInstrument = known.AssessmentsOf(rule.Instrument);
        var assessments = ofInstrument.Times;
        var matcher = new Matcher(ofInstrument);
        foreach (var slot in RuleOccurrences.Of(rule, known))
        {
            var by = matcher.Take(slot);
            yield return (slot, new DueOccurrence(rule.Id, rule.Instrument, Utc(slot.DueAt), Utc(slot.WindowEnd), StatusOf(slot, by >= 0, known.At),
                by >= 0 ? assessments.IdAt(by) : null, by >= 0 ? Utc(assessments.Ticks[by]) : null, slot.InfusionId));
        }
    }

    private static OccurrenceStatus StatusOf(RuleOccurrences.Slot slot, bool completed, long at) =>
        completed ? OccurrenceStatus.Completed
        : at < slot.DueAt ? OccurrenceStatus.Upcoming
        : at <= slot.WindowEnd ? OccurrenceStatus.Due
        : OccurrenceStatus.Overdue;

    /// <summary>
    /// The (rule id, dueAt) pairs taken so far. Within one version they never repeat (rule ids are unique and
    /// RuleOccurrences gives each rule's dueAt once); two versions whose rules share an id can meet (after-infusion
    /// occurrences of two infusions under different offsets), so they are remembered only when two versions are known
    /// (the research summary runs this per patient: one version allocates nothing).
    /// </summary>
    private struct Distinct(bool severalVersions)
    {
        private HashSet<(string RuleId, long DueAt)>? _taken;

        public bool Add(PlanRule rule, RuleOccurrences.Slot slot) => !severalVersions || (_taken ??= []).Add((rule.Id, slot.DueAt));
    }

    /// <summary>Matches one rule's slots, in dueAt order, to its instrument's known assessments.</summary>
    private struct Matcher((EventTimes Times, int Count) assessments)
    {
        private int _free;

        /// <summary>The position of the assessment completing <paramref name="slot"/>, or −1: the earliest still free in its window.</summary>
        public int Take(RuleOccurrences.Slot slot)
        {
            var (times, count) = assessments;
            // Slots come in dueAt order, so an assessment before this one's dueAt can complete no later slot either.
            while (_free < count && times.Ticks[_free] < slot.DueAt) _free++;
            return _free < count && times.Ticks[_free] <= slot.WindowEnd ? _free++ : -1;
        }
    }

    private static DateTimeOffset Utc(long ticks) => new(ticks, TimeSpan.Zero);
}
