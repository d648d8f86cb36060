using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Core.Trends;

namespace KetamineOutcomes.Core.Charts;

/// <summary>One plotted assessment: where it is drawn and what it is marked with.</summary>
public sealed record ChartPoint(double X, double Y, double Day, int Total, bool IsBaseline, bool Response, bool Remission, bool Item9Positive);

/// <summary>A numbered vertical marker at one infusion.</summary>
public sealed record ChartInfusion(double X, double Day, int SessionNumber);

/// <summary>A shaded severity band between two totals (lower inclusive), drawn from <see cref="YTop"/> down to <see cref="YBottom"/>.</summary>
public sealed record ChartBand(Severity Severity, int FromTotal, int ToTotal, double YTop, double YBottom);

/// <summary>
/// A horizontal reference line at a total (baseline, response threshold, remission threshold); its label's baseline
/// sits at <see cref="LabelY"/>, just above the line unless that would overlap the label above it.
/// </summary>
public sealed record ChartLine(string Kind, double Total, double Y, string Label, double LabelY);

/// <summary>An axis tick: its position and its label.</summary>
public sealed record ChartTick(double Position, string Label);

/// <summary>
/// The geometry of a patient's trend picture: total score (y, 0 at the bottom) against days since the first infusion
/// (x), in a <see cref="Width"/> × <see cref="Height"/> canvas. Pure: the SVG writer only draws what this says.
/// </summary>
public sealed record TrendChart(
    int Width, int Height, double PlotLeft, double PlotTop, double PlotRight, double PlotBottom,
    double DayFrom, double DayTo, int MaxTotal, string Title, string XAxisLabel, string YAxisLabel,
    IReadOnlyList<ChartBand> Bands, IReadOnlyList<ChartLine> Lines, IReadOnlyList<ChartInfusion> Infusions,
    IReadOnlyList<ChartPoint> Points, IReadOnlyList<ChartTick> XTicks, IReadOnlyList<ChartTick> YTicks)
{
    public const int DefaultWidth = 600, DefaultHeight = 300;
    public const int MinWidth = 300, MaxWidth = 2400, MinHeight = 150, MaxHeight = 1200;

    // Room for the title and infusion numbers above, tick labels and the axis label below, tick labels to the left.
    private const double MarginLeft = 48, MarginRight = 16, MarginTop = 44, MarginBottom = 40;

    /// <summary>Vertical room for one line of the 11 px labels.</summary>
    public const double LabelGap = 12;

    // Day steps an axis reads naturally at: days, a week, weeks, months.
    private static readonly int[] DaySteps = [1, 2, 7, 14, 28, 56, 91, 182, 364, 728];

    /// <summary>The x position of a day (fractional days since the first infusion).</summary>
    public double XOf(double day) => PlotLeft + (day - DayFrom) / (DayTo - DayFrom) * (PlotRight - PlotLeft);

    /// <summary>The y position of a total.</summary>
    public double YOf(double total) => PlotBottom - total / MaxTotal * (PlotBottom - PlotTop);

    /// <param name="item9Positive">Ids of assessments whose PHQ-9 item 9 (thoughts of death or self-harm) was answered ≥ 1.</param>
    public static TrendChart Create(Trend trend, InfusionTimeline timeline, IReadOnlySet<Guid> item9Positive, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, MinWidth);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, MaxWidth);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, MinHeight);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, MaxHeight);
        var definition = InstrumentDefinition.For(trend.Instrument);
        // Without infusions the days count from the first assessment, and the axis says so.
        var origin = timeline.FirstInfusionAt ?? (trend.Points.Count > 0 ? trend.Points[0].Assessment.CompletedAt : (DateTimeOffset?)null);
        double DayOf(DateTimeOffset t) => origin is { } o ? (t - o).TotalDays : 0;

        var days = trend.Points.Select(p => DayOf(p.Assessment.CompletedAt)).Concat(timeline.Ordered.Select(i => DayOf(i.AdministeredAt))).ToArray();
        var (from, to, step) = DayRange(days.Length == 0 ? 0 : days.Min(), days.Length == 0 ? 0 : days.Max());
        var shell = new TrendChart(width, height, MarginLeft, MarginTop, width - MarginRight, height - MarginBottom, from, to,
            definition.MaxTotal, TitleOf(trend, definition),
            timeline.FirstInfusionAt is null ? "Days since first assessment (no infusions recorded)" : "Days since first infusion",
            "Total score", [], [], [], [], [], []);

        var bands = definition.Bands.Select((b, i) =>
        {
            var upper = i + 1 < definition.Bands.Count ? definition.Bands[i + 1].MinTotal : definition.MaxTotal;
            return new ChartBand(b.Severity, b.MinTotal, upper, shell.YOf(upper), shell.YOf(b.MinTotal));
        }).ToArray();

        var lines = new List<ChartLine>();
        if (trend.Baseline is { } baseline)
        {
            lines.Add(new ChartLine("baseline", baseline.TotalScore, shell.YOf(baseline.TotalScore), $"baseline {baseline.TotalScore}", 0));
            var half = baseline.TotalScore / 2.0; // response: total ≤ 50 % of baseline
            lines.Add(new ChartLine("response", half, shell.YOf(half), $"response ≤ {Format(half)}", 0));
        }
        lines.Add(new ChartLine("remission", InstrumentDefinition.RemissionBelow, shell.YOf(InstrumentDefinition.RemissionBelow),
            $"remission < {InstrumentDefinition.RemissionBelow}", 0));

        var infusions = timeline.Ordered.Select((m, i) => new ChartInfusion(shell.XOf(DayOf(m.AdministeredAt)), DayOf(m.AdministeredAt), i + 1)).ToArray();
        var points = trend.Points.Select(p =>
        {
            var day = DayOf(p.Assessment.CompletedAt);
            return new ChartPoint(shell.XOf(day), shell.YOf(p.Assessment.TotalScore), day, p.Assessment.TotalScore, p.IsBaseline,
                p.Flags?.Response ?? false, p.Flags?.Remission ?? false, item9Positive.Contains(p.Assessment.QuestionnaireId));
        }).ToArray();

        var xTicks = new List<ChartTick>();
        for (var d = from; d <= to + 1e-9; d += step) xTicks.Add(new ChartTick(shell.XOf(d), Format(d)));
        var yTicks = Enumerable.Range(0, definition.MaxTotal / 5 + 1).Select(k => new ChartTick(shell.YOf(5 * k), (5 * k).ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .ToArray();
        return shell with { Bands = bands, Lines = PlaceLabels(lines), Infusions = infusions, Points = points, XTicks = xTicks, YTicks = yTicks };
    }

    /// <summary>
    /// The x axis: from a multiple of the step at or below the earliest day (never after day 0) to one at or above the
    /// latest (at least one step past 0), with a step giving at most ten ticks.
    /// </summary>
    public static (double From, double To, int Step) DayRange(double min, double max)
    {
        min = Math.Min(min, 0);
        max = Math.Max(max, 0);
        foreach (var step in DaySteps)
        {
            var from = Math.Floor(min / step) * step;
            var to = Math.Max(Math.Ceiling(max / step) * step, from + step);
            if ((to - from) / step <= 10) return (from, to, step);
        }
        var last = DaySteps[^1];
        return (Math.Floor(min / last) * last, Math.Max(Math.Ceiling(max / last) * last, Math.Floor(min / last) * last + last), last);
    }

    /// <summary>Line labels just above their lines, pushed down where they would overlap the one above (close totals).</summary>
    private static ChartLine[] PlaceLabels(List<ChartLine> lines)
    {
        var placed = lines.OrderBy(l => l.Y).ToArray();
        for (var i = 0; i < placed.Length; i++)
        {
            var y = placed[i].Y - LabelGap / 4;
            if (i > 0) y = Math.Max(y, placed[i - 1].LabelY + LabelGap);
            placed[i] = placed[i] with { LabelY = y };
        }
        return placed;
    }

    private static string TitleOf(Trend trend, InstrumentDefinition definition)
    {
        var name = definition.Instrument == Instrument.Phq9 ? "PHQ-9" : "GAD-7";
        var status = trend.Status switch
        {
            TrendStatus.Remission => "remission",
            TrendStatus.Response => "response",
            TrendStatus.PartialResponse => "partial response",
            TrendStatus.NonResponse => "no response",
            _ => "not evaluable",
        };
        var first = trend.FirstResponse?.DaysSinceFirstInfusion is { } d ? $", first response on day {d}" : "";
        var relapse = trend.Relapse ? ", relapse after remission" : "";
        return $"{name} total score — {status}{first}{relapse}";
    }

    private static string Format(double value) => value.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
}
