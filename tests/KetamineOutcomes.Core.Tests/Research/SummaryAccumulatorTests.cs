using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Research;
using static KetamineOutcomes.Core.Tests.Research.ResearchFixtures;

namespace KetamineOutcomes.Core.Tests.Research;

public class SummaryAccumulatorTests
{
    [Fact]
    public void Worked_cohort_of_24_gives_counts_mean_baseline_rates_and_median_day_of_first_response()
    {
        var acc = new SummaryAccumulator(Instrument.Phq9);
        // 12 remitters: baseline 20, 10 after session 1 (day 1), 3 after session 6 (day 12).
        for (var i = 0; i < 12; i++) acc.Add(Patient(Course, (-1, 20), (1, 10), (12, 3)));
        // 12 non-responders: baseline 16, 14 then 13.
        for (var i = 0; i < 12; i++) acc.Add(Patient(Course, (-1, 16), (1, 14), (12, 13)));
        var s = acc.Finish(11);

        Assert.False(s.Suppressed);
        Assert.Equal(24, s.CohortN);
        Assert.Equal(24, s.EvaluableN);
        Assert.Equal(18.0, s.MeanBaseline);
        Assert.Equal(new OutcomeRates(0.5, 0.5, false), s.Latest);
        Assert.Equal(new OutcomeRates(0.5, 0.0, false), s.AfterSession1);
        Assert.Equal(new OutcomeRates(0.5, 0.5, false), s.AfterSession6);
        Assert.Equal(1.0, s.MedianDaysToFirstResponse); // all 12 responders first responded on day 1
    }

    [Fact]
    public void Cohort_under_k_is_suppressed_entirely()
    {
        var acc = new SummaryAccumulator(Instrument.Phq9);
        for (var i = 0; i < 10; i++) acc.Add(Patient(Course, (-1, 20), (1, 4)));
        Assert.Equal(new ResearchSummary(true, null, null, null, null, null, null, null), acc.Finish(11));
    }

    [Fact]
    public void Evaluable_count_is_hidden_when_the_non_evaluable_rest_is_small()
    {
        var acc = new SummaryAccumulator(Instrument.Phq9);
        for (var i = 0; i < 15; i++) acc.Add(Patient(Course, (-1, 20), (1, 12)));
        for (var i = 0; i < 3; i++) acc.Add(Patient(Course, (-1, 6), (1, 4))); // baseline below 10
        var s = acc.Finish(11);
        Assert.Equal(18, s.CohortN);
        Assert.Null(s.EvaluableN); // 18 − 15 = 3 could be derived
        Assert.Equal(20.0, s.MeanBaseline); // a mean over 15 reveals no count
    }

    [Fact]
    public void Median_needs_at_least_k_responders()
    {
        var acc = new SummaryAccumulator(Instrument.Phq9);
        for (var i = 0; i < 20; i++) acc.Add(Patient(Course, (-1, 20), (i < 4 ? 3 : 5, i < 4 ? 8 : 15)));
        Assert.Null(acc.Finish(11).MedianDaysToFirstResponse);
    }
}
