using KetamineOutcomes.Core.Instruments;

namespace KetamineOutcomes.Core.Research;

/// <summary>
/// Builds the research trajectory in one pass over patients (each added once), from the same trend rules the trend
/// endpoint uses (<see cref="ResearchCourse"/>): per patient, the last assessment in each bucket counts once.
/// Suppression is applied at the end.
/// </summary>
public sealed class TrajectoryAccumulator(Instrument instrument, TrajectoryGrouping grouping) : ICourseSink
{
    private sealed class Cell
    {
        public List<int> Totals { get; } = [];
        public int RateDenominator, Responses, Remissions;
    }

    private readonly Dictionary<BucketKey, Cell> _cells = [];

    /// <summary>The instrument the scores are of (the rules are the same for both; merging checks it matches).</summary>
    public Instrument Instrument { get; } = instrument;

    public TrajectoryGrouping Grouping { get; } = grouping;

    // One patient's, reused: Add runs once per patient of a full-cohort query.
    private readonly Dictionary<BucketKey, CoursePoint> _lastPerBucket = [];
    private readonly CourseBuffer _course = new();

    /// <inheritdoc />
    public void Add(ReadOnlySpan<long> infusionTicks, ReadOnlySpan<TimedScore> scores) => Add(_course.Evaluate(infusionTicks, scores, out _));

    public void Add(ResearchPatient patient)
    {
        var (infusions, scores) = ResearchCourse.InputsOf(patient);
        Add(infusions, scores);
    }

    private void Add(ReadOnlySpan<CoursePoint> points)
    {
        var lastPerBucket = _lastPerBucket;
        lastPerBucket.Clear();
        foreach (var point in points) // time order: the last write per bucket wins
        {
            if (BucketOf(point) is { } key) lastPerBucket[key] = point;
        }
        foreach (var (key, point) in lastPerBucket)
        {
            if (!_cells.TryGetValue(key, out var cell)) _cells[key] = cell = new Cell();
            cell.Totals.Add(point.TotalScore);
            // Rates count only evaluable patients' post-baseline assessments: exactly those with flags.
            if (point.HasFlags)
            {
                cell.RateDenominator++;
                if (point.Response || point.Remission) cell.Responses++;
                if (point.Remission) cell.Remissions++;
            }
        }
    }

    /// <summary>
    /// Adds what another accumulator over other patients of the same query gathered. Finish does not depend on the
    /// order patients were added in, so partitions of a cohort can be read in parallel and merged.
    /// </summary>
    public void Merge(TrajectoryAccumulator other)
    {
        if (other.Instrument != Instrument || other.Grouping != Grouping) throw new ArgumentException("Only accumulators of the same query merge.", nameof(other));
        foreach (var (key, theirs) in other._cells)
        {
            if (!_cells.TryGetValue(key, out var cell)) _cells[key] = cell = new Cell();
            cell.Totals.AddRange(theirs.Totals);
            cell.RateDenominator += theirs.RateDenominator;
            cell.Responses += theirs.Responses;
            cell.Remissions += theirs.Remissions;
        }
    }

    private BucketKey? BucketOf(in CoursePoint point) => Grouping switch
    {
        TrajectoryGrouping.Session => new BucketKey(point.SessionNumber),
        _ when point.IsBaseline => BucketKey.Baseline,
        _ when point.DaysSinceFirstInfusion is { } days => new BucketKey((int)Math.Floor(days / 7.0)),
        _ => null, // no infusion yet: no week to put it in
    };

    /// <summary>The buckets with at least one patient, suppressed per <see cref="SmallCells"/> with cell size <paramref name="k"/>.</summary>
    public IReadOnlyList<TrajectoryBucket> Finish(int k) => _cells.OrderBy(kv => kv.Key, BucketKey.Order).Select(kv =>
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
