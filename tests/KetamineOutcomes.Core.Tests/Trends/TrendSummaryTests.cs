using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Core.Trends;

namespace KetamineOutcomes.Core.Tests.Trends;

/// <summary>
/// The course in words: the latest status told with what came before it (issue 19: "No response" beside a relapse
/// misled), and why it cannot be told yet in words that fit the case (the status row said "no baseline" where the
/// chart said "No GAD-7 yet").
/// </summary>
public class TrendSummaryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly InfusionTimeline OneInfusionOnDay0 = new([new InfusionMoment(Guid.NewGuid(), T0)]);
    private static readonly InfusionTimeline NoInfusion = new([]);

    private static string Describe(InfusionTimeline timeline, Instrument instrument, params (int Day, int Total)[] scores)
    {
        var definition = InstrumentDefinition.For(instrument);
        var assessments = scores.Select(s => new ScoredAssessment(Guid.NewGuid(), T0.AddDays(s.Day), s.Total, definition.SeverityOf(s.Total), false)).ToArray();
        return TrendSummary.Describe(TrendCalculator.Compute(instrument, timeline, assessments), timeline);
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
    public void The_summary_tells_the_course(int[] after, string expected) =>
        Assert.Equal(expected, Describe(OneInfusionOnDay0, Instrument.Phq9, [(-1, 20), .. after.Select((total, i) => (3 + 4 * i, total))]));

    [Theory]
    // No assessment of the instrument: what the chart says, whatever else is recorded.
    [InlineData(true, Instrument.Gad7, new int[0], new int[0], "No GAD-7 yet")]
    [InlineData(false, Instrument.Phq9, new int[0], new int[0], "No PHQ-9 yet")]
    // Assessed but not treated yet: statusReason is no-baseline (SPEC precedence), but "no baseline" misleads here.
    [InlineData(false, Instrument.Phq9, new[] { 0, 5 }, new[] { 18, 12 }, "Not evaluable: no infusion recorded yet")]
    [InlineData(false, Instrument.Gad7, new[] { 0 }, new[] { 6 }, "Not evaluable: no infusion recorded yet")]
    // Treated: the reason the SPEC names, in words.
    [InlineData(true, Instrument.Phq9, new[] { 3 }, new[] { 12 }, "Not evaluable: no baseline within 30 days before the first infusion")]
    [InlineData(true, Instrument.Phq9, new[] { -31, 3 }, new[] { 20, 12 }, "Not evaluable: no baseline within 30 days before the first infusion")]
    [InlineData(true, Instrument.Gad7, new[] { -1, 3 }, new[] { 9, 4 }, "Not evaluable: baseline below 10")]
    [InlineData(true, Instrument.Phq9, new[] { -1 }, new[] { 20 }, "Not evaluable: no assessment after the first infusion yet")]
    public void A_course_that_cannot_be_told_yet_says_why_in_words_that_fit_the_case(bool infused, Instrument instrument, int[] days, int[] totals, string expected) =>
        Assert.Equal(expected, Describe(infused ? OneInfusionOnDay0 : NoInfusion, instrument, [.. days.Zip(totals)]));
}
