using KetamineOutcomes.Core.Research;

namespace KetamineOutcomes.Core.Tests.Research;

public class AgeBandTests
{
    [Theory]
    [InlineData(1990, 2026, "35-39")] // 36
    [InlineData(1991, 2026, "35-39")] // 35
    [InlineData(1987, 2026, "35-39")] // 39
    [InlineData(1986, 2026, "40-44")] // 40
    [InlineData(2008, 2026, "15-19")]
    [InlineData(1937, 2026, "85-89")] // 89
    [InlineData(1936, 2026, "90+")]   // 90
    [InlineData(1900, 2026, "90+")]
    [InlineData(2026, 2026, "0-4")]
    [InlineData(2027, 2026, null)]
    [InlineData(null, 2026, null)]
    public void Age_falls_in_a_5_year_band_with_90_and_over_collapsed(int? born, int year, string? band) =>
        Assert.Equal(band, AgeBand.Of(born, year));
}
