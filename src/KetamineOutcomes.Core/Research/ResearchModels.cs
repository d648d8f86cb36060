using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Core.Trends;

namespace KetamineOutcomes.Core.Research;

/// <summary>One consenting patient's data for one instrument, as research needs it (no identifiers).</summary>
public sealed record ResearchPatient(InfusionTimeline Timeline, IReadOnlyList<ScoredAssessment> Assessments);

public enum TrajectoryGrouping { Session, Week }

/// <summary>A trajectory bucket: a session number, a week number, or the baseline (<see cref="Number"/> null).</summary>
public readonly record struct BucketKey(int? Number)
{
    public static readonly BucketKey Baseline = new(null);

    public bool IsBaseline => Number is null;

    /// <summary>The baseline first, then numbers ascending.</summary>
    public static IComparer<BucketKey> Order { get; } = Comparer<BucketKey>.Create((a, b) => (a.Number, b.Number) switch
    {
        (null, null) => 0,
        (null, _) => -1,
        (_, null) => 1,
        var (x, y) => x!.Value.CompareTo(y!.Value),
    });
}

/// <summary>A published bucket. When <see cref="Suppressed"/>, every statistic is null.</summary>
public sealed record TrajectoryBucket(
    BucketKey Bucket, bool Suppressed, int? N, double? Mean, double? Sd, double? Ci95Low, double? Ci95High,
    double? ResponseRate, double? RemissionRate, bool RateSuppressed);

/// <summary>Response and remission among evaluable patients at one point of the course.</summary>
public sealed record OutcomeRates(double? ResponseRate, double? RemissionRate, bool RateSuppressed);

/// <summary>The cohort summary; when <see cref="Suppressed"/>, every statistic is null.</summary>
/// <param name="MedianResponseDurationDays">
/// The durability estimate's median (<see cref="DurabilityAccumulator.Finish"/>, the one rule): null when the estimate is
/// suppressed, when the median lies after the last published curve day, or when the curve never reaches 0.5.
/// </param>
public sealed record ResearchSummary(
    bool Suppressed, int? CohortN, int? EvaluableN, double? MeanBaseline, OutcomeRates? Latest,
    double? MedianDaysToFirstResponse, OutcomeRates? AfterSession1, OutcomeRates? AfterSession6,
    double? MedianResponseDurationDays = null);
