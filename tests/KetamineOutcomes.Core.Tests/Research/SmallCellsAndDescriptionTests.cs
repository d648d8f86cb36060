using KetamineOutcomes.Core.Research;

namespace KetamineOutcomes.Core.Tests.Research;

public class SmallCellsAndDescriptionTests
{
    [Theory]
    [InlineData(0, true)]
    [InlineData(1, false)]
    [InlineData(10, false)]
    [InlineData(11, true)]
    [InlineData(500, true)]
    public void Counts_from_1_to_k_minus_1_are_not_publishable(int count, bool publishable) =>
        Assert.Equal(publishable, SmallCells.Publishable(count, 11));

    [Theory]
    // numerator, denominator → rate (null when suppressed or no denominator), suppressed
    [InlineData(0, 30, 0.0, false)]        // zero may be shown
    [InlineData(30, 30, 1.0, false)]       // complement zero may be shown
    [InlineData(11, 22, 0.5, false)]
    [InlineData(12, 25, 0.48, false)]
    [InlineData(5, 30, null, true)]        // numerator 5 < 11
    [InlineData(25, 30, null, true)]       // complement 5 < 11 (else 30 − 25 = 5 could be derived)
    [InlineData(1, 11, null, true)]
    [InlineData(0, 0, null, false)]        // nothing to rate
    public void Rate_is_published_only_when_numerator_and_complement_are_0_or_at_least_k(int num, int den, double? rate, bool suppressed)
    {
        var (r, s) = SmallCells.Rate(num, den, 11);
        Assert.Equal(rate, r);
        Assert.Equal(suppressed, s);
    }

    [Fact]
    public void Description_uses_the_sample_sd_and_the_t_quantile()
    {
        // mean 14; sample SD √10 = 3.162; t(0.975, 4) = 2.776 → half-width 3.926
        var d = Description.Of([10, 12, 14, 16, 18]);
        Assert.Equal(new Description(5, 14.0, 3.16, 10.07, 17.93), d);
    }

    [Fact]
    public void Description_of_equal_values_has_zero_width()
    {
        var d = Description.Of(Enumerable.Repeat(7, 11).ToArray());
        Assert.Equal((7.0, 0.0, 7.0, 7.0), (d.Mean, d.Sd, d.Ci95Low, d.Ci95High));
    }

    [Fact]
    public void Description_for_large_n_approaches_the_normal_quantile()
    {
        // n = 1001 alternating 0/2: mean 1, SD ≈ 1.0005, t ≈ 1.9623 → half-width ≈ 0.062
        var d = Description.Of(Enumerable.Range(0, 1001).Select(i => i % 2 == 0 ? 0 : 2).ToArray());
        Assert.Equal(1.0, d.Mean, 2);
        Assert.Equal(0.94, d.Ci95Low, 2);
        Assert.Equal(1.06, d.Ci95High, 2);
    }
}
