using System.Text.Json.Serialization;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Timepoints;

namespace KetamineOutcomes.Core.Trends;

/// <summary>What put a patient on the response watch (SPEC v2, "Response durability").</summary>
public enum WatchKind
{
    /// <summary>
    /// A total ≥ 10 after a remission (SPEC relapse), with no remission since, while the patient is still in that setback:
    /// the latest total is ≥ 10, or the response lost by the relapse (or before it) has not come back.
    /// </summary>
    [JsonStringEnumMemberName("relapse")] Relapse,

    /// <summary>A total above 50 % of baseline after a response, with no response since.</summary>
    [JsonStringEnumMemberName("loss-of-response")] LossOfResponse,
}

/// <summary>
/// A patient whose latest assessment of one instrument is a setback: the episode it ends (its response or remission
/// milestone, the first setback after it) and the latest assessment, which is the setback itself or a later one still in it.
/// </summary>
/// <param name="EpisodeStart">The response (loss-of-response) or remission (relapse) that opened the episode.</param>
/// <param name="Setback">The first assessment after <paramref name="EpisodeStart"/> that ended the episode.</param>
public sealed record WatchEntry(Instrument Instrument, WatchKind Kind, ScoreRef Baseline, Milestone EpisodeStart, Setback Setback, ScoreRef Latest);

/// <summary>
/// Who belongs on the response watch and in which order (SPEC v2, "Response durability": "patients whose latest
/// assessment is a loss of response or a relapse, most urgent first"). Reads a <see cref="Trend"/> only, so the
/// baseline, response and remission rules stay those of <see cref="TrendCalculator"/> and entered-in-error records are
/// out wherever the trend leaves them out.
/// </summary>
public static class ResponseWatch
{
    /// <summary>
    /// The patient's watch entry on this trend, or null. The SPEC's relapse (a total ≥ 10 after a remission) holds until
    /// a new remission, so a relapse stays the entry — same episode start, same setback, same urgency — while the patient
    /// is still in it: the last remission episode ended in a relapse, and the latest total is ≥ 10 or the last response
    /// episode ended in a loss at or before the relapse (no response since). Baseline 14: 3, 12, then 9 is still the
    /// relapse at 12 (9 &gt; 7 keeps the response lost); a later 7 (a response again) takes the patient off the watch.
    /// Otherwise loss of response: the last response episode ended in a loss (so no response since); a loss of a
    /// response regained after the relapse is a new setback, listed as that loss. Not evaluable, or neither: null.
    /// </summary>
    public static WatchEntry? Of(Trend trend)
    {
        if (!trend.Evaluable || trend.Baseline is not { } baseline || trend.Latest is not { } latest || trend.Points is not [.., { Flags: not null }]) return null;
        var lost = trend.ResponseEpisodes is [.., { Loss: { } loss } response] ? (response.Response, Loss: loss) : default((Milestone Response, Setback Loss)?);
        if (trend.RemissionEpisodes is [.., { Relapse: { } relapse } remission]
            && (latest.TotalScore >= InstrumentDefinition.EvaluableBaselineMin || lost is { } l && l.Loss.CompletedAt.UtcTicks <= relapse.CompletedAt.UtcTicks))
            return new WatchEntry(trend.Instrument, WatchKind.Relapse, baseline, remission.Remission, relapse, latest);
        return lost is { } only ? new WatchEntry(trend.Instrument, WatchKind.LossOfResponse, baseline, only.Response, only.Loss, latest) : null;
    }

    /// <summary>
    /// <see cref="Of(Trend)"/> of the trend of <paramref name="assessments"/>, computed only when cheap checks on the same
    /// rules leave an entry possible: an entry needs the latest assessment flagged (after the first infusion, against an
    /// evaluable baseline), a response since baseline (a remission is one too: baselines are ≥ 10), and a latest that is a
    /// relapse's (≥ 10) or not a response (a loss and no response since). Most patients of a site fail one of these, so
    /// a whole site's watch (<c>GET /response-watch</c>) computes few trends; the answer is always that of the trend.
    /// </summary>
    public static WatchEntry? Of(Instrument instrument, InfusionTimeline timeline, IEnumerable<ScoredAssessment> assessments)
    {
        var ordered = InOrder.ByTimeThenId(assessments, a => a.CompletedAt.UtcTicks, a => a.QuestionnaireId);
        if (ordered.Length == 0 || timeline.FirstInfusionAt is not { } first || ordered[^1].CompletedAt.UtcTicks <= first.UtcTicks) return null;
        if (TrendCalculator.FindBaseline(ordered, first) is not { } baseline || baseline.TotalScore < InstrumentDefinition.EvaluableBaselineMin) return null;
        var def = InstrumentDefinition.For(instrument);
        var latest = ordered[^1].TotalScore;
        if (latest < InstrumentDefinition.EvaluableBaselineMin && TrendCalculator.FlagsFor(def, baseline.TotalScore, latest).Response) return null;
        var responded = false;
        foreach (var a in ordered)
            if (a.CompletedAt.UtcTicks > first.UtcTicks && TrendCalculator.FlagsFor(def, baseline.TotalScore, a.TotalScore).Response) { responded = true; break; }
        return responded ? Of(TrendCalculator.Compute(instrument, timeline, ordered)) : null;
    }

    /// <summary>
    /// Most urgent first: relapses before losses of response (back to a depressive range after being well is the larger
    /// fall); then the latest total as a share of baseline, highest first (a patient back at their baseline has lost all
    /// the course gained, one at 55 % very little — the same measure the 50 % rule uses); then the setback's completedAt,
    /// oldest first (the one waiting longest, as the alert queue orders within a level). Callers break remaining ties.
    /// </summary>
    public static int CompareUrgency(WatchEntry a, WatchEntry b)
    {
        var byKind = a.Kind.CompareTo(b.Kind);
        if (byKind != 0) return byKind;
        // latest/baseline descending, compared exactly (cross-multiplied: baselines are ≥ 10, totals small).
        var byShare = ((long)b.Latest.TotalScore * a.Baseline.TotalScore).CompareTo((long)a.Latest.TotalScore * b.Baseline.TotalScore);
        return byShare != 0 ? byShare : a.Setback.CompletedAt.UtcTicks.CompareTo(b.Setback.CompletedAt.UtcTicks);
    }

    /// <summary>The latest total as a percentage of baseline, one decimal (shown beside the order it drives).</summary>
    public static decimal PercentOfBaseline(WatchEntry e) => Rounding.OneDecimal(100m * e.Latest.TotalScore / e.Baseline.TotalScore);
}
