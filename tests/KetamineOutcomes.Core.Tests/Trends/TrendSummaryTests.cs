using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Core.Trends;

namespace KetamineOutcomes.Core.Tests.Trends;

/// <summary>The course in words: the latest status told with what came before it (issue 19: "No response" beside a relapse misled).</summary>
public class TrendSummaryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static Trend Course(params (int Day, int Total)[] scores)
    {
        var timeline = new InfusionTimeline([new InfusionMoment(Guid.NewGuid(), T0)]);
        var assessments = scores.Select(s => new ScoredAssessment(Guid.NewGuid(), T0.AddDays(s.Day), s.Total, InstrumentDefinition.Phq9.SeverityOf(s.Total), false)).ToArray();
        return TrendCalculator.Compute(Instrument.Phq9, timeline, assessments);
    }

    [Theory]
    // Baseline 20 on day −1; then the worked course. Response: ≤ 10 (50 % of 20); remission: < 5; relapse: ≥ 10 after remission.
    [InlineData(new[] { 9 }, "Response")]                                  // 9 ≤ 10, not < 5
    [InlineData(new[] { 4 }, "Remission")]                                 // 4 < 5
    [InlineData(new[] { 12 }, "Partial response")]                         // 12: 40 % down
    [InlineData(new[] { 19 }, "No response")]
    [InlineData(new[] { 9, 3, 17 }, "Relapse after remission")]            // status non-response, relapse
    [InlineData(new[] { 3, 10 }, "Relapse after remission")]               // 10 ≤ 10 is a response, but ≥ 10 after remission is a relapse
    [InlineData(new[] { 3, 12, 2 }, "Remission again after a relapse")]
    public void The_summary_tells_the_course(int[] after, string expected)
    {
        var trend = Course([(-1, 20), .. after.Select((total, i) => (3 + 4 * i, total))]);
        Assert.Equal(expected, TrendSummary.Describe(trend));
    }

    [Fact]
    public void A_course_without_a_baseline_is_not_evaluable() =>
        Assert.Equal("Not evaluable", TrendSummary.Describe(Course((3, 12))));
}
