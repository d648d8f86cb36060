using KetamineOutcomes.Core.Plans;
using static KetamineOutcomes.Core.Tests.Plans.PlanTimelines;

namespace KetamineOutcomes.Core.Tests.Plans;

/// <summary>
/// A plan change applies from then on (SPEC v2): each stored version governs the occurrences whose dueAt falls from
/// when it was stored until the next version; the default plan those before the first.
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
    public void Occurrences_due_before_a_change_keep_the_older_version_and_later_ones_follow_the_new()
    {
        // Infusion 3's 24 h occurrence would fall on day 5 09:00, after the change: the new version's 48 h rule governs
        // it (day 6 09:00, completed by the PHQ-9 at 10:00); infusions 1 and 2 keep their 24 h occurrences.
        Assert.Equal(
            ["after-24 d1 14:00 overdue", "after-24 d3 09:00 overdue", "after-48 d6 09:00 completed by 100", "after-48 d9 14:00 overdue"],
            Four.Occurrences(History, D(20)).Select(Row));
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
        // Version 1 stored on day 3 00:00: registration's enrolment occurrences and infusion 1's come from the default;
        // infusion 2's (day 3 09:00) from version 1.
        var history = PlanHistory.Stored([(After24, D(3))]);
        var rows = Four.Occurrences(history, D(8)).Select(Row).ToArray();
        Assert.Contains("enrolment-phq9 d-2 10:00 overdue", rows);
        Assert.Contains("after-infusion-phq9 d1 14:00 overdue", rows);
        Assert.DoesNotContain("after-24 d1 14:00 overdue", rows);
        Assert.DoesNotContain("after-infusion-phq9 d3 09:00 overdue", rows);
        Assert.Contains("after-24 d3 09:00 overdue", rows);
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
