using KetamineOutcomes.Core.Plans;
using static KetamineOutcomes.Core.Tests.Plans.PlanTimelines;

namespace KetamineOutcomes.Core.Tests.Plans;

/// <summary>The default plan on the worked demo course (<see cref="PlanTimelines"/>), read at several instants.</summary>
public class DefaultPlanCourseTests
{
    [Fact]
    public void Default_plan_is_the_specs_six_rules()
    {
        var rules = MeasurementPlan.Default.Rules;
        Assert.Equal(0, MeasurementPlan.Default.Version);
        Assert.Equal(
            ["enrolment-phq9 phq9 7", "enrolment-gad7 gad7 7", "enrolment-cssrs cssrs 7", "after-infusion-phq9 phq9 24+24 1,2,3,4,5,6",
             "interval-phq9 phq9 14 any 3", "interval-cssrs cssrs 14 any 3"],
            rules.Select(r => r switch
            {
                EnrolmentRule e => $"{e.Id} {WireNames.Of(e.Instrument)} {e.WindowDays}",
                AfterInfusionRule a => $"{a.Id} {WireNames.Of(a.Instrument)} {a.OffsetHours}+{a.WindowHours} {string.Join(',', a.Sessions!)}",
                IntervalRule i => $"{i.Id} {WireNames.Of(i.Instrument)} {i.EveryDays} {WireNames.Of(i.Phase)} {i.WindowDays}",
                _ => "?",
            }));
    }

    [Fact]
    public void Every_occurrence_on_day_30_of_the_course()
    {
        // The booster (day 39) is not known yet, so interval-cssrs still expects day 39 14:00.
        var rows = Course().Occurrences(MeasurementPlan.Default, D(30, 12)).Select(Row);
        Assert.Equal(
            [
                "enrolment-cssrs d-2 10:00 completed by 103",
                "enrolment-gad7 d-2 10:00 completed by 102",
                "enrolment-phq9 d-2 10:00 completed by 101",
                "after-infusion-phq9 d1 14:00 completed by 111",   // completed exactly at dueAt
                "after-infusion-phq9 d3 09:00 completed by 112",
                "after-infusion-phq9 d5 09:00 overdue",
                "after-infusion-phq9 d8 14:00 completed by 113",
                "after-infusion-phq9 d10 13:00 overdue",
                "after-infusion-phq9 d12 14:00 completed by 114",
                "interval-cssrs d25 14:00 overdue",                 // 14 days after infusion 6, no C-SSRS since
                "interval-phq9 d26 14:00 completed by 131",         // 14 days after the PHQ-9 of day 12
                "interval-cssrs d39 14:00 upcoming",
                "interval-phq9 d41 11:00 upcoming",                 // the day-27 PHQ-9 restarted the clock
            ],
            rows);
    }

    [Fact]
    public void Due_list_on_day_40_keeps_the_last_30_days_and_each_rules_next()
    {
        // The booster of day 39 restarted both interval clocks; d39 14:00 is no longer generated. The after-infusion
        // rule covers sessions 1–6 only, so the booster adds none and that rule has no next occurrence.
        var rows = Course().DueList(MeasurementPlan.Default, D(40, 12)).Select(Row);
        Assert.Equal(
            [
                "after-infusion-phq9 d10 13:00 overdue",            // window closed d11 13:00, within 30 days of d40 12:00
                "after-infusion-phq9 d12 14:00 completed by 114",
                "interval-cssrs d25 14:00 overdue",
                "interval-phq9 d26 14:00 completed by 131",
                "interval-cssrs d53 10:00 upcoming",
                "interval-phq9 d53 10:00 upcoming",
            ],
            rows);
    }

    [Theory]
    // instant → what the due list holds that is due now (status due), by rule and dueAt
    [InlineData(-2, 10, "enrolment-cssrs d-2 10:00|enrolment-gad7 d-2 10:00|enrolment-phq9 d-2 10:00")]
    [InlineData(-2, 15, "enrolment-cssrs d-2 10:00")]        // the PHQ-9 and GAD-7 of 15:00 are in; the C-SSRS comes at 15:04
    [InlineData(1, 13, "")]                                  // the first after-infusion PHQ-9 opens at 14:00
    [InlineData(1, 14, "")]                                  // and the PHQ-9 of 14:00 completes it at once
    [InlineData(5, 12, "after-infusion-phq9 d5 09:00")]
    [InlineData(6, 9, "after-infusion-phq9 d5 09:00")]       // windowEnd itself is still due
    [InlineData(6, 10, "")]                                  // an hour later it is overdue
    [InlineData(25, 14, "interval-cssrs d25 14:00")]
    [InlineData(28, 14, "interval-cssrs d25 14:00")]
    public void What_is_due_at_each_instant(int day, int hour, string expected)
    {
        var due = Course().DueList(MeasurementPlan.Default, D(day, hour))
            .Where(o => o.Status == OccurrenceStatus.Due).Select(o => $"{o.RuleId} {Days(o.DueAt)}");
        Assert.Equal(expected, string.Join('|', due));
    }

    [Theory]
    [InlineData(PlanInstrument.Phq9, 8, 6, 0.75)]   // enrolment, six after-infusion (two missed), interval d26
    [InlineData(PlanInstrument.Gad7, 1, 1, 1.0)]
    [InlineData(PlanInstrument.Cssrs, 2, 1, 0.5)]   // enrolment, interval d25 missed; d53 not yet due
    public void Adherence_on_day_40(PlanInstrument instrument, int due, int completed, double rate) =>
        Assert.Equal(new PlanAdherence(instrument, due, completed, rate), Course().Adherence(MeasurementPlan.Default, instrument, D(40, 12)));

    [Fact]
    public void Adherence_before_any_window_closes_has_no_rate()
    {
        // At registration every enrolment occurrence is open and nothing is completed: nothing counts as due yet.
        var adherence = Course().Adherence(MeasurementPlan.Default, PlanInstrument.Gad7, RegisteredAt);
        Assert.Equal(new PlanAdherence(PlanInstrument.Gad7, 0, 0, null), adherence);
    }
}
