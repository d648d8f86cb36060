using CsCheck;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Research;
using KetamineOutcomes.Core.Trends;
using static KetamineOutcomes.Core.Tests.Research.ResearchFixtures;

namespace KetamineOutcomes.Core.Tests.Research;

/// <summary>
/// Research statistics reduce each patient's course without building a trend (ResearchCourse); it must agree with the
/// trend endpoint's rules (TrendCalculator) on every point, including ties and the window's edges.
/// </summary>
public class ResearchCourseProperties
{
    // Whole days only, on and around the infusion days and the baseline window's edge (day −30), so ties and
    // boundaries are common: two assessments at one time, an assessment at an infusion's exact time.
    private static readonly Gen<ResearchPatient> TieHeavyGen =
        from infusions in Gen.Int[0, 6].Array[0, 8]
        from scores in Gen.Select(Gen.OneOf(-31, -30, -29, -1, 0, 1, 2, 4, 6, 7, 13, 14, 30), Gen.Int[0, 27]).Array[0, 8]
        select Patient(infusions, scores.Select(s => ((double)s.Item1, s.Item2)).ToArray());

    [Fact]
    public void Every_point_and_the_response_duration_are_what_the_trend_gives() =>
        Gen.OneOf(PatientGen, TieHeavyGen).Sample(patient =>
        {
            var trend = TrendCalculator.Compute(Instrument.Phq9, patient.Timeline, patient.Assessments);
            var (outcome, points) = ResearchCourse.Evaluate(patient);
            var expected = trend.Points.Select(p => new CoursePoint(
                p.Assessment.TotalScore, p.Timepoint.SessionNumber, p.Timepoint.DaysSinceFirstInfusion, p.IsBaseline,
                p.Flags is not null, p.Flags?.Response ?? false, p.Flags?.Remission ?? false));
            return points.SequenceEqual(expected)
                && outcome == new CourseOutcome(trend.Evaluable, trend.Baseline?.TotalScore, trend.FirstResponse?.DaysSinceFirstInfusion,
                    trend.ResponseDurationDays, trend.LossOfResponse is not null);
        });

    [Theory]
    // infusion days; (day, total) of each assessment; expected per point: session, days since the first infusion,
    // baseline (B), flags (F), response (R), remission (M). Baseline 14 at the first infusion's exact time (session 1,
    // not post-baseline); 9 is not ≤ 7 (no response); 4 responds and remits.
    [InlineData(new[] { 0, 2 }, new[] { -3.0, 20, 0, 14, 2.5, 9, 3, 4 }, "0,-3,-,-,-,-|1,0,B,-,-,-|2,2,-,F,-,-|2,3,-,F,R,M")]
    public void A_worked_course_has_the_expected_points(int[] infusionDays, double[] dayTotalPairs, string expected)
    {
        var scores = dayTotalPairs.Chunk(2).Select(p => (p[0], (int)p[1])).ToArray();
        var (_, points) = ResearchCourse.Evaluate(Patient(infusionDays, scores));
        var actual = string.Join("|", points.Select(p =>
            $"{p.SessionNumber},{p.DaysSinceFirstInfusion},{(p.IsBaseline ? "B" : "-")},{(p.HasFlags ? "F" : "-")},{(p.Response ? "R" : "-")},{(p.Remission ? "M" : "-")}"));
        Assert.Equal(expected, actual);
    }
}
