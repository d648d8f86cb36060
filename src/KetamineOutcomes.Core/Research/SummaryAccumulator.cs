using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Trends;

namespace KetamineOutcomes.Core.Research;

/// <summary>
/// The cohort summary in one pass: cohort and evaluable counts, mean baseline, response/remission at each evaluable
/// patient's latest post-baseline assessment and after sessions 1 and 6, and the median day of first response.
/// </summary>
public sealed class SummaryAccumulator(Instrument instrument)
{
    private sealed class RateCount
    {
        public int Denominator, Responses, Remissions;

        public void Add(OutcomeFlags f)
        {
            Denominator++;
            if (f.Response || f.Remission) Responses++; // remitters count as responders
            if (f.Remission) Remissions++;
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

    public void Add(ResearchPatient patient)
    {
        if (patient.Assessments.Count == 0) return;
        _cohort++;
        var trend = TrendCalculator.Compute(instrument, patient.Timeline, patient.Assessments);
        if (!trend.Evaluable) return;
        _evaluable++;
        _baselines.Add(trend.Baseline!.TotalScore);
        var post = trend.Points.Where(p => p.Flags is not null).ToArray();
        if (post.Length > 0) _latest.Add(post[^1].Flags!);
        if (post.LastOrDefault(p => p.Timepoint.SessionNumber == 1) is { } s1) _session1.Add(s1.Flags!);
        if (post.LastOrDefault(p => p.Timepoint.SessionNumber == 6) is { } s6) _session6.Add(s6.Flags!);
        if (trend.FirstResponse?.DaysSinceFirstInfusion is { } days) _daysToFirstResponse.Add(days);
    }

    /// <summary>Adds another accumulator's patients (other patients of the same query); Finish is order-independent.</summary>
    public void Merge(SummaryAccumulator other)
    {
        (_cohort, _evaluable) = (_cohort + other._cohort, _evaluable + other._evaluable);
        _baselines.AddRange(other._baselines);
        _daysToFirstResponse.AddRange(other._daysToFirstResponse);
        _latest.Merge(other._latest);
        _session1.Merge(other._session1);
        _session6.Merge(other._session6);
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
            _session1.Finish(k), _session6.Finish(k));
    }

    private static double Median(List<int> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
    }
}
