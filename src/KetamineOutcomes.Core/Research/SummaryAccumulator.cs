using KetamineOutcomes.Core.Instruments;

namespace KetamineOutcomes.Core.Research;

/// <summary>
/// The cohort summary in one pass: cohort and evaluable counts, mean baseline, response/remission at each evaluable
/// patient's latest post-baseline assessment and after sessions 1 and 6, the median day of first response, and the
/// median response duration of <see cref="DurabilityAccumulator"/>.
/// </summary>
public sealed class SummaryAccumulator(Instrument instrument) : ICourseSink
{
    /// <summary>The instrument the scores are of (the rules are the same for both; merging checks it matches).</summary>
    public Instrument Instrument { get; } = instrument;

    private sealed class RateCount
    {
        public int Denominator, Responses, Remissions;

        public void Add(in CoursePoint p)
        {
            Denominator++;
            if (p.Response || p.Remission) Responses++; // remitters count as responders
            if (p.Remission) Remissions++;
        }

        public void Merge(RateCount other) =>
            (Denominator, Responses, Remissions) = (Denominator + other.Denominator, Responses + other.Responses, Remissions + other.Remissions);

        public OutcomeRates Finish(int k)
        {
            var response = SmallCells.Rate(Responses, Denominator, k);
            var remission = SmallCells.Rate(Remissions, Denominator, k);
            return new OutcomeRates(response.Rate, remission.Rate, response.Suppressed || remission.Suppressed);
        }
    }

    private int _cohort, _evaluable;
    private readonly List<int> _baselines = [];
    private readonly List<int> _daysToFirstResponse = [];
    private readonly RateCount _latest = new(), _session1 = new(), _session6 = new();
    private readonly DurabilityAccumulator _durability = new(instrument);

    private readonly CourseBuffer _course = new(); // one patient's, reused

    /// <inheritdoc />
    public void Add(ReadOnlySpan<long> infusionTicks, ReadOnlySpan<TimedScore> scores)
    {
        var points = _course.Evaluate(infusionTicks, scores, out var outcome);
        Add(outcome, points);
    }

    public void Add(ResearchPatient patient)
    {
        var (infusions, scores) = ResearchCourse.InputsOf(patient);
        Add(infusions, scores);
    }

    private void Add(CourseOutcome outcome, ReadOnlySpan<CoursePoint> points)
    {
        if (points.Length == 0) return;
        _cohort++;
        if (!outcome.Evaluable) return;
        _evaluable++;
        _baselines.Add(outcome.BaselineTotal!.Value);
        int latest = -1, session1 = -1, session6 = -1; // the last flagged (post-baseline) point of each kind
        for (var i = 0; i < points.Length; i++)
        {
            if (!points[i].HasFlags) continue;
            latest = i;
            if (points[i].SessionNumber == 1) session1 = i;
            if (points[i].SessionNumber == 6) session6 = i;
        }
        if (latest >= 0) _latest.Add(points[latest]);
        if (session1 >= 0) _session1.Add(points[session1]);
        if (session6 >= 0) _session6.Add(points[session6]);
        if (outcome.FirstResponseDay is { } days) _daysToFirstResponse.Add(days);
        _durability.Add(outcome);
    }

    /// <summary>Adds another accumulator's patients (other patients of the same query); Finish is order-independent.</summary>
    public void Merge(SummaryAccumulator other)
    {
        if (other.Instrument != Instrument) throw new ArgumentException("Only accumulators of the same query merge.", nameof(other));
        (_cohort, _evaluable) = (_cohort + other._cohort, _evaluable + other._evaluable);
        _baselines.AddRange(other._baselines);
        _daysToFirstResponse.AddRange(other._daysToFirstResponse);
        _latest.Merge(other._latest);
        _session1.Merge(other._session1);
        _session6.Merge(other._session6);
        _durability.Merge(other._durability);
    }

    public ResearchSummary Finish(int k)
    {
        if (_cohort == 0 || !SmallCells.Publishable(_cohort, k))
            return new ResearchSummary(_cohort != 0, _cohort == 0 ? 0 : null, null, null, null, null, null, null);
        // The evaluable count is shown only when it and the non-evaluable rest are each 0 or ≥ k.
        var evaluableShown = SmallCells.Publishable(_evaluable, k) && SmallCells.Publishable(_cohort - _evaluable, k);
        var groupLarge = _evaluable >= k;
        return new ResearchSummary(
            false, _cohort, evaluableShown ? _evaluable : null,
            groupLarge ? Math.Round(_baselines.Average(), 2, MidpointRounding.AwayFromZero) : null,
            _latest.Finish(k),
            _daysToFirstResponse.Count >= k ? Median(_daysToFirstResponse) : null,
            _session1.Finish(k), _session6.Finish(k),
            _durability.Finish(k).MedianDays);
    }

    private static double Median(List<int> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
    }
}
