using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Core.Trends;

namespace KetamineOutcomes.Core.Research;

/// <summary>One assessment as research statistics need it: when (UTC ticks) and its total.</summary>
public readonly record struct TimedScore(long CompletedAtTicks, int TotalScore);

/// <summary>
/// One assessment of a patient's course as the research statistics see it: its timepoint, whether it is the baseline,
/// and its response/remission flags when it has them (an evaluable patient's post-baseline assessment).
/// </summary>
public readonly record struct CoursePoint(int TotalScore, int SessionNumber, int? DaysSinceFirstInfusion, bool IsBaseline, bool HasFlags, bool Response, bool Remission);

/// <summary>What research needs of a patient's whole course besides its points.</summary>
/// <param name="ResponseDurationDays">The trend's <c>responseDurationDays</c>: null without a response.</param>
/// <param name="ResponseLost">The trend has a <c>lossOfResponse</c> (else the duration is censored at the latest assessment).</param>
public readonly record struct CourseOutcome(bool Evaluable, int? BaselineTotal, int? FirstResponseDay, int? ResponseDurationDays = null, bool ResponseLost = false);

/// <summary>
/// A patient's course reduced to what the research statistics use, by the rules of <see cref="TrendCalculator"/>
/// (baseline window, evaluability, response and remission, timepoints) without building a trend: a full-cohort query
/// runs this for every patient, and the trend's per-point objects were a third of its cost. A property test holds it
/// equal to <see cref="TrendCalculator.Compute"/> point for point.
/// </summary>
public static class ResearchCourse
{
    /// <summary>
    /// Fills <paramref name="points"/> (one per score, same order) and returns the course's outcome.
    /// </summary>
    /// <param name="infusionTicks">The patient's infusion times (UTC ticks), ascending.</param>
    /// <param name="scores">The patient's assessments in time order, ties in the order the trend breaks them.</param>
    public static CourseOutcome Evaluate(ReadOnlySpan<long> infusionTicks, ReadOnlySpan<TimedScore> scores, Span<CoursePoint> points)
    {
        if (points.Length < scores.Length) throw new ArgumentException("One point per score is needed.", nameof(points));
        var hasInfusion = infusionTicks.Length > 0;
        var first = hasInfusion ? infusionTicks[0] : 0;
        var baseline = hasInfusion ? BaselineIndex(scores, first) : -1;
        int? baselineTotal = baseline < 0 ? null : scores[baseline].TotalScore;
        var evaluable = baselineTotal >= InstrumentDefinition.EvaluableBaselineMin;
        int? firstResponseDay = null;
        long? firstResponseAt = null, lostAt = null;
        long lastFlaggedAt = 0;
        var session = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            var (t, total) = (scores[i].CompletedAtTicks, scores[i].TotalScore);
            while (session < infusionTicks.Length && infusionTicks[session] <= t) session++; // scores ascend: count only grows
            int? days = hasInfusion ? InfusionTimeline.DaysFloor(t - first) : null;
            var flagged = evaluable && t > first; // evaluable implies an infusion and a baseline
            var response = flagged && 2 * total <= baselineTotal!.Value;
            points[i] = new CoursePoint(total, session, days, i == baseline, flagged, response, flagged && total < InstrumentDefinition.RemissionBelow);
            if (response) firstResponseDay ??= days;
            if (!flagged) continue;
            lastFlaggedAt = t;
            if (response) firstResponseAt ??= t;
            else if (firstResponseAt is not null) lostAt ??= t; // the first episode's loss, as CourseEpisodes ends it
        }
        int? duration = firstResponseAt is { } from ? InfusionTimeline.DaysFloor((lostAt ?? lastFlaggedAt) - from) : null;
        return new CourseOutcome(evaluable, baselineTotal, firstResponseDay, duration, lostAt is not null);
    }

    /// <summary>The same course from the trend's inputs (tests and small callers): ordered as the trend orders them.</summary>
    public static (CourseOutcome Outcome, CoursePoint[] Points) Evaluate(ResearchPatient patient)
    {
        var (infusions, scores) = InputsOf(patient);
        var points = new CoursePoint[scores.Length];
        return (Evaluate(infusions, scores, points), points);
    }

    /// <summary>A patient's infusion times and time-ordered scores, as <see cref="Evaluate(ReadOnlySpan{long}, ReadOnlySpan{TimedScore}, Span{CoursePoint})"/> takes them.</summary>
    public static (long[] InfusionTicks, TimedScore[] Scores) InputsOf(ResearchPatient patient) => (
        patient.Timeline.Ordered.Select(i => i.AdministeredAt.UtcTicks).ToArray(),
        InOrder.ByTimeThenId(patient.Assessments, a => a.CompletedAt.UtcTicks, a => a.QuestionnaireId)
            .Select(a => new TimedScore(a.CompletedAt.UtcTicks, a.TotalScore)).ToArray());

    // The latest assessment with first − 30 days ≤ t ≤ first, as TrendCalculator.FindBaseline; −1 when none.
    private static int BaselineIndex(ReadOnlySpan<TimedScore> scores, long first)
    {
        var from = first - TrendCalculator.BaselineWindow.Ticks;
        var baseline = -1;
        for (var i = 0; i < scores.Length && scores[i].CompletedAtTicks <= first; i++)
        {
            if (scores[i].CompletedAtTicks >= from) baseline = i;
        }
        return baseline;
    }
}

/// <summary>Evaluates one patient after another into one reused buffer (an accumulator's, over a whole cohort).</summary>
public sealed class CourseBuffer
{
    private CoursePoint[] _points = new CoursePoint[64];

    /// <summary>The patient's points (valid until the next call) and outcome.</summary>
    public ReadOnlySpan<CoursePoint> Evaluate(ReadOnlySpan<long> infusionTicks, ReadOnlySpan<TimedScore> scores, out CourseOutcome outcome)
    {
        if (_points.Length < scores.Length) _points = new CoursePoint[Math.Max(scores.Length, 2 * _points.Length)];
        outcome = ResearchCourse.Evaluate(infusionTicks, scores, _points);
        return _points.AsSpan(0, scores.Length);
    }
}
