using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Timepoints;

namespace KetamineOutcomes.Core.Trends;

/// <summary>
/// The course in words, for the chart title and the dashboard's status line (the one place this text is made, so the
/// two always agree): the latest status, told with what came before it — a relapse after remission is not "no
/// response" (SPEC "Clinical definitions": relapse is a total ≥ 10 after remission; it stays part of the story when
/// remission is reached again) — or why it cannot be told yet, in words that fit the patient's case.
/// </summary>
public static class TrendSummary
{
    /// <summary>
    /// One short sentence, e.g. "Relapse after remission", "Partial response", "No GAD-7 yet" (no assessment of the
    /// instrument), "Not evaluable: no infusion recorded yet" (assessments, no infusion: <c>statusReason</c> is then
    /// <c>no-baseline</c> by the SPEC's precedence, which reads wrongly for a patient not yet treated), or
    /// "Not evaluable: " and the <c>statusReason</c> in words (SPEC "Baseline, response, remission").
    /// </summary>
    public static string Describe(Trend trend, InfusionTimeline timeline)
    {
        if (trend.Points.Count == 0) return $"No {InstrumentDefinition.For(trend.Instrument).Name} yet";
        if (trend.Status == TrendStatus.NotEvaluable)
        {
            var why = timeline.FirstInfusionAt is null ? "no infusion recorded yet" : trend.StatusReason switch
            {
                NotEvaluableReason.NoBaseline => $"no baseline within {TrendCalculator.BaselineWindow.Days} days before the first infusion",
                NotEvaluableReason.BaselineBelowThreshold => $"baseline below {InstrumentDefinition.EvaluableBaselineMin}",
                _ => "no assessment after the first infusion yet",
            };
            return $"Not evaluable: {why}";
        }
        return (trend.Relapse, trend.Status) switch
        {
            (true, TrendStatus.Remission) => "Remission again after a relapse",
            (true, _) => "Relapse after remission",
            (_, TrendStatus.Remission) => "Remission",
            (_, TrendStatus.Response) => "Response",
            (_, TrendStatus.PartialResponse) => "Partial response",
            _ => "No response",
        };
    }
}
