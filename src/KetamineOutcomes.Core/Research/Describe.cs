using MathNet.Numerics.Distributions;

namespace KetamineOutcomes.Core.Research;

/// <summary>n, mean, sample SD and the t-based 95 % interval of a set of totals.</summary>
public sealed record Description(int N, double Mean, double Sd, double Ci95Low, double Ci95High)
{
    /// <summary>mean ± t(0.975, n−1) × sd / √n, with the sample SD (n − 1); needs n ≥ 2. Figures rounded to 2 decimals.</summary>
    public static Description Of(IReadOnlyCollection<int> values)
    {
        var n = values.Count;
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 2, nameof(values));
        // Integer sums are exact, so the figures do not depend on the order the values came in (research reads run in
        // parallel partitions): var = (n·Σv² − (Σv)²) / (n(n − 1)).
        long sum = 0, squares = 0;
        foreach (var v in values) (sum, squares) = (sum + v, squares + (long)v * v);
        var mean = (double)sum / n;
        var sd = Math.Sqrt((double)(n * squares - sum * sum) / ((double)n * (n - 1)));
        var half = StudentT.InvCDF(0, 1, n - 1, 0.975) * sd / Math.Sqrt(n);
        return new Description(n, R(mean), R(sd), R(mean - half), R(mean + half));
    }

    private static double R(double v) => Math.Round(v, 2, MidpointRounding.AwayFromZero);
}
