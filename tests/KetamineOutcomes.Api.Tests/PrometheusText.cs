using System.Globalization;
using System.Text.RegularExpressions;

namespace KetamineOutcomes.Api.Tests;

/// <summary>The samples of a Prometheus text exposition (format 0.0.4): name, labels, value; comments skipped.</summary>
internal sealed partial class PrometheusText
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    private PrometheusText(string text, IReadOnlyList<Sample> samples) => (Text, Samples) = (text, samples);

    public string Text { get; }
    public IReadOnlyList<Sample> Samples { get; }

    public static PrometheusText Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var m = SampleLine().Match(line);
            Assert.True(m.Success, $"not a sample line: {line}");
            var labels = LabelPair().Matches(m.Groups["labels"].Value).ToDictionary(l => l.Groups[1].Value, l => l.Groups[2].Value);
            var raw = m.Groups["value"].Value;
            var value = raw switch { "+Inf" => double.PositiveInfinity, "-Inf" => double.NegativeInfinity, "NaN" => double.NaN, _ => double.Parse(raw, CultureInfo.InvariantCulture) };
            samples.Add(new Sample(m.Groups["name"].Value, labels, value));
        }
        return new PrometheusText(text, samples);
    }

    /// <summary>The samples of one series name whose labels include every given pair.</summary>
    public IEnumerable<Sample> Of(string name, params (string Label, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value));

    /// <summary>The value of the one sample of <paramref name="name"/> with these labels (fails when there is not exactly one).</summary>
    public double Single(string name, params (string Label, string Value)[] labels) => Assert.Single(Of(name, labels)).Value;

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( \d+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?""")]
    private static partial Regex LabelPair();
}
