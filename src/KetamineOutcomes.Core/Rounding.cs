namespace KetamineOutcomes.Core;

/// <summary>The SPEC's rounding rules, in exact decimal arithmetic so .x5 never drifts.</summary>
public static class Rounding
{
    /// <summary>"One decimal" rounds half away from zero.</summary>
    public static decimal OneDecimal(decimal value) => Math.Round(value, 1, MidpointRounding.AwayFromZero);

    /// <summary>round(numerator / denominator), half up, for non-negative integers.</summary>
    public static int HalfUp(int numerator, int denominator)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numerator);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(denominator);
        return (2 * numerator + denominator) / (2 * denominator);
    }
}
