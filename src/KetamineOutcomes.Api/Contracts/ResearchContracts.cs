using KetamineOutcomes.Core.Instruments;

namespace KetamineOutcomes.Api.Contracts;

/// <summary>One trajectory bucket. A suppressed bucket carries only <c>bucket</c> and <c>suppressed</c>.</summary>
/// <param name="Bucket">Session number or week number (integer; negative weeks before the first infusion), or "baseline".</param>
/// <param name="N">Patients in the bucket (each counted once, with their last assessment in it); never 1 to k−1.</param>
/// <param name="Sd">Sample standard deviation.</param>
/// <param name="Ci95Low">mean − t(0.975, n−1) × sd / √n.</param>
/// <param name="ResponseRate">Fraction (0–1) of the bucket's evaluable patients' post-baseline assessments meeting response; null when suppressed or when there is none.</param>
/// <param name="RateSuppressed">True when a rate was withheld because its numerator or complement is 1 to k−1.</param>
public sealed record TrajectoryBucketResponse(
    object Bucket, bool Suppressed, int? N, double? Mean, double? Sd, double? Ci95Low, double? Ci95High,
    double? ResponseRate, double? RemissionRate, bool? RateSuppressed);

/// <summary>Anonymised trajectory of one instrument across the consenting cohort.</summary>
/// <param name="By">"session" or "week".</param>
/// <param name="MinCellSize">k: the smallest count published (Research:MinCellSize).</param>
public sealed record TrajectoryResponse(Instrument Instrument, string By, int MinCellSize, IReadOnlyList<TrajectoryBucketResponse> Buckets);

/// <summary>Response and remission among evaluable patients; each rate null when withheld (then rateSuppressed) or when there is no one to rate.</summary>
public sealed record OutcomeRatesResponse(double? ResponseRate, double? RemissionRate, bool RateSuppressed);

/// <summary>Cohort summary. A suppressed summary carries only <c>instrument</c>, <c>minCellSize</c> and <c>suppressed</c>.</summary>
/// <param name="CohortN">Consenting patients matching the filters with at least one assessment of the instrument.</param>
/// <param name="EvaluableN">Those with a baseline ≥ 10; null when it or the non-evaluable rest is 1 to k−1.</param>
/// <param name="MeanBaseline">Mean baseline total of evaluable patients (at least k of them).</param>
/// <param name="ResponseRate">At each evaluable patient's latest post-baseline assessment (remitters count as responders).</param>
/// <param name="MedianDaysToFirstResponse">Median day of first response among responders (at least k of them).</param>
/// <param name="AfterSession1">At each evaluable patient's last assessment after infusion 1.</param>
/// <param name="AfterSession6">After infusion 6, the end of a standard induction course.</param>
/// <param name="AdherenceRate">
/// SPEC v2, Measurement plans: of the instrument's plan occurrences of every consenting patient matching the filters
/// (also those who never answered), completed in window / due — an occurrence is due once its window has closed or it
/// is completed, as in <c>GET /patients/{id}/adherence</c>; entered-in-error assessments complete nothing. Each patient
/// under its site's plan versions. Null with <c>adherenceRateSuppressed</c> unless at least k patients had an
/// occurrence due and those with a completed one and those with a missed one are each 0 or ≥ k; null without it when
/// nothing was due.
/// </param>
public sealed record ResearchSummaryResponse(
    Instrument Instrument, int MinCellSize, bool Suppressed, int? CohortN, int? EvaluableN, double? MeanBaseline,
    double? ResponseRate, double? RemissionRate, bool? RateSuppressed, double? MedianDaysToFirstResponse,
    OutcomeRatesResponse? AfterSession1, OutcomeRatesResponse? AfterSession6, double? AdherenceRate, bool? AdherenceRateSuppressed);
