using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Core.Trends;
using static KetamineOutcomes.Core.Tests.Timepoints.InfusionTimelineTests;

namespace KetamineOutcomes.Core.Tests.Trends;

public class TrendCalculatorTests
{
    private static readonly InfusionTimeline SixInfusions = new(
        Enumerable.Range(1, 6).Select(n => new InfusionMoment(Id(n), T0.AddDays(2 * (n - 1)))));

    private static int _next = 100;

    private static ScoredAssessment At(TimeSpan offset, int total, Instrument instrument = Instrument.Phq9) =>
        new(Id(Interlocked.Increment(ref _next)), T0 + offset, total, InstrumentDefinition.For(instrument).SeverityOf(total), false);

    private static Trend Compute(params ScoredAssessment[] assessments) =>
        TrendCalculator.Compute(Instrument.Phq9, SixInfusions, assessments);

    [Theory]
    // seconds relative to the first infusion → is it the baseline?
    [InlineData(-30 * 86400, true)]      // exactly 30 days before: inclusive
    [InlineData(-30 * 86400 - 1, false)] // 1 s earlier: outside the window
    [InlineData(-86400, true)]
    [InlineData(0, true)]                // exactly at the first infusion: inclusive
    [InlineData(1, false)]               // 1 s after: a follow-up, not a baseline
    public void Baseline_window_is_30_days_up_to_and_including_the_first_infusion(int seconds, bool isBaseline)
    {
        var a = At(TimeSpan.FromSeconds(seconds), 18);
        var trend = Compute(a);
        Assert.Equal(isBaseline, trend.Baseline?.QuestionnaireId == a.QuestionnaireId);
        Assert.Equal(isBaseline, trend.Points.Single().IsBaseline);
    }

    [Fact]
    public void Baseline_is_the_latest_assessment_in_the_window()
    {
        var early = At(TimeSpan.FromDays(-10), 22);
        var late = At(TimeSpan.FromDays(-1), 17);
        var trend = Compute(late, early);
        Assert.Equal(late.QuestionnaireId, trend.Baseline!.QuestionnaireId);
        Assert.Equal(17, trend.Baseline.TotalScore);
        Assert.Equal([false, true], trend.Points.Select(p => p.IsBaseline));
    }

    [Theory]
    [InlineData(9, false, NotEvaluableReason.BaselineBelowThreshold)]
    [InlineData(10, true, null)]
    public void Baseline_of_10_is_evaluable_and_9_is_not(int baseline, bool evaluable, NotEvaluableReason? reason)
    {
        var trend = Compute(At(TimeSpan.FromDays(-1), baseline), At(TimeSpan.FromDays(3), 4));
        Assert.Equal(evaluable, trend.Evaluable);
        Assert.Equal(reason, trend.StatusReason);
        Assert.Equal(evaluable ? TrendStatus.Remission : TrendStatus.NotEvaluable, trend.Status);
        var followUp = trend.Points[1];
        Assert.Equal(4 - baseline, followUp.ChangeFromBaseline); // change is shown even when not evaluable
        Assert.Equal(evaluable, followUp.Flags is not null);      // flags only when evaluable
        Assert.Equal(evaluable, trend.FirstRemission is not null);
    }

    [Fact]
    public void Status_reason_precedence_is_no_baseline_then_below_threshold_then_no_follow_up()
    {
        Assert.Equal(NotEvaluableReason.NoBaseline, Compute().StatusReason);
        Assert.Equal(NotEvaluableReason.NoBaseline, Compute(At(TimeSpan.FromDays(-31), 20), At(TimeSpan.FromDays(1), 5)).StatusReason);
        Assert.Equal(NotEvaluableReason.BaselineBelowThreshold, Compute(At(TimeSpan.FromDays(-1), 5)).StatusReason);
        Assert.Equal(NotEvaluableReason.NoFollowUp, Compute(At(TimeSpan.FromDays(-1), 15)).StatusReason);
        Assert.Null(Compute(At(TimeSpan.FromDays(-1), 15), At(TimeSpan.FromDays(1), 15)).StatusReason);
    }

    [Fact]
    public void Patient_without_infusions_has_no_baseline_and_session_0_points()
    {
        var trend = TrendCalculator.Compute(Instrument.Phq9, InfusionTimeline.Empty, [At(TimeSpan.Zero, 20)]);
        Assert.Null(trend.Baseline);
        Assert.Equal(TrendStatus.NotEvaluable, trend.Status);
        Assert.Equal(NotEvaluableReason.NoBaseline, trend.StatusReason);
        var p = Assert.Single(trend.Points);
        Assert.Equal(new Timepoint(0, null, null, null), p.Timepoint);
        Assert.Null(p.ChangeFromBaseline);
        Assert.Equal(20, trend.Latest!.TotalScore);
    }

    [Fact]
    public void Worked_course_baseline_20_then_14_10_4_12_gives_partial_response_status_with_relapse()
    {
        var baseline = At(TimeSpan.FromDays(-2), 20);
        var s2 = At(TimeSpan.FromDays(2) + TimeSpan.FromHours(24), 14);  // after infusion 2
        var s4 = At(TimeSpan.FromDays(6) + TimeSpan.FromHours(24), 10);  // after infusion 4
        var s6 = At(TimeSpan.FromDays(10) + TimeSpan.FromHours(24), 4);  // after infusion 6
        var later = At(TimeSpan.FromDays(40), 12);
        var trend = Compute(later, s6, s4, s2, baseline);

        Assert.Equal([20, 14, 10, 4, 12], trend.Points.Select(p => p.Assessment.TotalScore));
        Assert.Equal([null, -6, -10, -16, -8], trend.Points.Select(p => p.ChangeFromBaseline));
        Assert.Equal([null, -30.0m, -50.0m, -80.0m, -40.0m], trend.Points.Select(p => p.PercentChange));
        Assert.Equal([0, 2, 4, 6, 6], trend.Points.Select(p => p.Timepoint.SessionNumber));
        Assert.Equal([-2, 3, 7, 11, 40], trend.Points.Select(p => p.Timepoint.DaysSinceFirstInfusion));
        Assert.Equal([null, 24.0m, 24.0m, 24.0m, 720.0m], trend.Points.Select(p => p.Timepoint.HoursSinceLastInfusion));

        var f = trend.Points.Select(p => p.Flags).ToArray();
        Assert.Null(f[0]);
        Assert.Equal(new OutcomeFlags(false, false, true, true, true), f[1]);  // 30 %: partial, ≥5, ≥6
        Assert.Equal(new OutcomeFlags(true, false, false, true, true), f[2]);  // 50 %: response
        Assert.Equal(new OutcomeFlags(true, true, false, true, true), f[3]);   // 4 < 5: remission
        Assert.Equal(new OutcomeFlags(false, false, true, true, true), f[4]);  // 40 %: partial

        Assert.Equal(TrendStatus.PartialResponse, trend.Status);
        Assert.Equal(new Milestone(s4.QuestionnaireId, s4.CompletedAt, 10, 4, 7), trend.FirstResponse);
        Assert.Equal(new Milestone(s6.QuestionnaireId, s6.CompletedAt, 4, 6, 11), trend.FirstRemission);
        Assert.True(trend.Relapse);
        Assert.Equal(new ScoreRef(later.QuestionnaireId, later.CompletedAt, 12), trend.Latest);
    }

    [Theory]
    // later score after remission → relapse?
    [InlineData(9, false)]
    [InlineData(10, true)]
    public void Relapse_is_a_score_of_10_or_more_after_first_remission(int later, bool relapse)
    {
        var trend = Compute(At(TimeSpan.FromDays(-1), 20), At(TimeSpan.FromDays(5), 3), At(TimeSpan.FromDays(20), later));
        Assert.Equal(relapse, trend.Relapse);
    }

    [Fact]
    public void Score_of_10_or_more_before_any_remission_is_not_a_relapse()
    {
        var trend = Compute(At(TimeSpan.FromDays(-1), 20), At(TimeSpan.FromDays(5), 15), At(TimeSpan.FromDays(9), 3));
        Assert.False(trend.Relapse);
        Assert.Equal(TrendStatus.Remission, trend.Status);
    }

    [Theory]
    // baseline, total → response, remission, partial, clinically significant, reliable (PHQ-9)
    [InlineData(20, 10, true, false, false, true, true)]
    [InlineData(20, 11, false, false, true, true, true)]
    [InlineData(20, 15, false, false, true, true, false)]  // exactly 25 %: partial; 5 points: MCID, not reliable
    [InlineData(20, 16, false, false, false, false, false)]
    [InlineData(10, 5, true, false, false, true, false)]
    [InlineData(10, 4, true, true, false, true, true)]
    [InlineData(11, 5, true, false, false, true, true)]    // 5 ≤ 5.5
    [InlineData(11, 6, false, false, true, true, false)]   // 45 %
    [InlineData(12, 9, false, false, true, false, false)]  // exactly 25 % of 12
    [InlineData(27, 0, true, true, false, true, true)]
    [InlineData(15, 18, false, false, false, false, false)] // worse
    public void Phq9_outcome_flags_at_their_boundaries(int baseline, int total, bool response, bool remission, bool partial, bool csi, bool reliable) =>
        Assert.Equal(new OutcomeFlags(response, remission, partial, csi, reliable),
            TrendCalculator.FlagsFor(InstrumentDefinition.Phq9, baseline, total));

    [Theory]
    [InlineData(14, 10, true)]  // GAD-7 reliable improvement at 4 points
    [InlineData(14, 11, false)]
    public void Gad7_reliable_improvement_is_4_points(int baseline, int total, bool reliable) =>
        Assert.Equal(reliable, TrendCalculator.FlagsFor(InstrumentDefinition.Gad7, baseline, total).ReliableImprovement);

    [Theory]
    [InlineData(15, 13, "-13.3")]
    [InlineData(16, 15, "-6.3")]   // −6.25 rounds away from zero
    [InlineData(16, 17, "6.3")]    // +6.25 likewise
    [InlineData(12, 11, "-8.3")]
    [InlineData(10, 10, "0.0")]
    public void Percent_change_has_one_decimal_rounded_half_away_from_zero(int baseline, int total, string expected)
    {
        var trend = Compute(At(TimeSpan.FromDays(-1), baseline), At(TimeSpan.FromDays(1), total));
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), trend.Points[1].PercentChange);
    }

    [Fact]
    public void Baseline_of_0_has_a_change_but_no_percent_change()
    {
        var trend = Compute(At(TimeSpan.FromDays(-1), 0), At(TimeSpan.FromDays(1), 3));
        Assert.Equal(3, trend.Points[1].ChangeFromBaseline);
        Assert.Null(trend.Points[1].PercentChange);
    }

    [Theory]
    [InlineData(3, TrendStatus.Remission)]
    [InlineData(9, TrendStatus.Response)]
    [InlineData(12, TrendStatus.PartialResponse)]
    [InlineData(14, TrendStatus.NonResponse)]
    public void Status_comes_from_the_latest_post_baseline_assessment(int latest, TrendStatus expected)
    {
        var trend = Compute(At(TimeSpan.FromDays(-1), 18), At(TimeSpan.FromDays(3), 2), At(TimeSpan.FromDays(9), latest));
        Assert.Equal(expected, trend.Status);
    }

    [Fact]
    public void Back_dated_first_infusion_moves_the_baseline_window_and_re_keys_points()
    {
        var pre = At(TimeSpan.FromDays(-5), 19);
        var mid = At(TimeSpan.FromDays(1), 16);
        var before = Compute(pre, mid);
        Assert.Equal(pre.QuestionnaireId, before.Baseline!.QuestionnaireId);
        Assert.Equal(1, before.Points[1].Timepoint.SessionNumber);

        // An infusion administered 40 days earlier is recorded late: the window now ends 40 days earlier.
        var backDated = new InfusionTimeline([.. SixInfusions.Ordered, new InfusionMoment(Id(77), T0.AddDays(-40))]);
        var after = TrendCalculator.Compute(Instrument.Phq9, backDated, [pre, mid]);
        Assert.Null(after.Baseline);
        Assert.Equal(NotEvaluableReason.NoBaseline, after.StatusReason);
        Assert.Equal([1, 2], after.Points.Select(p => p.Timepoint.SessionNumber));
        Assert.Equal([35, 41], after.Points.Select(p => p.Timepoint.DaysSinceFirstInfusion));
    }
}
