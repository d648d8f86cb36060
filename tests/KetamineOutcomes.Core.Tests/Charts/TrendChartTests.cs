using CsCheck;
using KetamineOutcomes.Core.Charts;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Core.Trends;

namespace KetamineOutcomes.Core.Tests.Charts;

/// <summary>The trend picture's geometry: where a score on a day lands, and what is marked.</summary>
public class TrendChartTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static Guid Id(int n) => new(n, 0, 0, new byte[8]);

    private static InfusionTimeline Infusions(params int[] days) =>
        new(days.Select((d, i) => new InfusionMoment(Id(1000 + i), T0.AddDays(d))));

    private static (Trend Trend, InfusionTimeline Timeline) Course(InfusionTimeline timeline, params (double Day, int Total)[] scores)
    {
        var assessments = scores.Select((s, i) => new ScoredAssessment(Id(i + 1), T0.AddDays(s.Day), s.Total, InstrumentDefinition.Phq9.SeverityOf(s.Total), false));
        return (TrendCalculator.Compute(Instrument.Phq9, timeline, assessments.ToArray()), timeline);
    }

    private static TrendChart Chart((Trend Trend, InfusionTimeline Timeline) course, IReadOnlySet<Guid>? item9 = null, int width = 600, int height = 300) =>
        TrendChart.Create(course.Trend, course.Timeline, item9 ?? new HashSet<Guid>(), width, height);

    [Fact]
    public void A_score_on_a_day_lands_where_the_axes_put_them()
    {
        // Scores from day −2 to day 12: the x axis runs −2 to 12 (steps of 2 days) across x 48–584 (536 px); the y axis
        // runs 0–27 points from y 260 up to y 44 (216 px). Day 3, total 14: x = 48 + 5/14 × 536, y = 260 − 14/27 × 216.
        var chart = Chart(Course(Infusions(0, 2, 4, 7, 9, 11), (-2, 20), (3, 14), (12, 9)));
        Assert.Equal((-2.0, 12.0), (chart.DayFrom, chart.DayTo));
        Assert.Equal((48.0, 584.0, 44.0, 260.0), (chart.PlotLeft, chart.PlotRight, chart.PlotTop, chart.PlotBottom));
        var point = chart.Points[1];
        Assert.Equal((3.0, 14), (point.Day, point.Total));
        Assert.Equal(239.428571429, point.X, 6);
        Assert.Equal(148.0, point.Y, 6);
        Assert.Equal(["-2", "0", "2", "4", "6", "8", "10", "12"], chart.XTicks.Select(t => t.Label));
    }

    [Fact]
    public void There_is_one_numbered_marker_per_infusion_at_its_day()
    {
        var chart = Chart(Course(Infusions(0, 2, 4, 7, 9, 11, 30), (-1, 18), (31, 6)));
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], chart.Infusions.Select(i => i.SessionNumber));
        Assert.Equal([0, 2, 4, 7, 9, 11, 30], chart.Infusions.Select(i => i.Day));
        Assert.All(chart.Infusions, i => Assert.Equal(chart.XOf(i.Day), i.X, 9));
    }

    [Fact]
    public void Baseline_response_and_remission_lines_sit_at_their_totals()
    {
        var chart = Chart(Course(Infusions(0, 2, 4), (-1, 19), (5, 8), (9, 4)));
        var lines = chart.Lines.ToDictionary(l => l.Kind);
        Assert.Equal(19, lines["baseline"].Total);
        Assert.Equal(9.5, lines["response"].Total);      // response: total ≤ 50 % of baseline
        Assert.Equal(5, lines["remission"].Total);       // remission: total < 5
        Assert.All(chart.Lines, l => Assert.Equal(chart.YOf(l.Total), l.Y, 9));
        Assert.Equal("response ≤ 9.5", lines["response"].Label);
    }

    [Fact]
    public void Line_labels_never_overlap_even_when_their_totals_are_close()
    {
        // Baseline 10: response at 5 and remission at 5 fall on one y; baseline 11 puts response at 5.5.
        foreach (var baseline in new[] { 10, 11, 12, 27 })
        {
            var chart = Chart(Course(Infusions(0), (-1, baseline), (3, 6)));
            var labels = chart.Lines.Select(l => l.LabelY).Order().ToArray();
            for (var i = 1; i < labels.Length; i++) Assert.True(labels[i] - labels[i - 1] >= TrendChart.LabelGap - 1e-9, $"baseline {baseline}: {string.Join(", ", labels)}");
            Assert.All(chart.Lines, l => Assert.True(l.LabelY <= l.Y || l.LabelY - l.Y <= 2 * TrendChart.LabelGap, $"{l.Kind} label strays from its line"));
        }
    }

    [Fact]
    public void Points_that_met_response_or_remission_and_item9_answers_are_marked()
    {
        var course = Course(Infusions(0, 2, 4), (-1, 20), (3, 12), (5, 9), (9, 4));
        var chart = Chart(course, item9: new HashSet<Guid> { Id(2) });
        Assert.Equal([true, false, false, false], chart.Points.Select(p => p.IsBaseline));
        Assert.Equal([false, false, true, true], chart.Points.Select(p => p.Response));   // 9 ≤ 10; 4 ≤ 10
        Assert.Equal([false, false, false, true], chart.Points.Select(p => p.Remission)); // 4 < 5
        Assert.Equal([false, true, false, false], chart.Points.Select(p => p.Item9Positive));
        Assert.Equal("PHQ-9 total score — remission, first response on day 5", chart.Title);
    }

    [Fact]
    public void The_title_says_when_a_remission_was_followed_by_relapse()
    {
        // Remission on day 5 (3 < 5), then 17 ≥ 10 again: the latest status is non-response, after a response on day 5.
        var chart = Chart(Course(Infusions(0, 2, 4), (-1, 20), (5, 3), (9, 17)));
        Assert.Equal("PHQ-9 total score — no response, first response on day 5, relapse after remission", chart.Title);
    }

    [Fact]
    public void Without_infusions_days_count_from_the_first_assessment_and_no_lines_but_remission_are_drawn()
    {
        var chart = Chart(Course(InfusionTimeline.Empty, (0, 15), (10, 12)));
        Assert.Empty(chart.Infusions);
        Assert.Equal(["remission"], chart.Lines.Select(l => l.Kind));
        Assert.Equal([0.0, 10.0], chart.Points.Select(p => p.Day));
        Assert.Contains("no infusions", chart.XAxisLabel, StringComparison.Ordinal);
    }

    [Fact]
    public void Severity_bands_tile_the_score_axis_without_gaps()
    {
        var chart = Chart(Course(Infusions(0), (0, 10)), width: 900, height: 450);
        Assert.Equal([0, 5, 10, 15, 20], chart.Bands.Select(b => b.FromTotal));
        Assert.Equal([5, 10, 15, 20, 27], chart.Bands.Select(b => b.ToTotal));
        Assert.Equal(chart.PlotBottom, chart.Bands[0].YBottom);
        Assert.Equal(chart.PlotTop, chart.Bands[^1].YTop);
        for (var i = 1; i < chart.Bands.Count; i++) Assert.Equal(chart.Bands[i - 1].YTop, chart.Bands[i].YBottom);
    }

    [Theory]
    [InlineData(299, 300)]
    [InlineData(2401, 300)]
    [InlineData(600, 149)]
    [InlineData(600, 1201)]
    public void Sizes_outside_the_readable_range_are_refused(int width, int height) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Chart(Course(Infusions(0), (0, 10)), width: width, height: height));

    [Fact]
    public void Every_point_and_marker_is_inside_the_plot_whatever_the_course() =>
        Gen.Select(Gen.Int[0, 40].Array[0, 10], Gen.Select(Gen.Double[-30, 400], Gen.Int[0, 27]).Array[1, 30], Gen.Int[300, 2400], Gen.Int[150, 1200])
            .Sample((infusionDays, scores, width, height) =>
            {
                var chart = Chart(Course(Infusions(infusionDays), scores), width: width, height: height);
                const double e = 1e-9;
                return chart.Points.All(p => p.X >= chart.PlotLeft - e && p.X <= chart.PlotRight + e && p.Y >= chart.PlotTop - e && p.Y <= chart.PlotBottom + e)
                    && chart.Infusions.All(i => i.X >= chart.PlotLeft - e && i.X <= chart.PlotRight + e)
                    && chart.XTicks.Count is >= 2 and <= 11;
            });
}
