using System.Globalization;
using System.Text.RegularExpressions;

namespace KetamineOutcomes.Benchmarks;

/// <summary>
/// The unflushed window of deferred read audit rows (issue 24) over one run, from the service's own metrics: how many
/// rows became durable, the p99 of their hand-over-to-durable lag (interpolated inside the histogram bucket that holds
/// it, so good to about a bucket's width: 0.5–5 ms below 25 ms) and the longest lag (exact: the service's max gauge,
/// which each scrape resets).
/// </summary>
internal sealed partial record DeferredWindow(double Rows, double P99Ms, double P99BucketMs, double MaxMs)
{
    private const string Lag = "ketamine_outcomes_audit_deferred_flush_lag_seconds";

    /// <summary>One scrape's cumulative lag histogram (upper bound in seconds → rows at or below it) and its max gauge.</summary>
    internal sealed record Scrape(SortedDictionary<double, double> Buckets, double MaxSeconds, double Lost, double FellBack);

    public static async Task<Scrape> ScrapeAsync(HttpClient http, Uri metrics)
    {
        var text = await http.GetStringAsync(metrics);
        var buckets = new SortedDictionary<double, double>();
        double max = 0, lost = 0, fellBack = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(Lag + "_bucket{", StringComparison.Ordinal) && Le().Match(line) is { Success: true } m)
                buckets[m.Groups[1].Value == "+Inf" ? double.PositiveInfinity : double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] = Value(line);
            else if (line.StartsWith("ketamine_outcomes_audit_deferred_flush_lag_max_seconds", StringComparison.Ordinal)) max = Value(line);
            else if (line.StartsWith("ketamine_outcomes_audit_deferred_lost_total", StringComparison.Ordinal)) lost = Value(line);
            else if (line.StartsWith("ketamine_outcomes_audit_deferred_fell_back_total", StringComparison.Ordinal)) fellBack = Value(line);
        }
        return new Scrape(buckets, max, lost, fellBack);
    }

    /// <summary>The window between two scrapes of the same service (the second's max covers exactly that span).</summary>
    public static DeferredWindow Between(Scrape before, Scrape after)
    {
        var bounds = after.Buckets.Keys.ToArray();
        var cumulative = bounds.Select(b => after.Buckets[b] - before.Buckets.GetValueOrDefault(b)).ToArray();
        var rows = cumulative.Length == 0 ? 0 : cumulative[^1];
        double p99 = double.NaN, bucket = double.NaN;
        if (rows > 0)
        {
            var rank = 0.99 * rows;
            for (var i = 0; i < bounds.Length; i++)
            {
                if (cumulative[i] < rank) continue;
                var lower = i == 0 ? 0 : bounds[i - 1];
                var below = i == 0 ? 0 : cumulative[i - 1];
                // The exact max of the same span caps the bucket: a p99 is never above the longest lag.
                var upper = Math.Max(lower, Math.Min(bounds[i], after.MaxSeconds));
                p99 = lower + (upper - lower) * (rank - below) / Math.Max(1, cumulative[i] - below);
                bucket = bounds[i];
                break;
            }
        }
        return new DeferredWindow(rows, p99 * 1000, bucket * 1000, after.MaxSeconds * 1000);
    }

    // "name{labels} value [timestamp]" or "name value [timestamp]".
    private static double Value(string line)
    {
        var rest = line.Contains('}', StringComparison.Ordinal) ? line[(line.LastIndexOf('}') + 1)..] : line[line.IndexOf(' ', StringComparison.Ordinal)..];
        var value = rest.Trim().Split(' ')[0];
        return value == "+Inf" ? double.PositiveInfinity : double.Parse(value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex("le=\"([^\"]+)\"")]
    private static partial Regex Le();
}
