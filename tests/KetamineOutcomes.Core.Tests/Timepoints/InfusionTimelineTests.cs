using KetamineOutcomes.Core.Timepoints;

namespace KetamineOutcomes.Core.Tests.Timepoints;

public class InfusionTimelineTests
{
    internal static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    internal static Guid Id(int n) => new($"00000000-0000-0000-0000-{n:D12}");

    private static InfusionTimeline ThreeInfusions() => new([
        new(Id(3), T0.AddDays(4)),
        new(Id(1), T0),
        new(Id(2), T0.AddDays(2)),
    ]);

    [Fact]
    public void Without_infusions_every_timepoint_is_session_0_with_null_offsets() =>
        Assert.Equal(new Timepoint(0, null, null, null), InfusionTimeline.Empty.At(T0));

    [Theory]
    // offset from T0 in seconds → session, infusion, days, hours
    [InlineData(-1, 0, 0, -1, null)]               // 1 s before the first infusion: day −1
    [InlineData(-86400 * 3, 0, 0, -3, null)]
    [InlineData(0, 1, 1, 0, "0.0")]                // exactly at the first infusion counts it
    [InlineData(1, 1, 1, 0, "0.0")]
    [InlineData(86400 + 3 * 3600, 1, 1, 1, "27.0")]
    [InlineData(2 * 86400, 2, 2, 2, "0.0")]
    [InlineData(2 * 86400 + 180, 2, 2, 2, "0.1")]  // 3 min = 0.05 h → 0.1 (half away from zero)
    [InlineData(2 * 86400 + 179, 2, 2, 2, "0.0")]  // 2 min 59 s = 0.0497 h → 0.0
    [InlineData(30 * 86400, 3, 3, 30, "624.0")]
    public void Timepoint_counts_infusions_at_or_before_t(int seconds, int session, int infusion, int days, string? hours)
    {
        var tp = ThreeInfusions().At(T0.AddSeconds(seconds));
        Assert.Equal(session, tp.SessionNumber);
        Assert.Equal(infusion == 0 ? null : Id(infusion), tp.InfusionId);
        Assert.Equal(days, tp.DaysSinceFirstInfusion);
        Assert.Equal(hours is null ? null : decimal.Parse(hours, System.Globalization.CultureInfo.InvariantCulture), tp.HoursSinceLastInfusion);
    }

    [Fact]
    public void Offsets_are_compared_as_instants_whatever_the_time_zone()
    {
        var timeline = new InfusionTimeline([new(Id(1), T0)]);
        var sameInstantInNewYork = T0.ToOffset(TimeSpan.FromHours(-5));
        Assert.Equal(1, timeline.At(sameInstantInNewYork).SessionNumber);
        Assert.Equal(0, timeline.At(sameInstantInNewYork.AddTicks(-1)).SessionNumber);
    }

    [Fact]
    public void Back_dated_infusion_re_keys_later_assessments()
    {
        var assessmentAt = T0.AddDays(3);
        var before = new InfusionTimeline([new(Id(1), T0), new(Id(2), T0.AddDays(2))]);
        Assert.Equal(new Timepoint(2, Id(2), 3, 24.0m), before.At(assessmentAt));

        // An infusion recorded late, administered before the others: it becomes session 1.
        var after = new InfusionTimeline([new(Id(1), T0), new(Id(2), T0.AddDays(2)), new(Id(9), T0.AddDays(-1))]);
        Assert.Equal(new Timepoint(3, Id(2), 4, 24.0m), after.At(assessmentAt));
        Assert.Equal(1, after.SessionNumberOf(Id(9)));
        Assert.Equal(3, after.SessionNumberOf(Id(2)));
    }
}
