using KetamineOutcomes.Core.Plans;
using static KetamineOutcomes.Core.Tests.Plans.PlanTimelines;

namespace KetamineOutcomes.Core.Tests.Plans;

/// <summary>
/// A plan change applies from then on (SPEC v2): each stored version governs from when it was stored until the next
/// version, the default plan before the first; an anchored occurrence (enrolment, after-infusion) belongs to the version
/// in force at its anchor (registration, the infusion), an interval occurrence to the version in force at its dueAt.
/// </summary>
public class PlanHistoryTests
{
    private static readonly MeasurementPlan After24 = new(1, [new AfterInfusionRule("after-24", PlanInstrument.Phq9, OffsetHours: 24, WindowHours: 24, Sessions: null)]);
    private static readonly MeasurementPlan After48 = new(2, [new AfterInfusionRule("after-48", PlanInstrument.Phq9, OffsetHours: 48, WindowHours: 24, Sessions: null)]);

    // Infusions on day 0 14:00, day 2 09:00, day 4 09:00 and day 7 14:00; version 1 stored long before, version 2 on day 5 00:00.
    private static readonly DueSchedule Four = new(RegisteredAt,
        [new(Id(1), D(0, 14)), new(Id(2), D(2, 9)), new(Id(3), D(4, 9)), new(Id(4), D(7, 14))],
        [new(Id(100), PlanInstrument.Phq9, D(6, 10))]);

    private static readonly PlanHistory History = PlanHistory.Stored([(After24, D(-10)), (After48, D(5))]);

    [Fact]
    public void Each_infusion_follows_the_version_in_force_when_it_was_given()
    {
        // Infusion 3 (day 4 09:00) was given before the change on day 5: its 24 h occurrence (day 5 09:00, after the
        // change) keeps version 1; infusion 4 (day 7 14:00) follows version 2's 48 h rule. The PHQ-9 on day 6 10:00
        // falls in no window.
        Assert.Equal(
            ["after-24 d1 14:00 overdue", "after-24 d3 09:00 overdue", "after-24 d5 09:00 overdue", "after-48 d9 14:00 overdue"],
            Four.Occurrences(History, D(20)).Select(Row));
    }

    private static readonly AfterInfusionRule Offset0 = new("after-infusion-phq9", PlanInstrument.Phq9, OffsetHours: 0, WindowHours: 48, Sessions: null);
    private static readonly AfterInfusionRule Offset24 = new("after-infusion-phq9", PlanInstrument.Phq9, OffsetHours: 24, WindowHours: 24, Sessions: null);

    // The break-it example: an infusion 2 h before a change of offset. By dueAt, the old version's occurrence fell after
    // the change and the new one's before it, so neither version listed one; by the infusion, exactly one does.
    [Theory]
    [InlineData(24, 0, "after-infusion-phq9 d1 10:00 upcoming")] // old +24 h kept: the infusion was given under it
    [InlineData(0, 24, "after-infusion-phq9 d0 10:00 due")]      // old +0 h kept: its window (48 h) is open now
    public void An_infusion_just_before_a_change_of_offset_keeps_exactly_one_occurrence_of_the_old_version(int oldOffset, int newOffset, string expected)
    {
        var old = new MeasurementPlan(1, [oldOffset == 24 ? Offset24 : Offset0]);
        var changed = new MeasurementPlan(2, [newOffset == 24 ? Offset24 : Offset0]);
        var history = PlanHistory.Stored([(old, D(-10)), (changed, D(0, 12))]);
        var schedule = new DueSchedule(D(-1), [new ScheduleInfusion(Id(1), D(0, 10))], []);
        // Computed at the change (d0 12:00) and a day later the infusion has one after-infusion occurrence, the old one.
        Assert.Equal([expected], schedule.DueList(history, D(0, 12)).Where(o => o.RuleId == "after-infusion-phq9").Select(Row));
        Assert.Single(schedule.Occurrences(history, D(1, 12)), o => o.RuleId == "after-infusion-phq9");
        // The next infusion, given after the change, follows the new version.
        var next = new DueSchedule(D(-1), [new ScheduleInfusion(Id(1), D(0, 10)), new ScheduleInfusion(Id(2), D(3, 10))], []);
        Assert.Equal([D(0, 10 + oldOffset), D(3, 10 + newOffset)],
            next.Occurrences(history, D(10)).Where(o => o.RuleId == "after-infusion-phq9").Select(o => o.DueAt));
    }

    [Fact]
    public void Enrolment_follows_the_version_in_force_at_registration_and_interval_occurrences_the_one_at_their_dueAt()
    {
        // Registered day 0 00:00; version 1 (enrolment window 1 day, PHQ-9 every 3 days) stored on day 2 12:00. The
        // default's 7-day enrolment occurrence stays; the default's 14-day interval had nothing due before the change;
        // version 1's interval occurrences run from day 3 (the clock runs from registration, whichever version).
        var v1 = new MeasurementPlan(1, [
            new EnrolmentRule("enrolment-phq9", PlanInstrument.Phq9, WindowDays: 1),
            new IntervalRule("every-3", PlanInstrument.Phq9, EveryDays: 3, PlanPhase.Any, WindowDays: 1)]);
        var history = PlanHistory.Stored([(v1, D(2, 12))]);
        var schedule = new DueSchedule(D(0), [], []);
        Assert.Equal(
            ["enrolment-phq9 d0 00:00 due", "every-3 d3 00:00 overdue", "every-3 d6 00:00 due", "every-3 d9 00:00 upcoming"],
            schedule.Occurrences(history, D(6, 12)).Where(o => o.Instrument == PlanInstrument.Phq9).Select(Row));
        Assert.Equal(D(7), schedule.Occurrences(history, D(6, 12)).Single(o => o.RuleId == "enrolment-phq9").WindowEnd);
    }

    [Fact]
    public void Two_versions_whose_rules_share_an_id_and_a_dueAt_list_one_occurrence()
    {
        // Infusion 1 (day 0 10:00) under +24 h, infusion 2 (day 1 10:00, after the change) under +0 h: both would be
        // after-infusion-phq9 at day 1 10:00 — one occurrence (one assessment.due event id), the earlier version's.
        var history = PlanHistory.Stored([(new MeasurementPlan(1, [Offset24]), D(-10)), (new MeasurementPlan(2, [Offset0]), D(0, 12))]);
        var schedule = new DueSchedule(D(-1), [new ScheduleInfusion(Id(1), D(0, 10)), new ScheduleInfusion(Id(2), D(1, 10))],
            [new ScheduleAssessment(Id(100), PlanInstrument.Phq9, D(1, 11))]);
        var rows = schedule.Occurrences(history, D(5));
        Assert.Equal(["after-infusion-phq9 d1 10:00 completed by 100"], rows.Where(o => o.RuleId == "after-infusion-phq9").Select(Row));
        Assert.Equal(Id(1), rows.Single(o => o.RuleId == "after-infusion-phq9").InfusionId);
        Assert.Equal(new PlanAdherence(PlanInstrument.Phq9, 1, 1, 1.0), schedule.Adherence(history, PlanInstrument.Phq9, D(5)));
    }

    [Fact]
    public void Computed_at_an_instant_before_the_change_the_later_version_is_unknown()
    {
        Assert.Equal(
            ["after-24 d1 14:00 overdue", "after-24 d3 09:00 overdue", "after-24 d5 09:00 upcoming"],
            Four.Occurrences(History, D(4, 12)).Select(Row));
        Assert.Same(After24, History.CurrentAt(D(4, 12)));
        Assert.Same(After48, History.CurrentAt(D(5)));
    }

    [Fact]
    public void Before_the_first_stored_version_the_default_plan_governs()
    {
        // Version 1 stored on day 3 00:00: registration's enrolment occurrences and infusions 1 and 2 (given before it)
        // follow the default plan, even infusion 2's occurrence due after the change (day 3 09:00); infusion 3 (day 4) version 1.
        var history = PlanHistory.Stored([(After24, D(3))]);
        var rows = Four.Occurrences(history, D(8)).Select(Row).ToArray();
        Assert.Contains("enrolment-phq9 d-2 10:00 overdue", rows);
        Assert.Contains("after-infusion-phq9 d1 14:00 overdue", rows);
        Assert.Contains("after-infusion-phq9 d3 09:00 overdue", rows);
        Assert.DoesNotContain("after-24 d1 14:00 overdue", rows);
        Assert.DoesNotContain("after-24 d3 09:00 overdue", rows);
        Assert.Contains("after-24 d5 09:00 overdue", rows);
    }

    [Fact]
    public void A_site_without_stored_versions_has_exactly_the_default_plans_occurrences()
    {
        Assert.Equal(Course().Occurrences(MeasurementPlan.Default, D(60)), Course().Occurrences(PlanHistory.Stored([]), D(60)));
        Assert.Equal(Course().DueList(MeasurementPlan.Default, D(60)), Course().DueList(PlanHistory.Stored([]), D(60)));
    }

    [Fact]
    public void Versions_out_of_order_are_refused()
    {
        Assert.Throws<ArgumentException>(() => PlanHistory.Stored([(After48, D(1)), (After24, D(2))]));
        Assert.Throws<ArgumentException>(() => PlanHistory.Stored([(After24, D(2)), (After48, D(1))]));
    }

    [Fact]
    public void A_rule_in_draft_shape_parses_back_to_the_same_rule()
    {
        var drafts = MeasurementPlan.Default.Rules.Select(PlanRuleDraft.Of).ToArray();
        Assert.Null(drafts[0].Sessions);
        Assert.Null(drafts[3].WindowDays);
        var parsed = MeasurementPlanValidation.Parse(drafts);
        Assert.Equivalent(MeasurementPlan.Default.Rules, parsed, strict: true);
    }
}
