using System.Globalization;
using System.Text;
using System.Xml;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Charts;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Trends;

namespace KetamineOutcomes.Api.Charts;

/// <summary>
/// Draws a <see cref="TrendChart"/> as SVG: presentation attributes only (no style element, no script), so it renders
/// the same as a file, an &lt;img&gt; or inline under a strict Content-Security-Policy, and scales from its viewBox.
/// Every mark carries <c>data-kind</c> (and its day and total) for tests and for tools that read the picture.
/// </summary>
internal static class TrendChartSvg
{
    public const string ContentType = "image/svg+xml; charset=utf-8";

    // Severity tints light enough that black text and the score line keep > 7:1 contrast on every band.
    private static readonly Dictionary<Severity, string> BandFill = new()
    {
        [Severity.Minimal] = "#e8f5e9",
        [Severity.Mild] = "#f9fbe7",
        [Severity.Moderate] = "#fff8e1",
        [Severity.ModeratelySevere] = "#fff3e0",
        [Severity.Severe] = "#ffebee",
    };

    private const string Ink = "#1a1a1a", Line = "#0d47a1", Baseline = "#424242", Response = "#1b5e20", Remission = "#00838f",
        Infusion = "#6a1b9a", Alert = "#b71c1c";

    public static string Write(TrendChart chart)
    {
        var text = new StringBuilder(8 * 1024);
        using (var w = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = true, Indent = false }))
        {
            w.WriteStartElement("svg", "http://www.w3.org/2000/svg");
            Attr(w, "width", chart.Width);
            Attr(w, "height", chart.Height);
            w.WriteAttributeString("viewBox", $"0 0 {chart.Width} {chart.Height}");
            w.WriteAttributeString("role", "img");
            w.WriteAttributeString("aria-labelledby", "chart-title chart-desc");
            w.WriteAttributeString("font-family", "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif");
            w.WriteAttributeString("font-size", "11");
            Element(w, "title", chart.Title, ("id", "chart-title"));
            Element(w, "desc", Description(chart), ("id", "chart-desc"));
            Rect(w, 0, 0, chart.Width, chart.Height, "#ffffff", "background");

            foreach (var b in chart.Bands)
            {
                Rect(w, chart.PlotLeft, b.YTop, chart.PlotRight - chart.PlotLeft, b.YBottom - b.YTop, BandFill[b.Severity], "band",
                    ("data-severity", WireNames.Of(b.Severity)), ("data-from", Num(b.FromTotal)), ("data-to", Num(b.ToTotal)));
            }
            foreach (var t in chart.YTicks)
            {
                LineEl(w, chart.PlotLeft - 4, t.Position, chart.PlotLeft, t.Position, Ink, "tick");
                TextEl(w, chart.PlotLeft - 6, t.Position + 4, t.Label, "end", Ink);
            }
            foreach (var t in chart.XTicks)
            {
                LineEl(w, t.Position, chart.PlotBottom, t.Position, chart.PlotBottom + 4, Ink, "tick");
                TextEl(w, t.Position, chart.PlotBottom + TrendChart.XTickBaseline, t.Label, "middle", Ink);
            }
            foreach (var i in chart.Infusions)
            {
                LineEl(w, i.X, chart.PlotTop, i.X, chart.PlotBottom, Infusion, "infusion", ("data-session", Num(i.SessionNumber)), ("data-day", Num(i.Day)),
                    ("stroke-dasharray", "2 3"));
                if (i.Labelled) TextEl(w, i.X, chart.PlotTop - 4, Num(i.SessionNumber), "middle", Infusion, ("data-kind", "infusion-label"));
            }
            foreach (var l in chart.Lines)
            {
                var color = l.Kind switch { "baseline" => Baseline, "response" => Response, _ => Remission };
                LineEl(w, chart.PlotLeft, l.Y, chart.PlotRight, l.Y, color, l.Kind, ("data-total", Num(l.Total)),
                    ("stroke-dasharray", l.Kind == "baseline" ? "6 3" : "3 3"));
                TextEl(w, l.LabelX, l.LabelY, l.Label, "start", color, ("data-kind", l.Kind + "-label"));
            }
            // Axes over the bands.
            LineEl(w, chart.PlotLeft, chart.PlotTop, chart.PlotLeft, chart.PlotBottom, Ink, "axis");
            LineEl(w, chart.PlotLeft, chart.PlotBottom, chart.PlotRight, chart.PlotBottom, Ink, "axis");

            if (chart.Points.Count > 1)
            {
                w.WriteStartElement("polyline");
                w.WriteAttributeString("data-kind", "score-line");
                w.WriteAttributeString("points", string.Join(" ", chart.Points.Select(p => $"{Num(p.X)},{Num(p.Y)}")));
                w.WriteAttributeString("fill", "none");
                w.WriteAttributeString("stroke", Line);
                w.WriteAttributeString("stroke-width", "2");
                w.WriteEndElement();
            }
            foreach (var p in chart.Points) Point(w, p);
            foreach (var setback in chart.Setbacks) SetbackMarker(w, setback);

            foreach (var t in chart.TitleLines)
            {
                Element(w, "text", t.Text, ("x", Num(t.X)), ("y", Num(t.Y)), ("font-size", Num(t.Size)), ("font-weight", t.Bold ? "600" : "400"),
                    ("fill", Ink), ("data-kind", "title"));
            }
            TextEl(w, chart.XAxisLabel.X, chart.XAxisLabel.Y, chart.XAxisLabel.Text, chart.XAxisLabel.Anchor, Ink, ("data-kind", "x-axis-label"));
            if (chart.YAxisLabel.Length > 0)
            {
                var middle = Num((chart.PlotTop + chart.PlotBottom) / 2);
                Element(w, "text", chart.YAxisLabel, ("x", "0"), ("y", "0"), ("text-anchor", "middle"), ("fill", Ink), ("data-kind", "y-axis-label"),
                    ("dominant-baseline", "auto"), ("transform", $"translate({Num(TrendChart.YAxisLabelX)} {middle}) rotate(-90)"));
            }
            Legend(w, chart);
            w.WriteEndElement();
        }
        return text.ToString();
    }

    private static void Point(XmlWriter w, ChartPoint p)
    {
        var kind = p.Remission ? "remission" : p.Response ? "response" : "none";
        w.WriteStartElement("circle");
        w.WriteAttributeString("data-kind", "point");
        w.WriteAttributeString("data-day", Num(p.Day));
        w.WriteAttributeString("data-total", Num(p.Total));
        w.WriteAttributeString("data-outcome", kind);
        if (p.IsBaseline) w.WriteAttributeString("data-baseline", "true");
        w.WriteAttributeString("cx", Num(p.X));
        w.WriteAttributeString("cy", Num(p.Y));
        w.WriteAttributeString("r", p.Remission ? "6" : p.Response ? "5" : "4");
        w.WriteAttributeString("fill", p.Remission ? Remission : p.Response ? Response : "#ffffff");
        w.WriteAttributeString("stroke", p.Remission || p.Response ? "#ffffff" : Line);
        w.WriteAttributeString("stroke-width", "2");
        Element(w, "title", $"day {Num(Math.Floor(p.Day))}: {p.Total}{(p.IsBaseline ? " (baseline)" : "")}{(kind == "none" ? "" : $", {kind}")}{(p.Item9Positive ? ", item 9 ≥ 1" : "")}");
        w.WriteEndElement();
        if (!p.Item9Positive) return;
        // A red warning triangle above the point: thoughts of death or self-harm were reported.
        w.WriteStartElement("path");
        w.WriteAttributeString("data-kind", "item9");
        w.WriteAttributeString("data-day", Num(p.Day));
        w.WriteAttributeString("d", $"M{Num(p.X)},{Num(p.Y - 17)} l6,10 h-12 z");
        w.WriteAttributeString("fill", Alert);
        Element(w, "title", $"day {Num(Math.Floor(p.Day))}: PHQ-9 item 9 answered ≥ 1 (thoughts of death or self-harm)");
        w.WriteEndElement();
    }

    // A ring around a setback's point and its label (TrendChart places both): one ring for a loss of response, two
    // (a ring within a ring) for a relapse, so the kinds differ without colour and without the label.
    private static void SetbackMarker(XmlWriter w, ChartSetback m)
    {
        var (kind, what) = m.Kind == WatchKind.Relapse
            ? ("relapse", "relapse (10 or more after a remission)")
            : ("loss-of-response", "loss of response (above 50 % of baseline after a response)");
        w.WriteStartElement("circle");
        w.WriteAttributeString("data-kind", kind);
        w.WriteAttributeString("data-day", Num(m.Day));
        w.WriteAttributeString("data-total", Num(m.Total));
        Ring(w, m, 9);
        Element(w, "title", $"day {Num(Math.Floor(m.Day))}: {m.Total}, {what}");
        w.WriteEndElement();
        if (m.Kind == WatchKind.Relapse)
        {
            w.WriteStartElement("circle");
            w.WriteAttributeString("data-kind", "relapse-outer-ring");
            w.WriteAttributeString("aria-hidden", "true");
            Ring(w, m, 12);
            w.WriteEndElement();
        }
        if (m.Label is not null) TextEl(w, m.LabelX, m.LabelY, m.Label, m.Anchor, Alert, ("data-kind", kind + "-label"));
    }

    private static void Ring(XmlWriter w, ChartSetback m, double radius)
    {
        w.WriteAttributeString("cx", Num(m.X));
        w.WriteAttributeString("cy", Num(m.Y));
        w.WriteAttributeString("r", Num(radius));
        w.WriteAttributeString("fill", "none");
        w.WriteAttributeString("stroke", Alert);
        w.WriteAttributeString("stroke-width", "2");
    }

    private static void Legend(XmlWriter w, TrendChart chart)
    {
        foreach (var e in chart.Legend)
        {
            var color = e.Kind switch { "item9" => Alert, "remission" => Remission, "response" => Response, _ => Infusion };
            TextEl(w, e.X, e.Y, e.Text, "start", color, ("data-kind", "legend"), ("data-legend", e.Kind));
        }
    }

    private static string Description(TrendChart chart)
    {
        var text = new StringBuilder();
        // In full, whatever the drawn labels were shortened to.
        var days = chart.Infusions.Count > 0 ? "days since first infusion" : "days since first assessment (no infusions recorded)";
        text.Append(CultureInfo.InvariantCulture, $"Total score (0–{chart.MaxTotal}) against {days}; ");
        text.Append(CultureInfo.InvariantCulture, $"{Count(chart.Points.Count, "assessment")}, {Count(chart.Infusions.Count, "infusion")}");
        foreach (var l in chart.Lines.OrderBy(l => l.Kind switch { "baseline" => 0, "response" => 1, _ => 2 }))
            text.Append("; ").Append(l.Kind).Append(l.Kind switch { "baseline" => " ", "response" => " ≤ ", _ => " < " }).Append(Num(l.Total));
        var item9 = chart.Points.Count(p => p.Item9Positive);
        if (item9 > 0) text.Append(CultureInfo.InvariantCulture, $"; item 9 ≥ 1 on {Count(item9, "assessment")}");
        return text.Append('.').ToString();
    }

    private static string Count(int n, string noun) => string.Create(CultureInfo.InvariantCulture, $"{n} {noun}{(n == 1 ? "" : "s")}");

    private static void Rect(XmlWriter w, double x, double y, double width, double height, string fill, string kind, params (string, string)[] extra) =>
        Mark(w, "rect", kind, extra, ("x", Num(x)), ("y", Num(y)), ("width", Num(width)), ("height", Num(height)), ("fill", fill));

    private static void LineEl(XmlWriter w, double x1, double y1, double x2, double y2, string stroke, string kind, params (string, string)[] extra) =>
        Mark(w, "line", kind, extra, ("x1", Num(x1)), ("y1", Num(y1)), ("x2", Num(x2)), ("y2", Num(y2)), ("stroke", stroke),
            ("stroke-width", kind is "tick" or "axis" ? "1" : "1.5"));

    // An empty element: its kind, what the caller adds, then its geometry.
    private static void Mark(XmlWriter w, string element, string kind, (string, string)[] extra, params (string, string)[] geometry)
    {
        w.WriteStartElement(element);
        w.WriteAttributeString("data-kind", kind);
        foreach (var (name, value) in extra.Concat(geometry)) w.WriteAttributeString(name, value);
        w.WriteEndElement();
    }

    private static void TextEl(XmlWriter w, double x, double y, string text, string anchor, string fill, params (string, string)[] extra) =>
        Element(w, "text", text, [("x", Num(x)), ("y", Num(y)), ("text-anchor", anchor), ("fill", fill), .. extra]);

    private static void Element(XmlWriter w, string name, string text, params (string, string)[] attributes)
    {
        w.WriteStartElement(name);
        foreach (var (attribute, value) in attributes) w.WriteAttributeString(attribute, value);
        w.WriteString(text);
        w.WriteEndElement();
    }

    private static void Attr(XmlWriter w, string name, int value) => w.WriteAttributeString(name, value.ToString(CultureInfo.InvariantCulture));

    private static string Num(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);
}
