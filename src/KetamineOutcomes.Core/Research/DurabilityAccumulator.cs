using KetamineOutcomes.Core.Instruments;

namespace KetamineOutcomes.Core.Research;

/// <summary>
/// The published response-durability estimate (SPEC "Response durability"). Suppressed (every figure null) when
/// 1 to k−1 patients responded; the curve holds only the event days with at least k at risk; the median and each of its
/// limits only when it falls on or before the curve's last day (SPEC small cells: no figure from which a count under k
/// can be derived — a median beyond the curve is a fact about fewer than k patients).
/// </summary>
/// <param name="N">Responders in the estimate (0 or ≥ k).</param>
/// <param name="MedianDays">Kaplan–Meier median in days; null when the curve never reaches 0.5, or withheld (<paramref name="MedianSuppressed"/>).</param>
/// <param name="MedianSuppressed">
/// True when the median or a limit exists but lies after the last published curve day (or no day is published), and is
/// therefore null; false otherwise; null when the whole estimate is suppressed.
/// </param>
/// <param name="Curve">Event days while at least k are at risk; null when suppressed.</param>
public sealed record DurabilityEstimate(
    bool Suppressed, int? N, double? MedianDays, double? MedianCi95Low, double? MedianCi95High, IReadOnlyList<SurvivalStep>? Curve,
    bool? MedianSuppressed = null);

/// <summary>
/// Days from first response to loss of response across a cohort, censored at the latest assessment while the
/// response holds: each responder's <see cref="CourseOutcome.ResponseDurationDays"/> and
/// <see cref="CourseOutcome.ResponseLost"/>, the trend's <c>responseDurationDays</c> and <c>lossOfResponse</c>.
/// </summary>
public sealed class DurabilityAccumulator(Instrument instrument) : ICourseSink
{
    /// <summary>The instrument the scores are of; merging checks it matches.</summary>
    public Instrument Instrument { get; } = instrument;

    private readonly List<SurvivalTime> _times = [];
    private readonly CourseBuffer _course = new(); // one patient's, reused

    /// <summary>Every responder's time so far, in arrival order (the estimate does not depend on it).</summary>
    public IReadOnlyList<SurvivalTime> Times => _times;

    /// <inheritdoc />
    public void Add(ReadOnlySpan<long> infusionTicks, ReadOnlySpan<TimedScore> scores)
    {
        _course.Evaluate(infusionTicks, scores, out var outcome);
        Add(outcome);
    }

    /// <summary>One patient's evaluated course (the summary evaluates each course once for all its figures).</summary>
    internal void Add(in CourseOutcome outcome)
    {
        if (outcome.ResponseDurationDays is { } days) _times.Add(new SurvivalTime(days, outcome.ResponseLost));
    }

    public void Add(ResearchPatient patient)
    {
        var (infusions, scores) = ResearchCourse.InputsOf(patient);
        Add(infusions, scores);
    }

    /// <summary>Adds another accumulator's patients (other patients of the same query).</summary>
    public void Merge(DurabilityAccumulator other)
    {
        if (other.Instrument != Instrument) throw new ArgumentException("Only accumulators of the same query merge.", nameof(other));
        _times.AddRange(other._times);
    }

    public DurabilityEstimate Finish(int k)
    {
        if (_times.Count == 0) return new DurabilityEstimate(false, 0, null, null, null, [], false);
        if (!SmallCells.Publishable(_times.Count, k)) return new DurabilityEstimate(true, null, null, null, null, null);
        var estimate = KaplanMeier.Estimate(_times);
        // At-risk counts only fall, so the curve ends before the first day with fewer than k at risk.
        var curve = estimate.Steps.TakeWhile(s => s.AtRisk >= k).ToArray();
        var (median, low, high) = (OnCurve(estimate.Median, curve), OnCurve(estimate.MedianCi95Low, curve), OnCurve(estimate.MedianCi95High, curve));
        var withheld = median != estimate.Median || low != estimate.MedianCi95Low || high != estimate.MedianCi95High;
        return new DurabilityEstimate(false, estimate.N, median, low, high, curve, withheld);
    }

    /// <summary>
    /// A median (or limit) read off the published curve: kept when it is on or before the curve's last day, so it follows
    /// from published rows; beyond it (a later day, or a midpoint to an unpublished event day) it would tell about the
    /// fewer than k still at risk there — e.g. k = 5, times 5, 7+, 10, 10, 14+: the curve is day 5 only and the median 10
    /// is withheld.
    /// </summary>
    private static double? OnCurve(double? day, SurvivalStep[] curve) => day is { } d && curve.Length > 0 && d <= curve[^1].Day ? d : null;
}
