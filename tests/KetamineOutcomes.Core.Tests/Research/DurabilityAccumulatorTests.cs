using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Research;
using static KetamineOutcomes.Core.Tests.Research.ResearchFixtures;

namespace KetamineOutcomes.Core.Tests.Research;

public class DurabilityAccumulatorTests
{
    private const int K = 5;

    // Baseline 20, a response (10) on day 3, then a loss (11) on day 3 + lossAfter, or a response held to day 3 + lossAfter.
    private static ResearchPatient Responder(int lossAfter, bool lost) =>
        Patient(Course, (-1, 20), (3, 10), (3 + lossAfter, lost ? 11 : 9));

    private static DurabilityAccumulator With(params ResearchPatient[] patients)
    {
        var acc = new DurabilityAccumulator(Instrument.Phq9);
        foreach (var p in patients) acc.Add(p);
        return acc;
    }

    [Fact]
    public void Each_responder_gives_days_to_loss_or_to_the_latest_assessment_and_others_give_nothing()
    {
        var acc = With(
            Responder(10, lost: true), Responder(20, lost: false),
            Patient(Course, (-1, 20), (3, 15)),          // evaluable, never responded
            Patient(Course, (-1, 8), (3, 2)));           // not evaluable
        Assert.Equal([new SurvivalTime(10, true), new SurvivalTime(20, false)], acc.Times);
    }

    [Theory]
    [InlineData(K - 1, true)]
    [InlineData(K, false)]
    [InlineData(K + 1, false)]
    public void Fewer_than_k_responders_suppress_the_whole_estimate(int responders, bool suppressed)
    {
        var result = With(Enumerable.Range(1, responders).Select(i => Responder(i, lost: true)).ToArray()).Finish(K);
        Assert.Equal(suppressed, result.Suppressed);
        Assert.Equal(suppressed ? null : responders, result.N);
        Assert.Equal(suppressed, result.Curve is null);
        Assert.Equal(suppressed, result.MedianDays is null);
    }

    [Fact]
    public void No_responder_is_an_empty_estimate_not_a_suppressed_one()
    {
        var result = With(Patient(Course, (-1, 20), (3, 15))).Finish(K);
        Assert.Equal((false, 0), (result.Suppressed, result.N));
        Assert.Empty(result.Curve!);
    }

    [Fact]
    public void Curve_stops_before_the_first_event_day_with_fewer_than_k_at_risk()
    {
        // Losses on days 1 … 8 of eight responders: 8, 7, 6, 5 at risk on days 1–4, then 4 on day 5.
        var result = With(Enumerable.Range(1, 8).Select(i => Responder(i, lost: true)).ToArray()).Finish(K);
        Assert.Equal([1, 2, 3, 4], result.Curve!.Select(s => s.Day));
        Assert.Equal([8, 7, 6, 5], result.Curve!.Select(s => s.AtRisk));
        Assert.Equal(4.5, result.MedianDays); // S = 4/8 from day 4 to day 5: the median is still given
    }

    [Fact]
    public void Merged_partitions_give_the_estimate_of_the_whole_cohort()
    {
        var patients = Enumerable.Range(1, 12).Select(i => Responder(i % 7, lost: i % 3 != 0)).ToArray();
        var whole = With(patients).Finish(K);
        var left = With(patients[..5]);
        left.Merge(With(patients[5..]));
        var merged = left.Finish(K);
        Assert.Equal(whole.Curve, merged.Curve);
        Assert.Equal((whole.N, whole.MedianDays, whole.MedianCi95Low), (merged.N, merged.MedianDays, merged.MedianCi95Low));
    }

    [Theory]
    [InlineData(K - 1, null)]
    [InlineData(K, 3.0)]       // losses on days 1 … 5: S = 2/5 after day 3
    public void Summary_median_response_duration_is_the_durability_median_and_needs_k_responders(int responders, double? median)
    {
        var summary = new SummaryAccumulator(Instrument.Phq9);
        for (var i = 1; i <= responders; i++) summary.Add(Responder(i, lost: true));
        for (var i = 0; i < K; i++) summary.Add(Patient(Course, (-1, 20), (3, 15))); // non-responders keep the summary published
        var s = summary.Finish(K);
        Assert.False(s.Suppressed);
        Assert.Equal(median, s.MedianResponseDurationDays);
    }
}
