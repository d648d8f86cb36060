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
        // 600 × 300. Scores from day −2 to day 12: the x axis runs −2 to 12 (steps of 2 days) from x 48 to the right
        // gutter holding the widest line label ("response ≤ 10", 7310/1000 em = 80.41 px in DejaVu Sans at 11 px, + 8
        // before it and 4 padding): 600 − 92.41 = 507.59. DejaVu Sans' line box is 0.928 em above the baseline and 0.236
        // below. The plot's top: title baseline 4 + 12.064, its descent 3.068, a 3 px gap, an infusion number's ascent
        // 10.208 and 4 px → 36.34, rounded up 37. Its bottom: 300 − 4 padding − a row's descent 2.596 − (tick baseline
        // 17 + 2.596 + 3 + 10.208) = 260.6, floored 260.
        // Day 3, total 14: x = 48 + 5/14 × 459.59, y = 260 − 14/27 × 223.
        var chart = Chart(Course(Infusions(0, 2, 4, 7, 9, 11), (-2, 20), (3, 14), (12, 9)));
        Assert.Equal((-2.0, 12.0), (chart.DayFrom, chart.DayTo));
        Assert.Equal(48.0, chart.PlotLeft);
        Assert.Equal(507.59, chart.PlotRight, 6);
        Assert.Equal((37.0, 260.0), (chart.PlotTop, chart.PlotBottom));
        var point = chart.Points[1];
        Assert.Equal((3.0, 14), (point.Day, point.Total));
        Assert.Equal(48 + 5.0 / 14 * 459.59, point.X, 6);
        Assert.Equal(260 - 14.0 / 27 * 223, point.Y, 6);
        Assert.Equal(["-2", "0", "2", "4", "6", "8", "10", "12"], chart.XTicks.Select(t => t.Label));
    }

    [Fact]
    public void Text_widths_are_DejaVu_Sans_advances()
    {
        // "remission < 5": r 411 e 615 m 974 i 278 s 521 s 521 i 278 o 612 n 634, space 318, < 838, space 318, 5 636
        // = 6954 thousandths of an em → 76.494 px at 11 px. Bold "PHQ-9": P 733 H 837 Q 850 - 415 9 696 = 3531 → 45.903 px at 13 px.
        Assert.Equal(76.494, ChartText.Width("remission < 5"), 9);
        Assert.Equal(45.903, ChartText.Width("PHQ-9", 13, bold: true), 9);
        Assert.Equal(11.0, ChartText.Width("\u4e2d"), 9); // outside the table: a full em
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
        Assert.Equal(["PHQ-9 total score — remission, first response on day 5"], chart.TitleLines.Select(t => t.Text));
    }

    [Fact]
    public void The_title_tells_a_relapse_after_remission_not_no_response()
    {
        // Response and remission on day 5 (3 < 5), then 17 ≥ 10 again: the latest status is non-response, but the story is
        // a relapse after remission.
        var chart = Chart(Course(Infusions(0, 2, 4), (-1, 20), (5, 3), (9, 17)));
        Assert.Equal("PHQ-9 total score — relapse after remission, first response on day 5, first remission on day 5", chart.Title);
        // At 300 px the full title would be cut: the drawn form is the shorter one, whole.
        var narrow = Chart(Course(Infusions(0, 2, 4), (-1, 20), (5, 3), (9, 17)), width: 300, height: 150);
        Assert.Equal(["PHQ-9 — relapse after remission"], narrow.TitleLines.Select(t => t.Text));
    }

    [Fact]
    public void An_instrument_without_assessments_says_none_yet_and_shows_no_point_legend()
    {
        var trend = TrendCalculator.Compute(Instrument.Gad7, Infusions(0, 2), []);
        var chart = TrendChart.Create(trend, Infusions(0, 2), new HashSet<Guid>());
        Assert.Equal("No GAD-7 yet", chart.Title);
        Assert.Equal(["infusion"], chart.Legend.Select(e => e.Kind));
        var gad7 = TrendChart.Create(TrendCalculator.Compute(Instrument.Gad7, Infusions(0),
            [new ScoredAssessment(Id(1), T0.AddDays(-1), 12, InstrumentDefinition.Gad7.SeverityOf(12), false)]), Infusions(0), new HashSet<Guid>());
        // GAD-7 has no item 9: no item-9 legend.
        Assert.Equal(["remission", "response", "infusion"], gad7.Legend.Select(e => e.Kind));
    }

    public static TheoryData<int, int> Sizes => new() { { 300, 150 }, { 300, 1200 }, { 301, 151 }, { 420, 180 }, { 600, 300 }, { 799, 211 }, { 2400, 150 }, { 2400, 1200 } };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void No_text_is_cut_or_overlaps_another_at_any_allowed_size(int width, int height)
    {
        // The busiest course: a relapse story (longest title), many infusions close together, item-9 answers, a
        // baseline whose response line falls on the remission line, no infusions on the other chart.
        var busy = Course(Infusions(0, 1, 2, 3, 4, 5, 6, 7, 14, 21, 28, 35, 42, 180), (-30, 10), (1, 4), (3, 3), (6, 17), (200, 2));
        var bare = Course(InfusionTimeline.Empty, (0, 27), (100, 26));
        foreach (var course in new[] { busy, bare })
        {
            var chart = Chart(course, item9: new HashSet<Guid> { Id(1), Id(3) }, width: width, height: height);
            AssertTextFits(chart);
        }
    }

    [Fact]
    public void No_text_is_cut_or_overlaps_another_whatever_the_course_and_size() =>
        Gen.Select(Gen.Int[0, 40].Array[0, 12], Gen.Select(Gen.Double[-30, 800], Gen.Int[0, 27]).Array[0, 30], Gen.Int[300, 2400], Gen.Int[150, 1200])
            .Sample((infusionDays, scores, width, height) =>
            {
                AssertTextFits(Chart(Course(Infusions(infusionDays), scores), item9: new HashSet<Guid> { Id(1) }, width: width, height: height));
                return true;
            });

    [Fact]
    public void Line_labels_stand_beside_the_plot_never_on_a_point()
    {
        foreach (var (width, height) in new[] { (300, 150), (600, 300), (1200, 600) })
        {
            var chart = Chart(Course(Infusions(0, 2, 4), (-1, 14), (12, 14), (20, 7), (30, 5)), width: width, height: height);
            var labels = chart.TextBoxes().Where(b => b.Kind.EndsWith("-label", StringComparison.Ordinal) && b.Kind is not ("x-axis-label" or "y-axis-label" or "infusion-label")).ToArray();
            Assert.Equal(3, labels.Length);
            Assert.All(labels, b => Assert.True(b.Left >= chart.PlotRight + 6, $"{b.Text} at {b.Left} starts inside the plot (right edge {chart.PlotRight}) at {width}×{height}"));
            foreach (var p in chart.Points)
                Assert.All(labels, b => Assert.False(p.X + 6 > b.Left && p.X - 6 < b.Right && p.Y + 6 > b.Top && p.Y - 6 < b.Bottom, $"{b.Text} on the point of day {p.Day}"));
        }
    }

    private static void AssertTextFits(TrendChart chart)
    {
        var boxes = chart.TextBoxes().ToArray();
        foreach (var b in boxes)
        {
            Assert.True(b.Left >= 0 && b.Right <= chart.Width && b.Top >= 0 && b.Bottom <= chart.Height,
                $"{b.Kind} \"{b.Text}\" [{b.Left:0.#}, {b.Top:0.#}, {b.Right:0.#}, {b.Bottom:0.#}] is cut by the {chart.Width}×{chart.Height} canvas");
        }
        for (var i = 0; i < boxes.Length; i++)
            for (var j = i + 1; j < boxes.Length; j++)
                Assert.False(boxes[i].Overlaps(boxes[j]), $"{boxes[i].Kind} \"{boxes[i].Text}\" overlaps {boxes[j].Kind} \"{boxes[j].Text}\" at {chart.Width}×{chart.Height}");
    }

    [Fact]
    public void Without_infusions_days_count_from_the_first_assessment_and_no_lines_but_remission_are_drawn()
    {
        var chart = Chart(Course(InfusionTimeline.Empty, (0, 15), (10, 12)));
        Assert.Empty(chart.Infusions);
        Assert.Equal(["remission"], chart.Lines.Select(l => l.Kind));
        Assert.Equal([0.0, 10.0], chart.Points.Select(p => p.Day));
        Assert.Contains("no infusions", chart.XAxisLabel.Text, StringComparison.Ordinal);
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

    [Fact]
    public void The_loss_of_response_is_ringed_at_its_point_with_a_label_inside_the_plot_and_apart_from_every_other_text()
    {
        // Baseline 20, response 8 on day 3, loss 14 on day 8 (14 > 10), then 16.
        var chart = Chart(Course(Infusions(0, 2, 4), (-1, 20), (3, 8), (8, 14), (10, 16)));
        var loss = Assert.Single(chart.Setbacks);
        Assert.Equal(WatchKind.LossOfResponse, loss.Kind);
        var point = chart.Points.Single(p => p.Day == 8);
        Assert.Equal((point.X, point.Y, 14), (loss.X, loss.Y, loss.Total));
        Assert.Equal("Loss of response", loss.Label);
        var box = chart.TextBoxes().Single(b => b.Kind == "loss-of-response-label");
        Assert.True(box.Left >= chart.PlotLeft && box.Right <= chart.PlotRight && box.Top >= chart.PlotTop && box.Bottom <= chart.PlotBottom, "label inside the plot");
        Assert.True(box.Top > loss.Y, "label below the point (the item-9 triangle goes above)");
        Assert.DoesNotContain(chart.TextBoxes(), b => b.Kind != box.Kind && b.Overlaps(box));

        // A response that holds, or a patient who is not evaluable: no marker.
        Assert.Empty(Chart(Course(Infusions(0, 2), (-1, 20), (3, 8), (8, 10))).Setbacks);
        Assert.Empty(Chart(Course(Infusions(0, 2), (-1, 8), (3, 2), (8, 7))).Setbacks);
    }

    /// <summary>
    /// Every setback is ringed, not only the first loss (issue 22 break-it): baseline 20 the day before infusion 1, then
    /// 10 (day 5, a response), 11 (day 9, lost), 9 (day 13, a response again), 12 (day 17, lost again) — the watch names
    /// the day-17 loss, so the chart must show it beside the recovered day-9 one. Relapses are ringed and labelled apart.
    /// </summary>
    [Theory]
    [InlineData(20, new[] { 5, 9, 13, 17 }, new[] { 10, 11, 9, 12 }, "loss-of-response@9 loss-of-response@17")]
    [InlineData(20, new[] { 3, 8 }, new[] { 4, 10 }, "relapse@8")]                    // 10 ≤ 50 % of 20 holds the response; ≥ 10 after remission
    [InlineData(14, new[] { 3, 8 }, new[] { 3, 12 }, "relapse@8")]                    // a relapse that is also a loss: one ring, the relapse
    [InlineData(10, new[] { 3, 8, 12 }, new[] { 4, 6, 10 }, "loss-of-response@8 relapse@12")] // lost at 6, relapsed at 10
    [InlineData(20, new[] { 3, 8, 12, 16 }, new[] { 4, 12, 3, 15 }, "relapse@8 relapse@16")]  // two remission episodes, two relapses
    public void Every_setback_of_the_course_is_ringed_and_labelled_by_its_kind(int baseline, int[] days, int[] totals, string expected)
    {
        var course = Course(Infusions(0, 2, 4), [(-1, baseline), .. days.Select((d, i) => ((double)d, totals[i]))]);
        var chart = Chart(course);
        Assert.Equal(expected, string.Join(" ", chart.Setbacks.Select(m => $"{WireNames.Of(m.Kind)}@{m.Day}")));
        // The same setbacks the watch's episodes hold, each ringed at its own point.
        Assert.Equal(course.Trend.Setbacks().Select(s => (s.Kind, s.Setback.TotalScore)), chart.Setbacks.Select(m => (m.Kind, m.Total)));
        foreach (var m in chart.Setbacks)
        {
            var point = chart.Points.Single(p => p.Day == m.Day);
            Assert.Equal((point.X, point.Y), (m.X, m.Y));
            Assert.Equal(m.Kind == WatchKind.Relapse ? "Relapse" : "Loss of response", m.Label);
        }
        var boxes = chart.TextBoxes().ToList();
        foreach (var (a, i) in boxes.Select((b, i) => (b, i)))
            Assert.DoesNotContain(boxes.Skip(i + 1), b => b.Overlaps(a));
    }

    [Fact]
    public void Two_setbacks_too_close_for_two_labels_keep_both_rings_and_the_first_label()
    {
        // Baseline 20: 10 (day 1), 11 (day 2, lost), 10 (day 3), 11 (day 4, lost) on a narrow chart over 4 days.
        var chart = Chart(Course(Infusions(0), (-1, 20), (1, 10), (2, 11), (3, 10), (4, 11)), width: 300, height: 150);
        Assert.Equal([2.0, 4.0], chart.Setbacks.Select(m => m.Day));
        Assert.Equal(["Loss of response", null], chart.Setbacks.Select(m => m.Label));
        Assert.Single(chart.TextBoxes(), b => b.Kind == "loss-of-response-label");
    }

    [Fact]
    public void A_loss_at_the_bottom_right_corner_keeps_its_label_inside_the_plot()
    {
        // Baseline 10, response 2, loss 6 on the last day of a narrow chart: the label goes above and ends at the plot's right.
        var chart = Chart(Course(Infusions(0), (-1, 10), (1, 2), (30, 6)), width: 300, height: 150);
        var box = chart.TextBoxes().Single(b => b.Kind == "loss-of-response-label");
        Assert.True(box.Left >= chart.PlotLeft && box.Right <= chart.PlotRight + 0.001 && box.Top >= chart.PlotTop && box.Bottom <= chart.PlotBottom + 0.001,
            $"label inside the plot: {box}");
    }
}
