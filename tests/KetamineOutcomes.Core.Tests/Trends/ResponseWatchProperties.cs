using CsCheck;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Core.Trends;

namespace KetamineOutcomes.Core.Tests.Trends;

/// <summary>The response watch's shortcut (<see cref="ResponseWatch.Of(Instrument, InfusionTimeline, IEnumerable{ScoredAssessment})"/>) against the trend's answer.</summary>
public class ResponseWatchProperties
{
    private static readonly DateTimeOffset Origin = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    // Whole days, so ties in time (broken by id) are common; a baseline window and a course around the infusions.
    private static Gen<InfusionTimeline> Timelines =>
        Gen.Select(Gen.Guid, Gen.Int[0, 12]).Array[0, 4]
            .Select(xs => new InfusionTimeline(xs.Select(x => new InfusionMoment(x.Item1, Origin.AddDays(x.Item2)))));

    private static Gen<ScoredAssessment[]> Assessments(Instrument instrument) =>
        Gen.Select(Gen.Guid, Gen.Int[-35, 60], Gen.Int[0, InstrumentDefinition.For(instrument).MaxTotal]).Array[0, 14]
            .Select(xs => xs.Select(x => new ScoredAssessment(x.Item1, Origin.AddDays(x.Item2), x.Item3,
                InstrumentDefinition.For(instrument).SeverityOf(x.Item3), false)).ToArray());

    private static Gen<(Instrument, InfusionTimeline, ScoredAssessment[])> Cases =>
        Gen.OneOf(Instrument.Phq9, Instrument.Gad7).SelectMany(i => Gen.Select(Timelines, Assessments(i)).Select(x => (i, x.Item1, x.Item2)));

    [Fact]
    public void The_watch_entry_without_a_trend_is_the_entry_of_the_trend_whatever_the_order_of_the_assessments()
    {
        int listed = 0, notListed = 0;
        Cases.Sample(c =>
        {
            var (instrument, timeline, assessments) = c;
            var expected = ResponseWatch.Of(TrendCalculator.Compute(instrument, timeline, assessments));
            Interlocked.Increment(ref expected is null ? ref notListed : ref listed);
            WatchEntry? asGiven = ResponseWatch.Of(instrument, timeline, assessments);
            WatchEntry? reversed = ResponseWatch.Of(instrument, timeline, assessments.AsEnumerable().Reverse());
            return Equals(expected, asGiven) && Equals(expected, reversed);
        }, iter: 20_000);
        // The generator reaches both answers often enough for the equality to mean something.
        Assert.InRange(listed, 200, int.MaxValue);
        Assert.InRange(notListed, 200, int.MaxValue);
    }
}
