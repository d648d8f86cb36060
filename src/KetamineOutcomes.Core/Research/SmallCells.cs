namespace KetamineOutcomes.Core.Research;

/// <summary>
/// CMS cell-size suppression: no count from 1 to k−1 is published, nor any figure from which one can be derived.
/// Zero may be shown.
/// </summary>
public static class SmallCells
{
    /// <summary>Smallest k configuration may set (SPEC: below 5 the service refuses to start).</summary>
    public const int MinimumK = 5;

    /// <summary>True when a count may be published: 0 or at least k.</summary>
    public static bool Publishable(int count, int k) => count == 0 || count >= k;

    /// <summary>
    /// A rate num/den, published only when the numerator and its complement (den − num) are each publishable;
    /// otherwise null with <c>Suppressed</c>. No denominator: null, not suppressed.
    /// </summary>
    public static (double? Rate, bool Suppressed) Rate(int numerator, int denominator, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numerator);
        ArgumentOutOfRangeException.ThrowIfLessThan(denominator, numerator);
        if (denominator == 0) return (null, false);
        return Publishable(numerator, k) && Publishable(denominator - numerator, k)
            ? (Math.Round((double)numerator / denominator, 4), false)
            : (null, true);
    }
}
