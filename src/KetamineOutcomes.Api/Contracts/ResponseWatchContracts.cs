using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Trends;

namespace KetamineOutcomes.Api.Contracts;

/// <summary>
/// One patient and instrument on the response watch (SPEC v2, "Response durability"): the latest assessment is a loss of
/// response or a relapse. PHQ-9 and GAD-7 are both watched (same rules, one item each); MRN as the alert queue shows it.
/// </summary>
/// <param name="Kind"><c>relapse</c> (a total ≥ 10 after remission, no remission since, and still in that setback: latest
/// ≥ 10 or the response it lost not regained) or <c>loss-of-response</c> (a total above 50 % of baseline after a response,
/// no response since); a relapse that is also a loss is a relapse, and stays one while later scores are still a setback.</param>
/// <param name="EpisodeStart">The response (or remission) the setback ended: questionnaireId, completedAt, totalScore, sessionNumber, daysSinceFirstInfusion.</param>
/// <param name="Setback">The first assessment that ended it (the trend's lossOfResponse shape): it is <paramref name="Latest"/> or came before it.</param>
/// <param name="PercentOfBaseline">The latest total as a percentage of baseline, one decimal (the order's second key).</param>
/// <param name="LastSessionNumber">The number of the patient's last live infusion (infusions so far).</param>
/// <param name="DaysSinceLastInfusion">floor(days from the last live infusion to now): how long since the last dose.</param>
public sealed record ResponseWatchItem(
    Guid PatientId, string? SiteId, string? Mrn, Instrument Instrument, WatchKind Kind, ScoreRef Baseline, Milestone EpisodeStart, Setback Setback,
    ScoreRef Latest, decimal PercentOfBaseline, int LastSessionNumber, int DaysSinceLastInfusion);
