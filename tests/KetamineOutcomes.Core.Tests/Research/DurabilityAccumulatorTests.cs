using System.Globalization;
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
        Assert.Equal(suppressed, result.MedianSuppressed is null); // whole estimate suppressed: no median, no reason either
        if (suppressed) Assert.Null(result.MedianDays);
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
        // S = 4/8 from day 4 to day 5: the median, the midpoint 4.5, needs day 5 (4 at risk), which is not published.
        Assert.Equal((null, true), (result.MedianDays, result.MedianSuppressed));
    }

    /// <summary>
    /// The median and each limit are published only on or before the curve's last day (worked with R's
    /// <c>survfit(conf.type = "log-log")</c> and <c>quantile(fit, 0.5)</c>; unsuppressed figures in the comments).
    /// Times: "5" a loss on day 5, "7+" censored on day 7.
    /// </summary>
    [Theory]
    // k = 5: curve day 5 only (day 10 has 3 at risk); R: median 10, limits 5 and NA → median withheld, lower limit 5 kept.
    [InlineData(5, "5 7+ 10 10 14+", new[] { 5 }, null, 5.0, null, true)]
    // k = 5: every event day has fewer than 5 at risk, curve empty; R: median 4 → withheld.
    [InlineData(5, "1+ 2+ 3 4 5", new int[0], null, null, null, true)]
    // k = 5: losses on days 1–10, curve days 1–6; R: median 5.5, limits 1 and 8 → 8 withheld.
    [InlineData(5, "1 2 3 4 5 6 7 8 9 10", new[] { 1, 2, 3, 4, 5, 6 }, 5.5, 1.0, null, true)]
    // k = 3: the same losses, curve days 1–8: everything on the curve, nothing withheld.
    [InlineData(3, "1 2 3 4 5 6 7 8 9 10", new[] { 1, 2, 3, 4, 5, 6, 7, 8 }, 5.5, 1.0, 8.0, false)]
    public void The_median_and_each_limit_are_published_only_on_or_before_the_last_published_curve_day(
        int k, string times, int[] curveDays, double? median, double? low, double? high, bool withheld)
    {
        var patients = times.Split(' ').Select(t => t.EndsWith('+') ? Responder(int.Parse(t[..^1], CultureInfo.InvariantCulture), lost: false)
            : Responder(int.Parse(t, CultureInfo.InvariantCulture), lost: true)).ToArray();
        var result = With(patients).Finish(k);
        Assert.Equal(curveDays, result.Curve!.Select(s => s.Day));
        Assert.Equal((median, low, high, withheld), (result.MedianDays, result.MedianCi95Low, result.MedianCi95High, result.MedianSuppressed));

        var summary = new SummaryAccumulator(Instrument.Phq9);
        foreach (var p in patients) summary.Add(p);
        Assert.Equal(median, summary.Finish(k).MedianResponseDurationDays); // the summary reads the same rule
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
    [InlineData(K, null)]      // losses on days 1 … 5: the median 3 (S = 2/5 after day 3) is after the curve's only day, 1
    [InlineData(2 * K, 5.5)]   // losses on days 1 … 10: S = 5/10 from day 5 to 6, both on the curve (10 … 5 at risk)
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
