using KetamineOutcomes.Api.Infrastructure;

namespace KetamineOutcomes.Api.Tests;

/// <summary>The one instant reader (<see cref="Rfc3339DateTimeOffsetConverter.Parse"/>): RFC 3339 §5.6 as written, no more.</summary>
public class Rfc3339InstantTests
{
    [Theory]
    [InlineData("2026-03-02T09:00:00Z", "Valid")]
    [InlineData("2026-03-02T09:00:00.5Z", "Valid")]
    [InlineData("2026-03-02T09:00:00.123456+05:30", "Valid")]
    [InlineData("2026-03-02T09:00:00.1234567Z", "FinerThanMicroseconds")]
    // time-secfrac is "." 1*DIGIT: a dot without digits is no fraction (the break-it pass found it read as .0).
    [InlineData("2026-03-02T09:00:00.Z", "NotRfc3339")]
    [InlineData("2026-03-02T09:00:00.+01:00", "NotRfc3339")]
    [InlineData("2026-03-02T09:00:00", "NotRfc3339")]
    [InlineData("2026-03-02T09:00:00,5Z", "NotRfc3339")]
    public void Reads_an_instant_as_RFC_3339_writes_it(string text, string expected) =>
        Assert.Equal(expected, Rfc3339DateTimeOffsetConverter.Parse(text, out _).ToString());
}
