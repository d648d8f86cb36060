using CsCheck;
using KetamineOutcomes.Core.Timepoints;

namespace KetamineOutcomes.Core.Tests.Timepoints;

public class TimelineProperties
{
    private static readonly DateTimeOffset Origin = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Gen<InfusionMoment[]> Infusions =>
        Gen.Long[0, 200L * TimeSpan.TicksPerDay].Array[0, 12]
            .Select(ts => ts.Select(t => new InfusionMoment(Guid.NewGuid(), Origin.AddTicks(t))).ToArray());

    private static Gen<DateTimeOffset> Instant => Gen.Long[-40L * TimeSpan.TicksPerDay, 240L * TimeSpan.TicksPerDay].Select(t => Origin.AddTicks(t));

    [Fact]
    public void Session_number_equals_the_count_of_infusions_at_or_before_t() =>
        Gen.Select(Infusions, Instant).Sample((infusions, t) =>
            new InfusionTimeline(infusions).At(t).SessionNumber == infusions.Count(i => i.AdministeredAt <= t));

    [Fact]
    public void Later_assessments_never_have_an_earlier_timepoint() =>
        Gen.Select(Infusions, Instant, Instant).Sample((infusions, a, b) =>
        {
            var timeline = new InfusionTimeline(infusions);
            var (early, late) = a <= b ? (a, b) : (b, a);
            var (x, y) = (timeline.At(early), timeline.At(late));
            return x.SessionNumber <= y.SessionNumber
                && (x.DaysSinceFirstInfusion ?? 0) <= (y.DaysSinceFirstInfusion ?? 0);
        });

    [Fact]
    public void Hours_since_last_infusion_is_non_negative_and_under_the_gap_to_the_next() =>
        Gen.Select(Infusions, Instant).Sample((infusions, t) =>
        {
            var tp = new InfusionTimeline(infusions).At(t);
            if (tp.SessionNumber == 0) return tp.HoursSinceLastInfusion is null && tp.InfusionId is null;
            var last = infusions.Where(i => i.AdministeredAt <= t).Max(i => i.AdministeredAt);
            return tp.HoursSinceLastInfusion >= 0
                && Math.Abs(tp.HoursSinceLastInfusion!.Value - (decimal)(t - last).TotalHours) <= 0.05m;
        });

    [Fact]
    public void Adding_an_infusion_never_lowers_any_session_number() =>
        Gen.Select(Infusions, Instant, Instant).Sample((infusions, extraAt, t) =>
        {
            var before = new InfusionTimeline(infusions).At(t).SessionNumber;
            var after = new InfusionTimeline([.. infusions, new InfusionMoment(Guid.NewGuid(), extraAt)]).At(t).SessionNumber;
            return after == before + (extraAt <= t ? 1 : 0);
        });

    // Few distinct times, so ties (broken by id) are common; given as generated, already sorted, and reversed.
    [Fact]
    public void Infusions_are_ordered_by_time_then_id_however_they_arrive() =>
        Gen.Long[0, 3].Array[0, 12]
            .Select(ts => ts.Select(t => new InfusionMoment(Guid.NewGuid(), Origin.AddDays(t))).ToArray())
            .Sample(infusions =>
            {
                var expected = infusions.OrderBy(i => i.AdministeredAt.UtcTicks).ThenBy(i => i.InfusionId).ToArray();
                return new[] { infusions, expected, expected.Reverse().ToArray() }
                    .All(input => new InfusionTimeline(input).Ordered.SequenceEqual(expected));
            });
}
