using KetamineOutcomes.Core.Research;

namespace KetamineOutcomes.Core.Tests.Research;

/// <summary>
/// Kaplan–Meier worked by hand (survival and Greenwood sums as fractions); the log-log limits are pinned to what
/// R 4.2 / survival 3.5.3 prints for the same data (<c>survfit(Surv(d, e) ~ 1, conf.type = "log-log")</c>).
/// </summary>
public class KaplanMeierTests
{
    private const double Tight = 1e-12;

    private static SurvivalTime[] Times(params (int Days, bool Event)[] times) => times.Select(t => new SurvivalTime(t.Days, t.Event)).ToArray();

    [Fact]
    public void Ties_of_events_and_censors_on_one_day_keep_the_censored_at_risk_that_day()
    {
        // Day 3: two events and one censor among 8 → at risk 8, S = 6/8; the censored leave after day 3.
        // Day 6: 5 at risk, one event → S = 0.75 × 4/5 = 0.6. Day 8: a censor only, no step.
        // Day 10: 3 at risk (one event, one censor) → S = 0.6 × 2/3 = 0.4. Day 14: censored.
        var estimate = KaplanMeier.Estimate(Times(
            (3, true), (3, true), (3, false), (6, true), (8, false), (10, true), (10, false), (14, false)));

        Assert.Equal(8, estimate.N);
        Assert.Equal([3, 6, 10], estimate.Steps.Select(s => s.Day));
        Assert.Equal([8, 5, 3], estimate.Steps.Select(s => s.AtRisk));
        Assert.Equal([2, 1, 1], estimate.Steps.Select(s => s.Events));
        AssertClose([0.75, 0.6, 0.4], estimate.Steps.Select(s => s.Survival));
        // Greenwood: Σ d / (n (n − d)) = 2/48; + 1/20 = 11/120; + 1/6 = 31/120.
        AssertClose([1.0 / 24, 11.0 / 120, 31.0 / 120], estimate.Steps.Select(s => s.GreenwoodVariance));
        AssertClose([0.314807113705519115, 0.195495866084997999, 0.066029774327536178], estimate.Steps.Select(s => s.Ci95Low!.Value));
        AssertClose([0.93089831709062754, 0.85225434576220904, 0.73422534499178249], estimate.Steps.Select(s => s.Ci95High!.Value));

        // S first ≤ 0.5 on day 10; the lower curve is below 0.5 from day 3; the upper never reaches it.
        Assert.Equal((10.0, 3.0, (double?)null), (estimate.Median, estimate.MedianCi95Low, estimate.MedianCi95High));
    }

    [Fact]
    public void Log_log_interval_of_a_single_step_is_worked_from_its_definition()
    {
        // S = 0.75, se(log S) = √(1/24): log S = −0.28768, log(−log S) = −1.24590, z·se/log S = −1.39068;
        // lower = exp(−exp(−1.24590 + 1.39068)) = exp(−1.15579) = 0.31481, upper = exp(−exp(−2.63658)) = 0.93090.
        var (low, high) = KaplanMeier.LogLogInterval(0.75, Math.Sqrt(1.0 / 24));
        Assert.Equal(0.31481, low!.Value, 5);
        Assert.Equal(0.93090, high!.Value, 5);
    }

    [Fact]
    public void Normal_quantile_is_R_qnorm_0_975() => Assert.Equal(1.959963984540054, KaplanMeier.Z975, 1e-15);

    [Fact]
    public void Median_where_the_curve_sits_at_one_half_is_the_midpoint_to_the_next_event_day()
    {
        // S = 3/4 on day 1, 1/2 on day 2 (flat until day 5), 1/4 on day 5.
        var estimate = KaplanMeier.Estimate(Times((1, true), (2, true), (5, true), (6, false)));
        Assert.Equal(3.5, estimate.Median);
        Assert.Equal(1.0, estimate.MedianCi95Low);
        Assert.Null(estimate.MedianCi95High);
    }

    [Fact]
    public void Median_where_the_curve_ends_flat_at_one_half_is_the_midpoint_to_the_last_day_followed()
    {
        // quantile(fit) gives (2 + 4) / 2 = 3; print(fit) would give 2 (its older rule): this follows quantile().
        var estimate = KaplanMeier.Estimate(Times((1, true), (2, true), (3, false), (4, false)));
        Assert.Equal(3.0, estimate.Median);
        Assert.Equal(1.0, estimate.MedianCi95Low);
    }

    [Fact]
    public void Median_interval_has_both_limits_when_both_curves_cross_one_half()
    {
        var days = Enumerable.Range(1, 12).Select(d => (d, true))
            .Concat([(4, false), (7, false), (9, true), (15, true), (15, false), (20, false)]).ToArray();
        var estimate = KaplanMeier.Estimate(Times(days));
        Assert.Equal((9.0, 5.0, 11.0), (estimate.Median!.Value, estimate.MedianCi95Low!.Value, estimate.MedianCi95High!.Value));
        var day9 = estimate.Steps.Single(s => s.Day == 9);
        Assert.Equal((8, 2), (day9.AtRisk, day9.Events));
        Assert.Equal(0.39886039886039881, day9.Survival, Tight);
        Assert.Equal(0.170261046548757539, day9.Ci95Low!.Value, Tight);
        Assert.Equal(0.62052551677335988, day9.Ci95High!.Value, Tight);
    }

    [Fact]
    public void Curve_reaching_zero_has_no_interval_there_and_an_infinite_variance()
    {
        var estimate = KaplanMeier.Estimate(Times((1, true), (2, true), (2, true)));
        var last = estimate.Steps[^1];
        Assert.Equal((2, 2, 0.0), (last.AtRisk, last.Events, last.Survival));
        Assert.Null(last.Ci95Low);
        Assert.Null(last.Ci95High);
        Assert.True(double.IsPositiveInfinity(last.GreenwoodVariance));
        Assert.Equal((2.0, 1.0, (double?)null), (estimate.Median, estimate.MedianCi95Low, estimate.MedianCi95High));
    }

    [Fact]
    public void Events_on_day_0_count_and_the_lower_median_limit_can_be_day_0()
    {
        var estimate = KaplanMeier.Estimate(Times((0, true), (0, false), (1, true), (4, true), (4, false)));
        Assert.Equal([0, 1, 4], estimate.Steps.Select(s => s.Day));
        AssertClose([0.8, 0.8 * 2 / 3, 0.8 * 2 / 3 / 2], estimate.Steps.Select(s => s.Survival));
        Assert.Equal((4.0, 0.0), (estimate.Median!.Value, estimate.MedianCi95Low!.Value));
    }

    [Fact]
    public void Only_censored_times_give_no_step_and_no_median()
    {
        var estimate = KaplanMeier.Estimate(Times((3, false), (9, false)));
        Assert.Equal(2, estimate.N);
        Assert.Empty(estimate.Steps);
        Assert.Null(estimate.Median);
        Assert.Null(estimate.MedianCi95Low);
    }

    [Fact]
    public void Order_of_the_input_does_not_change_the_estimate()
    {
        var times = Times((5, true), (2, false), (9, true), (2, true), (5, false), (7, true), (1, true), (9, false));
        var a = KaplanMeier.Estimate(times);
        var b = KaplanMeier.Estimate(times.Reverse().ToArray());
        Assert.Equal(a.Steps, b.Steps);
        Assert.Equal((a.Median, a.MedianCi95Low, a.MedianCi95High), (b.Median, b.MedianCi95Low, b.MedianCi95High));
    }

    [Fact]
    public void Negative_days_are_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => KaplanMeier.Estimate(Times((-1, true))));

    private static void AssertClose(double[] expected, IEnumerable<double> actual)
    {
        var a = actual.ToArray();
        Assert.Equal(expected.Length, a.Length);
        for (var i = 0; i < a.Length; i++) Assert.Equal(expected[i], a[i], Tight);
    }
}
