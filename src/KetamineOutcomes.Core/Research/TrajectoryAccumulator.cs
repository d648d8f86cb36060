using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Trends;

namespace KetamineOutcomes.Core.Research;

/// <summary>
/// Builds the research trajectory in one pass over patients (each added once), from the same trend rules the trend
/// endpoint uses: per patient, the last assessment in each bucket counts once. Suppression is applied at the end.
/// </summary>
public sealed class TrajectoryAccumulator(Instrument instrument, TrajectoryGrouping grouping)
{
    private sealed class Cell
    {
        public List<int> Totals { get; } = [];
        public int RateDenominator, Responses, Remissions;
    }

    private readonly SortedDictionary<BucketKey, Cell> _cells = new(BucketKey.Order);
    private readonly Dictionary<BucketKey, TrendPoint> _lastPerBucket = []; // one patient's, reused: Add runs once per patient

    public void Add(ResearchPatient patient)
    {
        var trend = TrendCalculator.Compute(instrument, patient.Timeline, patient.Assessments);
        var lastPerBucket = _lastPerBucket;
        lastPerBucket.Clear();
        foreach (var point in trend.Points) // time order: the last write per bucket wins
        {
            if (BucketOf(point) is { } key) lastPerBucket[key] = point;
        }
        foreach (var (key, point) in lastPerBucket)
        {
            if (!_cells.TryGetValue(key, out var cell)) _cells[key] = cell = new Cell();
            cell.Totals.Add(point.Assessment.TotalScore);
            // Rates count only evaluable patients' post-baseline assessments: exactly those with flags.
            if (point.Flags is { } f)
            {
                cell.RateDenominator++;
                if (f.Response || f.Remission) cell.Responses++;
                if (f.Remission) cell.Remissions++;
            }
        }
    }

    /// <summary>
    /// Adds what another accumulator over other patients of the same query gathered. Finish does not depend on the
    /// order patients were added in, so partitions of a cohort can be read in parallel and merged.
    /// </summary>
    public void Merge(TrajectoryAccumulator other)
    {
        foreach (var (key, theirs) in other._cells)
        {
            if (!_cells.TryGetValue(key, out var cell)) _cells[key] = cell = new Cell();
            cell.Totals.AddRange(theirs.Totals);
            cell.RateDenominator += theirs.RateDenominator;
            cell.Responses += theirs.Responses;
            cell.Remissions += theirs.Remissions;
        }
    }

    private BucketKey? BucketOf(TrendPoint point) => grouping switch
    {
        TrajectoryGrouping.Session => new BucketKey(point.Timepoint.SessionNumber),
        _ when point.IsBaseline => BucketKey.Baseline,
        _ when point.Timepoint.DaysSinceFirstInfusion is { } days => new BucketKey((int)Math.Floor(days / 7.0)),
        _ => null, // no infusion yet: no week to put it in
    };

    /// <summary>The buckets with at least one patient, suppressed per <see cref="SmallCells"/> with cell size <paramref name="k"/>.</summary>
    public IReadOnlyList<TrajectoryBucket> Finish(int k) => _cells.Select(kv =>
    {
        var (key, cell) = (kv.Key, kv.Value);
        var n = cell.Totals.Count;
        if (!SmallCells.Publishable(n, k)) return new TrajectoryBucket(key, true, null, null, null, null, null, null, null, false);
        var d = Description.Of(cell.Totals);
        var response = SmallCells.Rate(cell.Responses, cell.RateDenominator, k);
        var remission = SmallCells.Rate(cell.Remissions, cell.RateDenominator, k);
        return new TrajectoryBucket(key, false, n, d.Mean, d.Sd, d.Ci95Low, d.Ci95High, response.Rate, remission.Rate,
            response.Suppressed || remission.Suppressed);
    }).ToArray();
}
