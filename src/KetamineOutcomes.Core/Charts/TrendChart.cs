using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Core.Trends;

namespace KetamineOutcomes.Core.Charts;

/// <summary>One plotted assessment: where it is drawn and what it is marked with.</summary>
public sealed record ChartPoint(double X, double Y, double Day, int Total, bool IsBaseline, bool Response, bool Remission, bool Item9Positive);

/// <summary>
/// The marker at one setback of the course (<see cref="Trend.Setbacks"/>, SPEC v2 "Response durability"): a ring around
/// that point and a label inside the plot — "Loss of response" (or "Loss") for <see cref="WatchKind.LossOfResponse"/>,
/// "Relapse" for <see cref="WatchKind.Relapse"/> — below the point (the item-9 triangle sits above it), or above it
/// near the bottom, kept within the plot so it never meets the axis, infusion or line labels outside it. A label that
/// would meet an earlier setback's label is left out (<paramref name="Label"/> null): the ring, its kind and its
/// accessible title remain.
/// </summary>
public sealed record ChartSetback(WatchKind Kind, double X, double Y, double Day, int Total, string? Label, double LabelX, double LabelY, string Anchor);

/// <summary>A vertical marker at one infusion; its session number is printed above the plot when there is room (<see cref="Labelled"/>).</summary>
public sealed record ChartInfusion(double X, double Day, int SessionNumber, bool Labelled = true);

/// <summary>A shaded severity band between two totals (lower inclusive), drawn from <see cref="YTop"/> down to <see cref="YBottom"/>.</summary>
public sealed record ChartBand(Severity Severity, int FromTotal, int ToTotal, double YTop, double YBottom);

/// <summary>
/// A horizontal reference line at a total (baseline, response threshold, remission threshold). Its label sits in the
/// gutter right of the plot (start at <see cref="LabelX"/>, baseline <see cref="LabelY"/>), level with its line unless
/// that would overlap another label — never on the data.
/// </summary>
public sealed record ChartLine(string Kind, double Total, double Y, string Label, double LabelY, double LabelX = 0);

/// <summary>An axis tick: its position and its label.</summary>
public sealed record ChartTick(double Position, string Label);

/// <summary>One line of text at a baseline point (<see cref="Anchor"/>: start, middle or end), in px.</summary>
public sealed record ChartTextLine(string Text, double X, double Y, string Anchor = "start", double Size = ChartText.LabelSize, bool Bold = false);

/// <summary>A legend entry (its kind: item9, remission, response, infusion), placed in the rows under the plot.</summary>
public sealed record ChartLegendEntry(string Kind, string Text, double X, double Y);

/// <summary>The estimated box of one drawn text (px, y down), for checks that no text is cut or overlaps another.</summary>
public sealed record ChartTextBox(string Kind, string Text, double Left, double Top, double Right, double Bottom)
{
    public bool Overlaps(ChartTextBox other) => Left < other.Right && other.Left < Right && Top < other.Bottom && other.Top < Bottom;
}

/// <summary>
/// The geometry of a patient's trend picture: total score (y, 0 at the bottom) against days since the first infusion
/// (x), in a <see cref="Width"/> × <see cref="Height"/> canvas. Pure: the SVG writer only draws what this says. Every
/// text is laid out by its estimated width (<see cref="ChartText"/>, an upper bound): titles and labels shorten or wrap
/// rather than be cut, tick labels thin out rather than overlap, and line labels stand beside the plot, not on data.
/// </summary>
public sealed record TrendChart(
    int Width, int Height, double PlotLeft, double PlotTop, double PlotRight, double PlotBottom,
    double DayFrom, double DayTo, int MaxTotal, string Title, IReadOnlyList<ChartTextLine> TitleLines,
    ChartTextLine XAxisLabel, string YAxisLabel,
    IReadOnlyList<ChartBand> Bands, IReadOnlyList<ChartLine> Lines, IReadOnlyList<ChartInfusion> Infusions,
    IReadOnlyList<ChartPoint> Points, IReadOnlyList<ChartTick> XTicks, IReadOnlyList<ChartTick> YTicks,
    IReadOnlyList<ChartLegendEntry> Legend)
{
    /// <summary>A marker per setback of the course, oldest first (every loss of response and relapse); empty while there is none.</summary>
    public IReadOnlyList<ChartSetback> Setbacks { get; init; } = [];

    public const int DefaultWidth = 600, DefaultHeight = 300;
    public const int MinWidth = 300, MaxWidth = 2400, MinHeight = 150, MaxHeight = 1200;

    /// <summary>Left margin: tick labels and the rotated axis label. Padding kept clear at every edge of the canvas.</summary>
    public const double MarginLeft = 48, Pad = 4;

    /// <summary>Vertical distance between two stacked 11 px labels' baselines.</summary>
    public const double LabelGap = 13;

    private const double TitleSize = 13, TitleLeading = 1.25, RowGap = 13;
    /// <summary>Baseline of the x tick labels below the plot's bottom; x of the rotated y-axis label's centre line.</summary>
    public const double XTickBaseline = 17, YAxisLabelX = 11;

    // The y-axis label, shortened (or left out) to fit the plot's height.
    private static readonly string[] YAxisLabels = ["Total score", "Score", ""];

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
        var name = definition.Name;
        var hasInfusions = timeline.Ordered.Count > 0;
        // Without infusions the days count from the first assessment, and the axis says so.
        var origin = timeline.FirstInfusionAt ?? (trend.Points.Count > 0 ? trend.Points[0].Assessment.CompletedAt : (DateTimeOffset?)null);
        double DayOf(DateTimeOffset t) => origin is { } o ? (t - o).TotalDays : 0;

        // Above the plot: the title (shortened, then wrapped, to fit), then the row of infusion numbers.
        var summary = TrendSummary.Describe(trend, timeline);
        var title = FullTitle(trend, name, summary);
        var titleLines = TitleLinesFor(trend, name, summary, title, width, height);
        var titleBottom = titleLines[^1].Y + ChartText.Descent * titleLines[^1].Size;
        var plotTop = Math.Ceiling(titleBottom + 3 + ChartText.Ascent * ChartText.LabelSize + 4);

        // Right of the plot: the reference lines' labels, short forms when the full ones would squeeze the plot.
        var lineLabels = LineLabels(trend, short_: false);
        if (width - MarginLeft - Gutter(lineLabels) < 0.6 * width) lineLabels = LineLabels(trend, short_: true);
        var plotRight = width - Gutter(lineLabels);

        // Under the plot: tick labels, then rows holding the x-axis label and the legend, flowed to the width.
        string[] xLabels = hasInfusions
            ? ["Days since first infusion", "Days since infusion 1", "Day"]
            : ["Days since first assessment (no infusions recorded)", "Days since first assessment (no infusions)", "Days since first assessment", "Days"];
        var xLabel = xLabels.First(l => ChartText.Width(l) <= width - 2 * Pad || l == xLabels[^1]);
        var legendTexts = LegendTexts(definition.Instrument, trend.Points.Count > 0, hasInfusions);
        var (rowOf, rows) = FlowRows([xLabel, .. legendTexts.Select(e => e.Text)], width - 2 * Pad);
        var lastRowBaseline0 = XTickBaseline + ChartText.Descent * ChartText.LabelSize + 3 + ChartText.Ascent * ChartText.LabelSize;
        var plotBottom = Math.Floor(height - Pad - ChartText.Descent * ChartText.LabelSize - lastRowBaseline0 - RowGap * (rows.Count - 1));

        var days = trend.Points.Select(p => DayOf(p.Assessment.CompletedAt)).Concat(timeline.Ordered.Select(i => DayOf(i.AdministeredAt))).ToArray();
        var (from, to, step) = DayRange(days.Length == 0 ? 0 : days.Min(), days.Length == 0 ? 0 : days.Max(), plotRight - MarginLeft);
        var yLabel = YAxisLabels.First(l => ChartText.Width(l) <= plotBottom - plotTop - 4);
        var shell = new TrendChart(width, height, MarginLeft, plotTop, plotRight, plotBottom, from, to,
            definition.MaxTotal, title, titleLines, new ChartTextLine(xLabel, 0, 0), yLabel, [], [], [], [], [], [], []);

        var bands = definition.Bands.Select((b, i) =>
        {
            var upper = i + 1 < definition.Bands.Count ? definition.Bands[i + 1].MinTotal : definition.MaxTotal;
            return new ChartBand(b.Severity, b.MinTotal, upper, shell.YOf(upper), shell.YOf(b.MinTotal));
        }).ToArray();

        var lines = lineLabels.Select(l => new ChartLine(l.Kind, l.Total, shell.YOf(l.Total), l.Label, 0, plotRight + LabelOffset)).ToList();
        var infusions = LabelInfusions(timeline.Ordered.Select((m, i) => new ChartInfusion(shell.XOf(DayOf(m.AdministeredAt)), DayOf(m.AdministeredAt), i + 1)).ToArray(), width);
        var points = trend.Points.Select(p =>
        {
            var day = DayOf(p.Assessment.CompletedAt);
            return new ChartPoint(shell.XOf(day), shell.YOf(p.Assessment.TotalScore), day, p.Assessment.TotalScore, p.IsBaseline,
                p.Flags?.Response ?? false, p.Flags?.Remission ?? false, item9Positive.Contains(p.Assessment.QuestionnaireId));
        }).ToArray();

        var xTicks = new List<ChartTick>();
        for (var d = from; d <= to + 1e-9; d += step) xTicks.Add(new ChartTick(shell.XOf(d), Format(d)));
        // Tick labels every 5 points while they have room (a label's height and a gap), else every 10.
        var yStep = (plotBottom - plotTop) * 5 / definition.MaxTotal >= ChartText.LabelSize + 2 ? 5 : 10;
        var yTicks = Enumerable.Range(0, definition.MaxTotal / yStep + 1)
            .Select(k => new ChartTick(shell.YOf(yStep * k), (yStep * k).ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();

        var rowBaseline = (int row) => plotBottom + lastRowBaseline0 + RowGap * row;
        var xAxisLabel = new ChartTextLine(xLabel, Pad + rows[rowOf[0]].Offsets[0], rowBaseline(rowOf[0]));
        var legend = legendTexts.Select((e, i) =>
        {
            var row = rowOf[i + 1];
            return new ChartLegendEntry(e.Kind, e.Text, Pad + rows[row].Offsets[rows[row].Items.IndexOf(i + 1)], rowBaseline(row));
        }).ToArray();
        return shell with
        {
            Bands = bands, Lines = PlaceLabels(lines, plotTop, plotBottom), Infusions = infusions, Points = points, XTicks = xTicks,
            YTicks = yTicks, XAxisLabel = xAxisLabel, Legend = legend,
            Setbacks = SetbackMarkers(shell, trend, DayOf),
        };
    }

    private static readonly string[] LossLabels = ["Loss of response", "Loss"], RelapseLabels = ["Relapse"];

    private static ChartSetback[] SetbackMarkers(TrendChart shell, Trend trend, Func<DateTimeOffset, double> dayOf)
    {
        var placed = new List<ChartSetback>();
        foreach (var s in trend.Setbacks())
        {
            var marker = SetbackMarker(shell, s.Kind, dayOf(s.Setback.CompletedAt), s.Setback.TotalScore);
            // Labels stay inside the plot, so only another setback's label can meet this one: then the ring goes unlabelled.
            var box = LabelBox(marker);
            placed.Add(placed.Any(p => p.Label is not null && LabelBox(p).Overlaps(box)) ? marker with { Label = null } : marker);
        }
        return [.. placed];
    }

    private static ChartTextBox LabelBox(ChartSetback m) => Box(m.Kind == WatchKind.Relapse ? "relapse-label" : "loss-of-response-label", m.Label ?? "", m.LabelX, m.LabelY, m.Anchor);

    // Below the point by a label's height, or above it when that would leave the plot; anchored to stay inside it.
    private static ChartSetback SetbackMarker(TrendChart shell, WatchKind kind, double day, int total)
    {
        var (x, y) = (shell.XOf(day), shell.YOf(total));
        var room = shell.PlotRight - shell.PlotLeft - 2 * Pad;
        var labels = kind == WatchKind.Relapse ? RelapseLabels : LossLabels;
        var label = labels.FirstOrDefault(l => ChartText.Width(l) <= room) ?? labels[^1];
        var width = ChartText.Width(label);
        var (labelX, anchor) = x - width / 2 < shell.PlotLeft + Pad ? (shell.PlotLeft + Pad, "start")
            : x + width / 2 > shell.PlotRight - Pad ? (shell.PlotRight - Pad, "end") : (x, "middle");
        var below = y + 8 + ChartText.Ascent * ChartText.LabelSize;
        var labelY = below + ChartText.Descent * ChartText.LabelSize <= shell.PlotBottom - 1 ? below
            : Math.Max(shell.PlotTop + ChartText.Ascent * ChartText.LabelSize + 1, y - 20);
        return new ChartSetback(kind, x, y, day, total, label, labelX, labelY, anchor);
    }

    /// <summary>The x axis, as <see cref="DayRange(double, double, double)"/> with room for ten ticks.</summary>
    public static (double From, double To, int Step) DayRange(double min, double max) => DayRange(min, max, double.PositiveInfinity);

    /// <summary>
    /// The x axis: from a multiple of the step at or below the earliest day (never after day 0) to one at or above the
    /// latest (at least one step past 0), with the smallest natural step giving at most ten ticks whose labels, each
    /// with a 6 px gap, fit in <paramref name="plotWidth"/> px.
    /// </summary>
    public static (double From, double To, int Step) DayRange(double min, double max, double plotWidth)
    {
        min = Math.Min(min, 0);
        max = Math.Max(max, 0);
        foreach (var step in DaySteps)
        {
            var from = Math.Floor(min / step) * step;
            var to = Math.Max(Math.Ceiling(max / step) * step, from + step);
            var ticks = (to - from) / step;
            var widest = Math.Max(ChartText.Width(Format(from)), ChartText.Width(Format(to)));
            if (ticks <= 10 && plotWidth / ticks >= widest + 6) return (from, to, step);
        }
        var last = DaySteps[^1];
        return (Math.Floor(min / last) * last, Math.Max(Math.Ceiling(max / last) * last, Math.Floor(min / last) * last + last), last);
    }

    /// <summary>Every text the SVG draws, with its estimated box: inside the canvas and pairwise apart at any allowed size.</summary>
    public IEnumerable<ChartTextBox> TextBoxes()
    {
        foreach (var t in TitleLines) yield return Box("title", t.Text, t.X, t.Y, t.Anchor, t.Size, t.Bold);
        foreach (var t in YTicks) yield return Box("y-tick", t.Label, PlotLeft - 6, t.Position + 4, "end");
        foreach (var t in XTicks) yield return Box("x-tick", t.Label, t.Position, PlotBottom + XTickBaseline, "middle");
        foreach (var i in Infusions.Where(i => i.Labelled)) yield return Box("infusion-label", Format(i.SessionNumber), i.X, PlotTop - 4, "middle");
        foreach (var l in Lines) yield return Box(l.Kind + "-label", l.Label, l.LabelX, l.LabelY, "start");
        yield return Box("x-axis-label", XAxisLabel.Text, XAxisLabel.X, XAxisLabel.Y, XAxisLabel.Anchor);
        foreach (var e in Legend) yield return Box("legend", e.Text, e.X, e.Y, "start");
        foreach (var m in Setbacks.Where(m => m.Label is not null)) yield return LabelBox(m);
        if (YAxisLabel.Length > 0)
        {
            // Rotated a quarter turn about (11, middle): its length runs up the page, its height across it.
            var half = ChartText.Width(YAxisLabel) / 2;
            var middle = (PlotTop + PlotBottom) / 2;
            yield return new ChartTextBox("y-axis-label", YAxisLabel, YAxisLabelX - ChartText.Ascent * ChartText.LabelSize, middle - half,
                YAxisLabelX + ChartText.Descent * ChartText.LabelSize, middle + half);
        }
    }

    private static ChartTextBox Box(string kind, string text, double x, double y, string anchor, double size = ChartText.LabelSize, bool bold = false)
    {
        var w = ChartText.Width(text, size, bold);
        var left = anchor switch { "middle" => x - w / 2, "end" => x - w, _ => x };
        return new ChartTextBox(kind, text, left, y - ChartText.Ascent * size, left + w, y + ChartText.Descent * size);
    }

    private static string Lower(string sentence) => sentence.Length == 0 ? sentence : char.ToLowerInvariant(sentence[0]) + sentence[1..];

    /// <summary>The full title (the SVG's accessible name): the course in words and its milestones.</summary>
    private static string FullTitle(Trend trend, string name, string summary)
    {
        // Nothing to chart: the summary alone ("No GAD-7 yet").
        if (trend.Points.Count == 0) return summary;
        var first = trend.FirstResponse?.DaysSinceFirstInfusion is { } d ? $", first response on day {d}" : "";
        var remission = trend.Relapse && trend.FirstRemission?.DaysSinceFirstInfusion is { } r ? $", first remission on day {r}" : "";
        return $"{name} total score — {Lower(summary)}{first}{remission}";
    }

    /// <summary>The longest form of the title that fits the width (two lines on a canvas tall enough, else one).</summary>
    private static ChartTextLine[] TitleLinesFor(Trend trend, string name, string summary, string full, int width, int height)
    {
        string[] forms = trend.Points.Count == 0 ? [full, name] : [full, $"{name} — {Lower(summary)}", name];
        var maxLines = height >= 200 ? 2 : 1;
        foreach (var size in new[] { TitleSize, ChartText.LabelSize })
        {
            foreach (var form in forms)
            {
                if (ChartText.Wrap(form, width - 2 * Pad, size, bold: true, maxLines) is not { } wrapped) continue;
                return wrapped.Select((text, i) => new ChartTextLine(text, Pad, Pad + ChartText.Ascent * size + i * size * TitleLeading, "start", size, Bold: true)).ToArray();
            }
        }
        return [new ChartTextLine(name, Pad, Pad + ChartText.Ascent * ChartText.LabelSize, "start", ChartText.LabelSize, Bold: true)];
    }

    private sealed record LineLabel(string Kind, double Total, string Label);

    private static List<LineLabel> LineLabels(Trend trend, bool short_)
    {
        var labels = new List<LineLabel>();
        if (trend.Baseline is { } baseline)
        {
            labels.Add(new LineLabel("baseline", baseline.TotalScore, $"{(short_ ? "base" : "baseline")} {baseline.TotalScore}"));
            var half = baseline.TotalScore / 2.0; // response: total ≤ 50 % of baseline
            labels.Add(new LineLabel("response", half, $"{(short_ ? "resp" : "response")} ≤ {Format(half)}"));
        }
        labels.Add(new LineLabel("remission", InstrumentDefinition.RemissionBelow, $"{(short_ ? "rem" : "remission")} < {InstrumentDefinition.RemissionBelow}"));
        return labels;
    }

    private static double Gutter(List<LineLabel> labels) => LabelOffset + labels.Max(l => ChartText.Width(l.Label)) + Pad;

    // Line labels start this far right of the plot: clear of a point (radius ≤ 6) or item-9 mark on its right edge.
    private const double LabelOffset = 8;

    private static (string Kind, string Text)[] LegendTexts(Instrument instrument, bool hasPoints, bool hasInfusions)
    {
        var entries = new List<(string, string)>();
        // Item 9 is PHQ-9's; GAD-7 has no such item.
        if (hasPoints && instrument == Instrument.Phq9) entries.Add(("item9", "▲ item 9 ≥ 1"));
        if (hasPoints) entries.AddRange([("remission", "● remission"), ("response", "● response")]);
        if (hasInfusions) entries.Add(("infusion", "¦ infusion"));
        return entries.ToArray();
    }

    private sealed record Row(List<int> Items, List<double> Offsets);

    /// <summary>Flows texts left to right into rows no wider than <paramref name="width"/>, 12 px apart; returns each text's row.</summary>
    private static (int[] RowOf, List<Row> Rows) FlowRows(string[] texts, double width)
    {
        var rows = new List<Row> { new([], []) };
        var rowOf = new int[texts.Length];
        var x = 0.0;
        for (var i = 0; i < texts.Length; i++)
        {
            var w = ChartText.Width(texts[i]);
            if (rows[^1].Items.Count > 0 && x + 12 + w > width)
            {
                rows.Add(new([], []));
                x = 0;
            }
            else if (rows[^1].Items.Count > 0)
            {
                x += 12;
            }
            rows[^1].Items.Add(i);
            rows[^1].Offsets.Add(x);
            rowOf[i] = rows.Count - 1;
            x += w;
        }
        return (rowOf, rows);
    }

    /// <summary>Session numbers above the plot, left to right, each only where it clears the one before (markers show every infusion).</summary>
    private static ChartInfusion[] LabelInfusions(ChartInfusion[] infusions, int width)
    {
        var lastRight = double.NegativeInfinity;
        for (var i = 0; i < infusions.Length; i++)
        {
            var half = ChartText.Width(Format(infusions[i].SessionNumber)) / 2;
            var fits = infusions[i].X - half >= Math.Max(lastRight + 3, Pad) && infusions[i].X + half <= width - Pad;
            infusions[i] = infusions[i] with { Labelled = fits };
            if (fits) lastRight = infusions[i].X + half;
        }
        return infusions;
    }

    /// <summary>
    /// Line labels level with their lines (centred on them), pushed apart where close totals would make them overlap, and
    /// kept between the plot's top and bottom.
    /// </summary>
    private static ChartLine[] PlaceLabels(List<ChartLine> lines, double plotTop, double plotBottom)
    {
        var placed = lines.OrderBy(l => l.Y).ToArray();
        var centre = (ChartText.Ascent - ChartText.Descent) / 2 * ChartText.LabelSize;
        var highest = plotTop + ChartText.Ascent * ChartText.LabelSize;
        var lowest = plotBottom - 2;
        for (var i = 0; i < placed.Length; i++)
        {
            var y = Math.Max(placed[i].Y + centre, highest);
            if (i > 0) y = Math.Max(y, placed[i - 1].LabelY + LabelGap);
            placed[i] = placed[i] with { LabelY = y };
        }
        for (var i = placed.Length - 1; i >= 0; i--)
        {
            var limit = i == placed.Length - 1 ? lowest : placed[i + 1].LabelY - LabelGap;
            if (placed[i].LabelY > limit) placed[i] = placed[i] with { LabelY = limit };
        }
        return placed;
    }

    private static string Format(double value) => value.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
}
