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
/// <param name="MedianResponseDurationDays">
/// Kaplan–Meier median days from first response to loss of response, as <c>medianDays</c> of /research/durability
/// (at least k responders, and on or before the durability curve's last published day — see its
/// <c>medianSuppressed</c>; null also when the curve stays above 0.5).
/// </param>
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
    OutcomeRatesResponse? AfterSession1, OutcomeRatesResponse? AfterSession6, double? MedianResponseDurationDays,
    double? AdherenceRate, bool? AdherenceRateSuppressed);

/// <summary>One day of the durability curve: a day on which a response was lost, with at least k still at risk.</summary>
/// <param name="Day">Days since the first response.</param>
/// <param name="AtRisk">Responders followed to at least this day (censored on the day included, as R counts them).</param>
/// <param name="Survival">Kaplan–Meier probability that the response still holds after this day.</param>
/// <param name="Ci95Low">Log-log 95 % limit with Greenwood's variance, as R's <c>survfit(conf.type = "log-log")</c>; null where survival is 0.</param>
public sealed record DurabilityPointResponse(int Day, int AtRisk, double Survival, double? Ci95Low, double? Ci95High);

/// <summary>
/// Kaplan–Meier estimate of days from first response to loss of response (SPEC "Response durability"), censored at
/// the latest assessment while the response holds. A suppressed estimate (1 to k−1 responders) carries only
/// <c>instrument</c>, <c>minCellSize</c> and <c>suppressed</c>. No event or censor count is published.
/// </summary>
/// <param name="N">Responders in the estimate: evaluable consenting patients with a first response (0 or ≥ k).</param>
/// <param name="MedianDays">
/// The first day the curve is at or below 0.5; where it sits at exactly 0.5, the midpoint to the next event day (or to
/// the last day followed), as R's <c>quantile(fit, 0.5)</c>; null when the curve stays above 0.5.
/// </param>
/// <param name="MedianCi95Low">The same rule on the lower limit curve; null when it never reaches 0.5.</param>
/// <param name="MedianCi95High">The same rule on the upper limit curve; null when it never reaches 0.5.</param>
/// <param name="Curve">Event days in order, ending before the first day with fewer than k at risk.</param>
/// <param name="MedianSuppressed">
/// True when the median or one of its limits was withheld (null) because it lies after the last day of <c>curve</c> (or
/// the curve is empty): beyond the curve fewer than k are at risk, and the SPEC's small-cell rule forbids any figure
/// from which such a count can be derived. False when every one given is on or before that day (a null then means the
/// curve never reaches 0.5).
/// </param>
public sealed record DurabilityResponse(
    Instrument Instrument, int MinCellSize, bool Suppressed, int? N, double? MedianDays, double? MedianCi95Low, double? MedianCi95High,
    bool? MedianSuppressed, IReadOnlyList<DurabilityPointResponse>? Curve);
