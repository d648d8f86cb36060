using CsCheck;
using KetamineOutcomes.Core.Notifications;

namespace KetamineOutcomes.Core.Tests.Notifications;

public class RedeliveryScheduleTests
{
    private static readonly TimeSpan Base = TimeSpan.FromSeconds(2), Max = TimeSpan.FromMinutes(15);

    [Theory]
    // attempts, jitter → seconds
    [InlineData(1, 0.5, 2)]      // base × 1 × (0.5 + 0.5)
    [InlineData(2, 0.5, 4)]
    [InlineData(3, 0.5, 8)]
    [InlineData(3, 0.0, 4)]      // lowest jitter: half
    [InlineData(10, 0.5, 900)]   // 1024 s capped at 15 min
    [InlineData(60, 0.5, 900)]   // no overflow
    public void Delay_doubles_per_attempt_is_capped_and_jittered(int attempts, double jitter, double seconds) =>
        Assert.Equal(seconds, RedeliverySchedule.DelayAfter(attempts, Base, Max, jitter).TotalSeconds, precision: 6);

    [Fact]
    public void Delay_stays_within_half_and_one_and_a_half_of_the_capped_exponential() =>
        Gen.Select(Gen.Int[1, 40], Gen.Double[0, 0.999999]).Sample((n, j) =>
        {
            var d = RedeliverySchedule.DelayAfter(n, Base, Max, j).TotalMilliseconds;
            var nominal = Math.Min(Base.TotalMilliseconds * Math.Pow(2, n - 1), Max.TotalMilliseconds);
            return d >= nominal * 0.5 && d < nominal * 1.5;
        });

    [Fact]
    public void Zero_attempts_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => RedeliverySchedule.DelayAfter(0, Base, Max, 0.5));
}
