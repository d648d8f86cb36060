using MathNet.Numerics.Distributions;

namespace KetamineOutcomes.Core.Research;

/// <summary>One patient's time to event in whole days; <paramref name="Event"/> false means censored at that day.</summary>
public readonly record struct SurvivalTime(int Days, bool Event);

/// <summary>The estimate at one day on which at least one event happened.</summary>
/// <param name="AtRisk">Patients whose time is ≥ this day (censored on the day are still at risk, as in R).</param>
/// <param name="Events">Events on the day: for tests and checks, never published (SPEC small cells).</param>
/// <param name="GreenwoodVariance">Σ d/(n(n−d)) up to this day: Greenwood's variance of log S; +∞ once S is 0.</param>
/// <param name="Ci95Low">Log-log interval; null where S is 0 (R gives NA).</param>
public sealed record SurvivalStep(int Day, int AtRisk, int Events, double Survival, double GreenwoodVariance, double? Ci95Low, double? Ci95High);

/// <summary>A Kaplan–Meier curve with its median; the median and its limits are null where the curves never reach 0.5.</summary>
public sealed record SurvivalEstimate(int N, IReadOnlyList<SurvivalStep> Steps, double? Median, double? MedianCi95Low, double? MedianCi95High);

/// <summary>
/// Kaplan–Meier with Greenwood variance and the log-log 95 % interval, defined as R's
/// <c>survival::survfit(Surv(days, event) ~ 1, conf.type = "log-log")</c> (SPEC "Response durability"); the median
/// and its interval as <c>quantile(fit, 0.5)</c>. A test runs R on the same cohort and compares.
/// </summary>
public static class KaplanMeier
{
    /// <summary>The normal 0.975 quantile (R's <c>qnorm(0.975)</c> = 1.959963984540054).</summary>
    public static readonly double Z975 = Normal.InvCDF(0, 1, 0.975);

    /// <summary>R's <c>sqrt(.Machine$double.eps)</c>: the tolerance <c>quantile.survfit</c> compares levels with.</summary>
    private static readonly double Tolerance = Math.Sqrt(Math.Pow(2, -52));

    /// <summary>The estimate over every patient's time; days must be ≥ 0.</summary>
    public static SurvivalEstimate Estimate(IReadOnlyCollection<SurvivalTime> times)
    {
        var ordered = times.OrderBy(t => t.Days).ToArray();
        if (ordered.Length > 0) ArgumentOutOfRangeException.ThrowIfNegative(ordered[0].Days, nameof(times));
        var steps = new List<SurvivalStep>();
        double survival = 1, greenwood = 0;
        var atRisk = ordered.Length;
        for (var i = 0; i < ordered.Length;)
        {
            var day = ordered[i].Days;
            int events = 0, leaving = 0;
            for (; i < ordered.Length && ordered[i].Days == day; i++, leaving++)
            {
                if (ordered[i].Event) events++;
            }
            if (events > 0)
            {
                survival *= (double)(atRisk - events) / atRisk;
                greenwood = atRisk == events ? double.PositiveInfinity : greenwood + (double)events / ((double)atRisk * (atRisk - events));
                var (low, high) = LogLogInterval(survival, Math.Sqrt(greenwood));
                steps.Add(new SurvivalStep(day, atRisk, events, survival, greenwood, low, high));
            }
            atRisk -= leaving;
        }

        var x = steps.Select(s => (double)s.Day).ToArray();
        var last = ordered.Length == 0 ? 0 : ordered[^1].Days;
        return new SurvivalEstimate(ordered.Length, steps,
            Median(x, steps.Select(s => (double?)s.Survival), last),
            Median(x, steps.Select(s => s.Ci95Low), last),
            Median(x, steps.Select(s => s.Ci95High), last));
    }

    /// <summary>
    /// exp(−exp(log(−log S) ∓ z·se / log S)) with se the Greenwood standard error of log S, as survival 3.5's
    /// <c>survfit_confint</c>: null (R's NA) at S = 0 and S = 1, which an event day never has unless S reaches 0.
    /// </summary>
    public static (double? Low, double? High) LogLogInterval(double survival, double stdErrLog)
    {
        if (survival is 0 or 1) return (null, null);
        var log = Math.Log(survival);
        var centre = Math.Log(-log);
        var shift = Z975 * stdErrLog / log; // negative: log S < 0
        return (Math.Exp(-Math.Exp(centre - shift)), Math.Exp(-Math.Exp(centre + shift)));
    }

    /// <summary>
    /// R's <c>findq</c> at p = 0.5 on the curve's distribution 1 − S, starting at (0, 0): the first day at which
    /// 1 − S ≥ 0.5; where S sits at 0.5 (within the tolerance) over an interval, the midpoint of that interval's first
    /// day and the next event day, or of the last day of follow-up when the curve ends flat at 0.5 (<c>print(fit)</c>
    /// gives that interval's first day instead; this follows <c>quantile()</c>). Null levels are R's NA.
    /// </summary>
    private static double? Median(double[] eventDays, IEnumerable<double?> levels, double lastDay)
    {
        const double p = 0.5;
        var x = new List<double> { 0 };
        var y = new List<double?> { 0 };
        var seen = new HashSet<double?> { 0 };
        foreach (var (day, level) in eventDays.Zip(levels))
        {
            var cdf = 1 - level;
            if (!seen.Add(cdf)) continue; // R drops repeated levels, keeping the first
            x.Add(day);
            y.Add(cdf);
        }
        if (y.All(v => v is null) || y.Max(v => v ?? double.MinValue) < p) return null;

        var first = FirstAtOrAbove(y, Tolerance, p);
        var second = FirstAtOrAbove(y, -Tolerance, p);
        double? quantile = first is { } a && second is { } b ? (x[a] + x[b]) / 2 : null;
        if (y[^1] is { } end && Math.Abs(p - end) < Tolerance) quantile = first is { } f ? (x[f] + lastDay) / 2 : null;
        return quantile;
    }

    /// <summary>
    /// R's <c>approx(y + shift, 1:n, p, method = "constant", f = 1)</c>: the index of the smallest level (+ shift) at
    /// or above p among the non-NA levels; null when p lies outside their range.
    /// </summary>
    private static int? FirstAtOrAbove(List<double?> y, double shift, double p)
    {
        var points = y.Select((v, i) => (Key: v + shift, Index: i)).Where(t => t.Key is not null)
            .Select(t => (Key: t.Key!.Value, t.Index)).OrderBy(t => t.Key).ToArray();
        if (points.Length == 0 || p < points[0].Key || p > points[^1].Key) return null;
        return points.First(t => t.Key >= p).Index;
    }
}
