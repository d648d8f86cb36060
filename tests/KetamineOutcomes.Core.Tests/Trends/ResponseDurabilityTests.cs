using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Core.Trends;
using static KetamineOutcomes.Core.Tests.Timepoints.InfusionTimelineTests;

namespace KetamineOutcomes.Core.Tests.Trends;

/// <summary>lossOfResponse, responseDurationDays and the episodes behind them (SPEC "Response durability").</summary>
public class ResponseDurabilityTests
{
    // Infusions on days 0, 2, 4, 6, 8, 10 at T0's time of day.
    private static readonly InfusionTimeline SixInfusions = new(
        Enumerable.Range(1, 6).Select(n => new InfusionMoment(Id(n), T0.AddDays(2 * (n - 1)))));

    private static int _next = 500;

    private static ScoredAssessment At(double days, int total) =>
        new(Id(Interlocked.Increment(ref _next)), T0.AddDays(days), total, InstrumentDefinition.Phq9.SeverityOf(total), false);

    private static Trend Compute(params ScoredAssessment[] assessments) => Compute(SixInfusions, assessments);

    private static Trend Compute(InfusionTimeline timeline, params ScoredAssessment[] assessments) =>
        TrendCalculator.Compute(Instrument.Phq9, timeline, assessments);

    [Theory]
    // baseline, later total → is it a loss of response? (loss = total > 0.5 × baseline, the response rule's complement)
    [InlineData(20, 10, false)]
    [InlineData(20, 11, true)]
    [InlineData(11, 5, false)]  // 5 ≤ 5.5
    [InlineData(11, 6, true)]
    [InlineData(10, 5, false)]
    [InlineData(10, 6, true)]
    public void Loss_of_response_is_a_total_above_half_of_baseline_after_a_response(int baseline, int later, bool loss)
    {
        var laterPoint = At(20, later);
        var trend = Compute(At(-1, baseline), At(3, baseline / 2), laterPoint);
        Assert.Equal(loss ? laterPoint.QuestionnaireId : null, trend.LossOfResponse?.QuestionnaireId);
        Assert.Equal(17, trend.ResponseDurationDays); // to the loss, or to the latest assessment while responding: both day 20
    }

    [Fact]
    public void Response_then_a_score_above_half_of_baseline_is_a_loss_with_its_timepoint()
    {
        var response = At(3.5, 10);                  // 10 ≤ 50 % of 20
        var loss = At(20.25, 11);                     // day 20, 06:00 after T0's time: 10 days 6 h after infusion 6
        var trend = Compute(At(-1, 20), response, At(9, 8), loss, At(25, 14));

        Assert.Equal(new Setback(loss.QuestionnaireId, loss.CompletedAt, 11, 6, 20, 10), trend.LossOfResponse);
        Assert.Equal(16, trend.ResponseDurationDays); // 16.75 days, floored
        Assert.Equal(response.QuestionnaireId, trend.FirstResponse!.QuestionnaireId);
        Assert.False(trend.Relapse);                  // no remission: a loss of response is not a relapse
    }

    [Fact]
    public void Response_that_holds_has_no_loss_and_lasts_to_the_latest_assessment()
    {
        var trend = Compute(At(-1, 18), At(3, 9), At(9, 7), At(30.9, 9));
        Assert.Null(trend.LossOfResponse);
        Assert.Equal(27, trend.ResponseDurationDays);
        var episode = Assert.Single(trend.ResponseEpisodes);
        Assert.Null(episode.Loss);
    }

    [Fact]
    public void Response_at_the_latest_assessment_lasts_zero_days()
    {
        var trend = Compute(At(-1, 18), At(3, 12), At(9, 9));
        Assert.Null(trend.LossOfResponse);
        Assert.Equal(0, trend.ResponseDurationDays);
    }

    [Fact]
    public void Remission_then_relapse_loses_the_response_and_a_second_course_is_a_second_episode()
    {
        var remission = At(3, 4);
        var relapse = At(20, 12);
        var again = At(30, 3);
        var secondLoss = At(44, 15);
        var trend = Compute(At(-1, 20), remission, At(9, 8), relapse, again, secondLoss);

        // 8 after remission is still a response and not a relapse (< 10); 12 is both a loss and a relapse.
        Assert.True(trend.Relapse);
        Assert.Equal(new Setback(relapse.QuestionnaireId, relapse.CompletedAt, 12, 6, 20, 10), trend.LossOfResponse);
        Assert.Equal(17, trend.ResponseDurationDays);

        Assert.Equal([remission.QuestionnaireId, again.QuestionnaireId], trend.ResponseEpisodes.Select(e => e.Response.QuestionnaireId));
        Assert.Equal([relapse.QuestionnaireId, secondLoss.QuestionnaireId], trend.ResponseEpisodes.Select(e => e.Loss!.QuestionnaireId));
        Assert.Equal([17, 14], trend.ResponseEpisodes.Select(e => e.DurationDays));
        Assert.Equal([remission.QuestionnaireId, again.QuestionnaireId], trend.RemissionEpisodes.Select(e => e.Remission.QuestionnaireId));
        Assert.Equal([relapse.QuestionnaireId, secondLoss.QuestionnaireId], trend.RemissionEpisodes.Select(e => e.Relapse!.QuestionnaireId));
    }

    [Fact]
    public void Loss_of_response_after_remission_below_10_is_not_a_relapse()
    {
        // Baseline 14: 8 is above 7 (a loss) but below 10 (no relapse); the remission episode stays open.
        var trend = Compute(At(-1, 14), At(3, 3), At(12, 8));
        Assert.NotNull(trend.LossOfResponse);
        Assert.False(trend.Relapse);
        Assert.Null(Assert.Single(trend.RemissionEpisodes).Relapse);
    }

    [Fact]
    public void Scores_between_episodes_that_stay_above_half_of_baseline_open_no_episode()
    {
        var trend = Compute(At(-1, 20), At(3, 8), At(9, 13), At(12, 15), At(16, 9), At(20, 9));
        Assert.Equal(2, trend.ResponseEpisodes.Count);
        Assert.Equal([6, 4], trend.ResponseEpisodes.Select(e => e.DurationDays));
        Assert.Null(trend.ResponseEpisodes[1].Loss); // the second response holds to day 20
        Assert.Equal(9, trend.LossOfResponse!.DaysSinceFirstInfusion);
    }

    [Theory]
    [InlineData(9, NotEvaluableReason.BaselineBelowThreshold)]   // below the threshold, then a "response"
    [InlineData(-1, NotEvaluableReason.NoBaseline)]              // no baseline at all
    public void Not_evaluable_course_has_no_loss_no_duration_and_no_episodes(int baseline, NotEvaluableReason reason)
    {
        var trend = baseline < 0 ? Compute(At(3, 2), At(9, 12)) : Compute(At(-1, baseline), At(3, 2), At(9, 12));
        Assert.Equal(reason, trend.StatusReason);
        Assert.Null(trend.LossOfResponse);
        Assert.Null(trend.ResponseDurationDays);
        Assert.Empty(trend.ResponseEpisodes);
        Assert.Empty(trend.RemissionEpisodes);
    }

    [Fact]
    public void Evaluable_course_without_a_response_has_no_loss_and_no_duration()
    {
        var trend = Compute(At(-1, 20), At(3, 15), At(9, 12));
        Assert.Null(trend.LossOfResponse);
        Assert.Null(trend.ResponseDurationDays);
    }

    [Fact]
    public void Back_dated_infusion_changes_days_since_last_infusion_at_the_loss()
    {
        var loss = At(20, 14);
        var assessments = new[] { At(-1, 20), At(3, 10), loss };
        Assert.Equal(10, Compute(assessments).LossOfResponse!.DaysSinceLastInfusion); // infusion 6 on day 10

        // A booster on day 17 is recorded late: the loss now falls 3 days after session 7.
        var withBooster = new InfusionTimeline([.. SixInfusions.Ordered, new InfusionMoment(Id(77), T0.AddDays(17))]);
        Assert.Equal(new Setback(loss.QuestionnaireId, loss.CompletedAt, 14, 7, 20, 3), Compute(withBooster, assessments).LossOfResponse);
    }

    /// <summary>
    /// Two assessments at one instant (8 and 14 at day 4, 09:00Z, baseline 20) follow their questionnaire ids, which the
    /// service mints as UUIDv7 (time-ordered): the one stored first counts first. 8 then 14: a response lost the same
    /// day (duration 0, the 14 on the watch); 14 then 8: a response that holds.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Assessments_at_the_same_instant_are_ordered_by_id_so_the_one_stored_first_counts_first(bool eightFirst)
    {
        Guid first = new("0192f0c4-5b1e-7000-8000-000000000001"), second = new("0192f0c4-5b1e-7000-8000-000000000002");
        var eight = new ScoredAssessment(eightFirst ? first : second, T0.AddDays(4), 8, Severity.Mild, false);
        var fourteen = new ScoredAssessment(eightFirst ? second : first, T0.AddDays(4), 14, Severity.Moderate, false);
        foreach (var given in new[] { new[] { eight, fourteen }, [fourteen, eight] }) // the order they arrive in does not matter
        {
            var trend = Compute([At(-1, 20), .. given]);
            Assert.Equal(eight.QuestionnaireId, trend.FirstResponse!.QuestionnaireId);
            Assert.Equal(eightFirst ? fourteen.QuestionnaireId : null, trend.LossOfResponse?.QuestionnaireId);
            Assert.Equal(0, trend.ResponseDurationDays);
            Assert.Equal(eightFirst ? 14 : 8, trend.Latest!.TotalScore);
            Assert.Equal(eightFirst ? WatchKind.LossOfResponse : null, ResponseWatch.Of(trend)?.Kind);
        }
    }
}
