using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Timepoints;

namespace KetamineOutcomes.Core.Trends;

/// <summary>
/// Baseline, per-point flags, status, first response/remission, relapse and the response and remission episodes
/// (SPEC "Baseline, response, remission", "Response durability"). Pure and deterministic.
/// Order: by <c>completedAt</c>, then by questionnaire id (<see cref="Guid.CompareTo(Guid)"/>, the same order as the
/// ids' text and PostgreSQL's uuid). The service mints ids as UUIDv7, time-ordered to the millisecond, so of two
/// assessments completed at the same instant the one stored first counts first (8 then 14 at one instant after a
/// baseline of 20: a response lost that day; 14 then 8: a response); two stored within one millisecond fall in the
/// ids' random order, fixed but arbitrary. The trend, the watch, the chart and the research figures all read this order.
/// </summary>
public static class TrendCalculator
{
    /// <summary>Baseline window: up to and including the first infusion, back this far (inclusive).</summary>
    public static readonly TimeSpan BaselineWindow = TimeSpan.FromDays(30);

    public static Trend Compute(Instrument instrument, InfusionTimeline timeline, IEnumerable<ScoredAssessment> assessments)
    {
        var def = InstrumentDefinition.For(instrument);
        var ordered = InOrder.ByTimeThenId(assessments, a => a.CompletedAt.UtcTicks, a => a.QuestionnaireId);
        var first = timeline.FirstInfusionAt;
        var baseline = first is { } f ? FindBaseline(ordered, f) : null;
        var evaluable = baseline is not null && baseline.TotalScore >= InstrumentDefinition.EvaluableBaselineMin;

        var points = new List<TrendPoint>(ordered.Length);
        TrendPoint? lastPost = null, firstResponse = null, firstRemission = null;
        var episodes = new CourseEpisodes(timeline);
        foreach (var a in ordered)
        {
            var timepoint = timeline.At(a.CompletedAt);
            var isPost = first is { } fi && a.CompletedAt.UtcTicks > fi.UtcTicks;
            int? change = null;
            decimal? percent = null;
            OutcomeFlags? flags = null;
            if (baseline is not null && isPost)
            {
                change = a.TotalScore - baseline.TotalScore;
                percent = baseline.TotalScore == 0 ? null : Rounding.OneDecimal(100m * change.Value / baseline.TotalScore);
                if (evaluable) flags = FlagsFor(def, baseline.TotalScore, a.TotalScore);
            }
            var point = new TrendPoint(a, timepoint, ReferenceEquals(a, baseline), change, percent, flags);
            points.Add(point);
            if (!isPost || flags is null) continue;

            lastPost = point;
            if (flags.Response) firstResponse ??= point;
            if (flags.Remission) firstRemission ??= point;
            episodes.Add(point);
        }

        var anyPost = first is { } fp && ordered.Any(a => a.CompletedAt.UtcTicks > fp.UtcTicks);
        var remissions = episodes.Remissions;
        var (status, reason) = (baseline, evaluable, anyPost) switch
        {
            (null, _, _) => (TrendStatus.NotEvaluable, (NotEvaluableReason?)NotEvaluableReason.NoBaseline),
            (_, false, _) => (TrendStatus.NotEvaluable, NotEvaluableReason.BaselineBelowThreshold),
            (_, true, false) => (TrendStatus.NotEvaluable, NotEvaluableReason.NoFollowUp),
            _ => (StatusOf(lastPost!.Flags!), null),
        };

        return new Trend(
            instrument,
            baseline is null ? null : RefOf(baseline),
            ordered.Length == 0 ? null : RefOf(ordered[^1]),
            evaluable,
            status,
            reason,
            MilestoneOf(firstResponse),
            MilestoneOf(firstRemission),
            remissions.Count > 0 && remissions[0].Relapse is not null,
            points,
            episodes.ResponsesUpTo(lastPost),
            remissions);
    }

    /// <summary>The latest assessment with first − 30 days ≤ completedAt ≤ first (both ends inclusive).</summary>
    public static ScoredAssessment? FindBaseline(IReadOnlyList<ScoredAssessment> orderedByTime, DateTimeOffset firstInfusion)
    {
        var from = firstInfusion.UtcTicks - BaselineWindow.Ticks;
        ScoredAssessment? baseline = null;
        foreach (var a in orderedByTime)
        {
            var t = a.CompletedAt.UtcTicks;
            if (t > firstInfusion.UtcTicks) break;
            if (t >= from) baseline = a;
        }
        return baseline;
    }

    /// <summary>Flags of a post-baseline total against an evaluable baseline, in integer arithmetic.</summary>
    public static OutcomeFlags FlagsFor(InstrumentDefinition def, int baseline, int total)
    {
        var reduction = baseline - total;
        return new OutcomeFlags(
            Response: 2 * total <= baseline,
            Remission: total < InstrumentDefinition.RemissionBelow,
            PartialResponse: 4 * reduction >= baseline && 2 * reduction < baseline,
            ClinicallySignificantImprovement: reduction >= InstrumentDefinition.ClinicallySignificantPoints,
            ReliableImprovement: reduction >= def.ReliableImprovementPoints);
    }

    /// <summary>Precedence remission &gt; response &gt; partial-response &gt; non-response.</summary>
    public static TrendStatus StatusOf(OutcomeFlags flags) =>
        flags.Remission ? TrendStatus.Remission
        : flags.Response ? TrendStatus.Response
        : flags.PartialResponse ? TrendStatus.PartialResponse
        : TrendStatus.NonResponse;

    private static ScoreRef RefOf(ScoredAssessment a) => new(a.QuestionnaireId, a.CompletedAt, a.TotalScore);

    internal static Milestone? MilestoneOf(TrendPoint? p) => p is null
        ? null
        : new Milestone(p.Assessment.QuestionnaireId, p.Assessment.CompletedAt, p.Assessment.TotalScore,
            p.Timepoint.SessionNumber, p.Timepoint.DaysSinceFirstInfusion);
}
