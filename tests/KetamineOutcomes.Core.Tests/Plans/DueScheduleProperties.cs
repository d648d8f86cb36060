using CsCheck;
using KetamineOutcomes.Core.Plans;

namespace KetamineOutcomes.Core.Tests.Plans;

/// <summary>Random plans on random timelines (all statuses, ties, records before registration) and random instants.</summary>
public class DueScheduleProperties
{
    private static readonly DateTimeOffset Origin = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private sealed record Course(DateTimeOffset RegisteredAt, ScheduleInfusion[] Infusions, ScheduleAssessment[] Assessments)
    {
        public DueSchedule Schedule() => new(RegisteredAt, Infusions, Assessments);
    }

    // Times on a coarse grid (hours) hit window edges and ties often; a few are shifted by a microsecond.
    private static Gen<DateTimeOffset> Time(int fromDays, int toDays) =>
        Gen.Select(Gen.Int[fromDays * 24, toDays * 24], Gen.Int[-1, 1]).Select((h, us) => Origin.AddHours(h).AddTicks(us * 10));

    private static readonly Gen<RecordStatus> Status = Gen.Frequency((6, Gen.Const(RecordStatus.Final)), (1, Gen.Const(RecordStatus.Amended)), (2, Gen.Const(RecordStatus.EnteredInError)));
    private static readonly Gen<PlanInstrument> Instrument = Gen.Enum<PlanInstrument>();

    private static readonly Gen<Course> Courses = Gen.Select(
        Time(-10, 10),
        Gen.Select(Time(-20, 60), Status).Array[0, 8],
        Gen.Select(Instrument, Time(-20, 80), Status).Array[0, 16],
        (registered, infusions, assessments) => new Course(registered,
            [.. infusions.Select(i => new ScheduleInfusion(Guid.NewGuid(), i.Item1, i.Item2))],
            [.. assessments.Select(a => new ScheduleAssessment(Guid.NewGuid(), a.Item1, a.Item2, a.Item3))]));

    private static readonly Gen<PlanRule> Rule = Gen.OneOf<PlanRule>(
        Gen.Select(Instrument, Gen.Int[1, 5], (i, w) => (PlanRule)new EnrolmentRule("", i, w)),
        Gen.Select(Instrument, Gen.Int[0, 72], Gen.Int[1, 72], Gen.Int[1, 8].Array[1, 4].Null(0.5),
            (i, o, w, s) => (PlanRule)new AfterInfusionRule("", i, o, w, s?.Distinct().Order().ToArray())),
        Gen.Select(Instrument, Gen.Int[1, 10], Gen.Enum<PlanPhase>(), Gen.Int[1, 5], (i, e, p, w) => (PlanRule)new IntervalRule("", i, e, p, w)));

    private static readonly Gen<MeasurementPlan> Plans = Rule.Array[1, 6]
        .Select(rules => new MeasurementPlan(1, [.. rules.Select((r, n) => r with { Id = $"r{n}" })]));

    private static readonly Gen<DateTimeOffset> Instant = Time(-25, 100);

    /// <summary>One plan throughout, or the default then up to three stored versions (rule ids r0… recur across them).</summary>
    private static readonly Gen<PlanHistory> Histories = Gen.OneOf(
        Plans.Select(PlanHistory.Of),
        Gen.Select(Plans.Array[0, 3], Time(-15, 70).Array[3], (plans, times) =>
        {
            var from = times.Order().ToArray();
            return PlanHistory.Stored(plans.Select((p, i) => (p with { Version = i + 1 }, from[i])));
        }));

    private static (string, long, Guid?) Key(DueOccurrence o) => (o.RuleId, o.DueAt.UtcTicks, o.InfusionId);

    [Fact]
    public void Every_completed_occurrence_has_a_live_assessment_of_its_instrument_in_its_window() =>
        Gen.Select(Courses, Plans, Instant).Sample((course, plan, at) =>
            course.Schedule().Occurrences(plan, at).Where(o => o.Status == OccurrenceStatus.Completed).All(o =>
                course.Assessments.Single(a => a.Id == o.CompletedBy) is var a
                && a.Status != RecordStatus.EnteredInError && a.Instrument == o.Instrument && a.CompletedAt == o.CompletedAt
                && o.DueAt <= a.CompletedAt && a.CompletedAt <= o.WindowEnd && a.CompletedAt <= at));

    [Fact]
    public void Adherence_counts_the_instruments_occurrences_that_are_completed_or_whose_window_has_closed() =>
        Gen.Select(Courses, Histories, Instant, Instrument).Sample((course, plan, at, instrument) =>
        {
            var counted = course.Schedule().Occurrences(plan, at)
                .Where(o => o.Instrument == instrument && (o.Status == OccurrenceStatus.Completed || o.WindowEnd < at)).ToArray();
            var completed = counted.Count(o => o.Status == OccurrenceStatus.Completed);
            var adherence = course.Schedule().Adherence(plan, instrument, at);
            return adherence == new PlanAdherence(instrument, counted.Length, completed,
                counted.Length == 0 ? null : Math.Round((double)completed / counted.Length, 4));
        });

    [Fact]
    public void The_research_summarys_tick_arrays_give_each_patient_the_adherence_of_its_records() =>
        // AdherenceAccumulator takes live times only, in order and without ids (the research read): with k = 1 its rate
        // is this one patient's, which must be the per-patient rule's from the full records.
        Gen.Select(Courses, Histories, Instant, Instrument).Sample((course, plan, at, instrument) =>
        {
            var expected = course.Schedule().Adherence(plan, instrument, at);
            var infusions = course.Infusions.Where(i => i.Status != RecordStatus.EnteredInError).Select(i => i.AdministeredAt.UtcTicks).Order().ToArray();
            var assessments = course.Assessments.Where(a => a.Status != RecordStatus.EnteredInError && a.Instrument == instrument)
                .Select(a => a.CompletedAt.UtcTicks).Order().ToArray();
            var acc = new KetamineOutcomes.Core.Research.AdherenceAccumulator(instrument, at, _ => plan);
            acc.Add(null, course.RegisteredAt.UtcTicks, infusions, assessments);
            return acc.Finish(1) == new KetamineOutcomes.Core.Research.CohortAdherence(expected.Rate, false);
        });

    [Fact]
    public void Every_covered_infusion_has_one_occurrence_per_after_infusion_rule_of_the_version_in_force_when_it_was_given() =>
        // Never none and never two, whatever a later version's offsets; (rule id, dueAt) names one occurrence.
        Gen.Select(Courses, Histories, Instant).Sample((course, plans, at) =>
        {
            var occurrences = course.Schedule().Occurrences(plans, at);
            var listed = occurrences.Select(o => (o.RuleId, o.DueAt)).ToArray();
            // Session numbers by time; infusions tied in time share a dueAt, so their order among themselves does not matter.
            var given = course.Infusions.Where(i => i.Status != RecordStatus.EnteredInError && i.AdministeredAt <= at)
                .Select(i => i.AdministeredAt).Order().ToArray();
            var expected = given.SelectMany((t, i) => plans.CurrentAt(t).Rules.OfType<AfterInfusionRule>()
                .Where(r => r.Covers(i + 1)).Select(r => (r.Id, DueAt: t.AddHours(r.OffsetHours)))).ToHashSet();
            return listed.Distinct().Count() == listed.Length
                && expected.All(e => listed.Contains(e))
                && occurrences.Where(o => o.InfusionId is not null).All(o => expected.Contains((o.RuleId, o.DueAt)));
        });

    [Fact]
    public void No_assessment_completes_two_occurrences_of_one_rule() =>
        Gen.Select(Courses, Plans, Instant).Sample((course, plan, at) =>
            course.Schedule().Occurrences(plan, at).Where(o => o.CompletedBy is not null)
                .GroupBy(o => o.RuleId).All(g => g.Select(o => o.CompletedBy).Distinct().Count() == g.Count()));

    [Fact]
    public void Statuses_never_go_back_once_an_occurrence_is_due() =>
        Gen.Select(Courses, Histories, Instant, Gen.Int[0, 60 * 24]).Sample((course, plan, t1, laterHours) =>
        {
            var schedule = course.Schedule();
            var t2 = t1.AddHours(laterHours);
            var later = schedule.Occurrences(plan, t2).ToDictionary(Key);
            return schedule.Occurrences(plan, t1).Where(o => o.DueAt <= t1).All(before =>
                later.TryGetValue(Key(before), out var after) && (before.Status, after.Status) switch
                {
                    (OccurrenceStatus.Completed, OccurrenceStatus.Completed) => before.CompletedBy == after.CompletedBy,
                    (OccurrenceStatus.Overdue, OccurrenceStatus.Overdue) => true,
                    (OccurrenceStatus.Due, OccurrenceStatus.Due or OccurrenceStatus.Completed or OccurrenceStatus.Overdue) => true,
                    _ => false,
                });
        });

    [Fact]
    public void Events_after_the_instant_change_nothing_computed_at_it() =>
        Gen.Select(Courses, Plans, Instant).Sample((course, plan, at) =>
        {
            var known = new Course(course.RegisteredAt,
                [.. course.Infusions.Where(i => i.AdministeredAt <= at)], [.. course.Assessments.Where(a => a.CompletedAt <= at)]);
            return course.Schedule().Occurrences(plan, at).SequenceEqual(known.Schedule().Occurrences(plan, at));
        });

    [Fact]
    public void Records_entered_in_error_count_as_absent() =>
        Gen.Select(Courses, Plans, Instant).Sample((course, plan, at) =>
        {
            var live = new Course(course.RegisteredAt,
                [.. course.Infusions.Where(i => i.Status != RecordStatus.EnteredInError)],
                [.. course.Assessments.Where(a => a.Status != RecordStatus.EnteredInError)]);
            return course.Schedule().Occurrences(plan, at).SequenceEqual(live.Schedule().Occurrences(plan, at));
        });

    [Fact]
    public void Each_interval_occurrence_falls_a_whole_number_of_periods_after_the_last_reset_before_it() =>
        Gen.Select(Courses, Plans, Instant).Sample((course, plan, at) =>
        {
            var rules = plan.Rules.OfType<IntervalRule>().ToDictionary(r => r.Id);
            return course.Schedule().Occurrences(plan, at).Where(o => rules.ContainsKey(o.RuleId)).All(o =>
            {
                var rule = rules[o.RuleId];
                var resets = course.Infusions.Where(i => i.Status != RecordStatus.EnteredInError).Select(i => i.AdministeredAt)
                    .Concat(course.Assessments.Where(a => a.Status != RecordStatus.EnteredInError && a.Instrument == rule.Instrument).Select(a => a.CompletedAt))
                    .Append(course.RegisteredAt)
                    .Where(t => t <= at && t < o.DueAt).ToArray();
                var since = o.DueAt - resets.Max();
                return resets.Length > 0 && since.Ticks % TimeSpan.FromDays(rule.EveryDays).Ticks == 0
                    && o.WindowEnd - o.DueAt == TimeSpan.FromDays(rule.WindowDays);
            });
        });

    [Fact]
    public void Due_list_is_the_recent_and_open_occurrences_and_each_rules_next() =>
        Gen.Select(Courses, Plans, Instant).Sample((course, plan, at) =>
        {
            var schedule = course.Schedule();
            var all = schedule.Occurrences(plan, at);
            var since = at.AddDays(-DueSchedule.RecentDays);
            var expected = all.Where(o => o.Status == OccurrenceStatus.Due
                || (o.Status == OccurrenceStatus.Overdue && o.WindowEnd >= since)
                || (o.Status == OccurrenceStatus.Completed && o.CompletedAt >= since)
                || (o.Status == OccurrenceStatus.Upcoming && o == all.Where(u => u.RuleId == o.RuleId && u.Status == OccurrenceStatus.Upcoming).MinBy(u => u.DueAt)));
            return schedule.DueList(plan, at).SequenceEqual(expected);
        });
}
