using KetamineOutcomes.Core.Plans;
using static KetamineOutcomes.Core.Tests.Plans.PlanTimelines;

namespace KetamineOutcomes.Core.Tests.Plans;

/// <summary>Each rule's semantics on small timelines: window edges, back-dating, corrections, resets and phases.</summary>
public class DueScheduleRuleTests
{
    private const long Microsecond = 10; // ticks: the stores keep microseconds

    private static MeasurementPlan Plan(params PlanRule[] rules) => new(1, rules);

    private static readonly AfterInfusionRule After24 = new("after", PlanInstrument.Phq9, OffsetHours: 24, WindowHours: 24, Sessions: null);

    private static ScheduleAssessment Phq9(int id, DateTimeOffset at, RecordStatus status = RecordStatus.Final) => new(Id(id), PlanInstrument.Phq9, at, status);

    [Theory]
    // assessment offset from dueAt (day 1 14:00) in ticks → completes?
    [InlineData(0, true)]                                           // exactly at dueAt
    [InlineData(-Microsecond, false)]                               // 1 µs before it
    [InlineData(24 * TimeSpan.TicksPerHour, true)]                  // exactly at windowEnd
    [InlineData(24 * TimeSpan.TicksPerHour + Microsecond, false)]   // 1 µs after it
    public void Window_is_inclusive_at_both_ends(long offsetTicks, bool completes)
    {
        var schedule = new DueSchedule(RegisteredAt, [new(Id(1), D(0, 14))], [Phq9(100, D(1, 14).AddTicks(offsetTicks))]);
        var occurrence = Assert.Single(schedule.Occurrences(Plan(After24), D(20)));
        Assert.Equal((D(1, 14), D(2, 14)), (occurrence.DueAt, occurrence.WindowEnd));
        Assert.Equal(completes ? OccurrenceStatus.Completed : OccurrenceStatus.Overdue, occurrence.Status);
        Assert.Equal(completes ? Id(100) : null, occurrence.CompletedBy);
    }

    [Theory]
    [InlineData(-Microsecond, OccurrenceStatus.Upcoming)]
    [InlineData(0, OccurrenceStatus.Due)]
    [InlineData(24 * TimeSpan.TicksPerHour, OccurrenceStatus.Due)]
    [InlineData(24 * TimeSpan.TicksPerHour + Microsecond, OccurrenceStatus.Overdue)]
    public void Status_turns_due_at_dueAt_and_overdue_just_after_windowEnd(long offsetTicks, OccurrenceStatus expected)
    {
        var schedule = new DueSchedule(RegisteredAt, [new(Id(1), D(0, 14))], []);
        Assert.Equal(expected, Assert.Single(schedule.Occurrences(Plan(After24), D(1, 14).AddTicks(offsetTicks))).Status);
    }

    [Theory]
    // sessions the rule covers → the infusion its one occurrence names (two infusions recorded at day 0 14:00)
    [InlineData(null, 1)]
    [InlineData(new[] { 1 }, 1)]
    [InlineData(new[] { 2 }, 2)]
    public void Two_infusions_at_the_same_instant_give_one_occurrence_per_rule(int[]? sessions, int infusion)
    {
        // (rule, dueAt) is the occurrence (its assessment.due event id): the worklist, the due list and adherence show it once.
        var rule = After24 with { Sessions = sessions };
        var schedule = new DueSchedule(RegisteredAt, [new(Id(2), D(0, 14)), new(Id(1), D(0, 14))], []);
        var occurrence = Assert.Single(schedule.Occurrences(Plan(rule), D(20)));
        Assert.Equal((D(1, 14), Id(infusion), OccurrenceStatus.Overdue), (occurrence.DueAt, occurrence.InfusionId, occurrence.Status));
        Assert.Equal(new PlanAdherence(PlanInstrument.Phq9, 1, 0, 0), schedule.Adherence(Plan(rule), PlanInstrument.Phq9, D(20)));
    }

    [Fact]
    public void Back_dating_an_infusion_moves_its_after_infusion_occurrences()
    {
        var sessionTwo = new AfterInfusionRule("after-2", PlanInstrument.Phq9, 24, 24, Sessions: [2]);
        var asRecorded = new DueSchedule(RegisteredAt, [new(Id(1), D(0, 14)), new(Id(2), D(2, 9))], []);
        Assert.Equal(D(3, 9), Assert.Single(asRecorded.Occurrences(Plan(sessionTwo), D(20))).DueAt);

        // Corrected: infusion 2 was given on day 1, and an infusion given before registration was entered late; it is
        // session 1 now, so session 2 is the infusion of day 0.
        var corrected = new DueSchedule(RegisteredAt, [new(Id(1), D(0, 14)), new(Id(2), D(1, 9)), new(Id(9), D(-5, 9))], []);
        var moved = Assert.Single(corrected.Occurrences(Plan(sessionTwo), D(20)));
        Assert.Equal((D(1, 14), Id(1)), (moved.DueAt, moved.InfusionId));
    }

    [Fact]
    public void Infusion_entered_in_error_removes_its_occurrences_and_renumbers_the_later_ones()
    {
        var infusions = Infusions;
        infusions[2] = infusions[2] with { Status = RecordStatus.EnteredInError };
        var rule = (AfterInfusionRule)MeasurementPlan.Default.Rules[3];
        var dues = new DueSchedule(RegisteredAt, infusions, []).Occurrences(Plan(rule), D(60)).Select(o => Days(o.DueAt));
        // Infusion 3 (day 4) is gone; the booster of day 39 is session 6 now, so it is covered.
        Assert.Equal(["d1 14:00", "d3 09:00", "d8 14:00", "d10 13:00", "d12 14:00", "d40 10:00"], dues);
    }

    [Theory]
    [InlineData(RecordStatus.Final, true)]
    [InlineData(RecordStatus.Amended, true)]
    [InlineData(RecordStatus.EnteredInError, false)]
    public void Only_final_and_amended_assessments_complete(RecordStatus status, bool completes)
    {
        var schedule = new DueSchedule(RegisteredAt, [new(Id(1), D(0, 14))], [Phq9(100, D(1, 20), status)]);
        Assert.Equal(completes, Assert.Single(schedule.Occurrences(Plan(After24), D(20))).Status == OccurrenceStatus.Completed);
    }

    [Fact]
    public void An_assessment_completes_one_occurrence_of_a_rule_the_earliest()
    {
        // Two infusions an hour apart: two occurrences with overlapping windows. One PHQ-9 in both windows completes
        // the first; a second PHQ-9 completes the second.
        var infusions = new ScheduleInfusion[] { new(Id(1), D(0, 9)), new(Id(2), D(0, 10)) };
        var one = new DueSchedule(RegisteredAt, infusions, [Phq9(100, D(1, 12))]).Occurrences(Plan(After24), D(5)).Select(Row);
        Assert.Equal(["after d1 09:00 completed by 100", "after d1 10:00 overdue"], one);
        var two = new DueSchedule(RegisteredAt, infusions, [Phq9(100, D(1, 12)), Phq9(101, D(1, 13))]).Occurrences(Plan(After24), D(5)).Select(Row);
        Assert.Equal(["after d1 09:00 completed by 100", "after d1 10:00 completed by 101"], two);
    }

    [Fact]
    public void One_assessment_may_complete_an_occurrence_of_each_rule()
    {
        var enrolment = new EnrolmentRule("enrol", PlanInstrument.Phq9, 7);
        var schedule = new DueSchedule(D(0, 10), [new(Id(1), D(0, 14))], [Phq9(100, D(1, 15))]);
        Assert.All(schedule.Occurrences(Plan(enrolment, After24), D(20)), o => Assert.Equal(Id(100), o.CompletedBy));
    }

    private static readonly IntervalRule Weekly = new("weekly", PlanInstrument.Phq9, EveryDays: 7, PlanPhase.Any, WindowDays: 2);

    [Fact]
    public void Interval_after_a_missed_occurrence_the_next_falls_everyDays_later()
    {
        var rows = new DueSchedule(D(0), [], []).Occurrences(Plan(Weekly), D(22)).Select(Row);
        Assert.Equal(["weekly d7 00:00 overdue", "weekly d14 00:00 overdue", "weekly d21 00:00 due", "weekly d28 00:00 upcoming"], rows);
    }

    [Fact]
    public void Interval_an_early_assessment_restarts_the_count()
    {
        // Completed on day 5, before the day-7 occurrence opened: it completes nothing, and the next is day 12.
        var rows = new DueSchedule(D(0), [], [Phq9(100, D(5))]).Occurrences(Plan(Weekly), D(13)).Select(Row);
        Assert.Equal(["weekly d12 00:00 due", "weekly d19 00:00 upcoming"], rows);
    }

    [Fact]
    public void Interval_an_infusion_restarts_the_clock_and_an_assessment_of_another_instrument_does_not()
    {
        var gad7 = new ScheduleAssessment(Id(100), PlanInstrument.Gad7, D(3));
        var rows = new DueSchedule(D(0), [new(Id(1), D(4))], [gad7]).Occurrences(Plan(Weekly), D(5)).Select(Row);
        Assert.Equal(["weekly d11 00:00 upcoming"], rows);
    }

    [Fact]
    public void Interval_occurrence_falling_on_the_next_reset_is_kept_and_completed_by_it()
    {
        var rows = new DueSchedule(D(0), [], [Phq9(100, D(7))]).Occurrences(Plan(Weekly), D(8)).Select(Row);
        Assert.Equal(["weekly d7 00:00 completed by 100", "weekly d14 00:00 upcoming"], rows);
    }

    [Theory]
    // phase → occurrences over a course registered on day 0 with one infusion on day 10, read on day 30
    [InlineData(PlanPhase.PreTreatment, "d7 00:00")]
    [InlineData(PlanPhase.OnTreatment, "d17 00:00|d24 00:00|d31 00:00")]
    [InlineData(PlanPhase.Any, "d7 00:00|d17 00:00|d24 00:00|d31 00:00")]
    public void Interval_phase_decides_by_infusions_at_or_before_dueAt(PlanPhase phase, string expected)
    {
        var rule = Weekly with { Phase = phase };
        var dues = new DueSchedule(D(0), [new(Id(1), D(10))], []).Occurrences(Plan(rule), D(30)).Select(o => Days(o.DueAt));
        Assert.Equal(expected, string.Join('|', dues));
    }

    [Fact]
    public void On_treatment_rule_without_infusions_has_no_occurrence()
    {
        var rule = Weekly with { Phase = PlanPhase.OnTreatment };
        Assert.Empty(new DueSchedule(D(0), [], []).Occurrences(Plan(rule), D(100)));
    }

    [Fact]
    public void Events_after_the_instant_are_not_known()
    {
        // At day 3 neither the infusion of day 5 nor the PHQ-9 of day 6 is known, and registration on day 2 is.
        var enrolment = new EnrolmentRule("enrol", PlanInstrument.Phq9, 7);
        var schedule = new DueSchedule(D(2), [new(Id(1), D(5))], [Phq9(100, D(6))]);
        Assert.Equal(["enrol d2 00:00 due", "weekly d9 00:00 upcoming"], schedule.Occurrences(Plan(enrolment, After24, Weekly), D(3)).Select(Row));
        Assert.Equal(["enrol d2 00:00 completed by 100", "after d6 00:00 completed by 100", "weekly d13 00:00 upcoming"],
            schedule.Occurrences(Plan(enrolment, After24, Weekly), D(6)).Select(Row));
    }

    [Fact]
    public void Before_registration_only_back_entered_infusions_count()
    {
        var enrolment = new EnrolmentRule("enrol", PlanInstrument.Phq9, 7);
        var schedule = new DueSchedule(D(10), [new(Id(1), D(0))], []);
        // Registration on day 10 is not known on day 9: no enrolment occurrence yet, and the clock runs from the infusion.
        Assert.Equal(["after d1 00:00 overdue", "weekly d7 00:00 due", "weekly d14 00:00 upcoming"],
            schedule.Occurrences(Plan(enrolment, After24, Weekly), D(9)).Select(Row));
    }

    [Fact]
    public void Due_list_keeps_overdue_and_completed_for_30_days_inclusive()
    {
        var rule = new EnrolmentRule("enrol", PlanInstrument.Phq9, 1);
        var missed = new DueSchedule(D(0), [], []);
        Assert.Single(missed.DueList(Plan(rule), D(31)));                    // windowEnd d1: exactly 30 days back
        Assert.Empty(missed.DueList(Plan(rule), D(31).AddTicks(Microsecond)));
        var done = new DueSchedule(D(0), [], [Phq9(100, D(0, 12))]);
        Assert.Single(done.DueList(Plan(rule), D(30, 12)));
        Assert.Empty(done.DueList(Plan(rule), D(30, 12).AddTicks(Microsecond)));
    }

    [Fact]
    public void Occurrences_are_in_utc_whatever_the_offset_of_the_records()
    {
        var newYork = TimeSpan.FromHours(-5);
        var schedule = new DueSchedule(D(0).ToOffset(newYork), [new(Id(1), D(0, 14).ToOffset(newYork))], []);
        var occurrence = Assert.Single(schedule.Occurrences(Plan(After24), D(1, 14)));
        Assert.Equal((TimeSpan.Zero, D(1, 14)), (occurrence.DueAt.Offset, occurrence.DueAt));
    }
}
