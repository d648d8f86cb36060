using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Patients;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Core.Trends;

namespace KetamineOutcomes.Api.Contracts;

/// <summary>One assessment on the trend. Outcome flags are null unless the patient is evaluable and the point follows the first infusion.</summary>
public sealed record TrendPointResponse(
    Guid QuestionnaireId, DateTimeOffset CompletedAt, int TotalScore, Severity Severity, bool Prorated, Timepoint Timepoint,
    bool IsBaseline, int? ChangeFromBaseline, decimal? PercentChange, bool? Response, bool? Remission, bool? PartialResponse,
    bool? ClinicallySignificantImprovement, bool? ReliableImprovement);

public sealed record TrendInfusion(Guid Id, int SessionNumber, DateTimeOffset AdministeredAt, AdministrationRoute Route, Drug Drug);

/// <summary>A patient's response/remission trajectory on one instrument.</summary>
/// <param name="StatusReason">Null unless status is not-evaluable.</param>
/// <param name="LossOfResponse">
/// The first assessment after <c>firstResponse</c> whose total is above 50 % of baseline (baseline 20: 10 still
/// responds, 11 is a loss), with days since the latest infusion before it; null while the response holds, without a
/// response, or when not evaluable (SPEC "Response durability"). A later response and loss are a new episode; this is
/// the first loss.
/// </param>
/// <param name="ResponseDurationDays">
/// Whole days (floor of elapsed time) from <c>firstResponse</c> to <c>lossOfResponse</c>, or to the latest assessment
/// while still responding; null without a response or when not evaluable.
/// </param>
/// <param name="ResponseEpisodes">
/// Every response episode, oldest first: <c>{ response, loss, durationDays }</c> — the response that opened it (as
/// <c>firstResponse</c>), the first later assessment above 50 % of baseline that ended it (as <c>lossOfResponse</c>; null
/// while it holds) and whole days between them (or to the latest assessment). A new response after a loss opens the next.
/// The last one is the current one (<c>lossOfResponse</c> stays the first, per the SPEC). Empty when not evaluable or
/// never a response.
/// </param>
/// <param name="RemissionEpisodes">
/// Every remission episode, oldest first: <c>{ remission, relapse }</c> — the remission that opened it and the first later
/// total ≥ 10 (SPEC relapse; null while none). The response watch, its webhooks and the chart's setback rings read both lists.
/// </param>
/// <param name="OpenAlerts">Safety alerts of this patient not yet acknowledged.</param>
/// <param name="Summary">
/// The course in words (TrendSummary), as the chart's title words it: the latest status told with what came before it,
/// e.g. "Relapse after remission" where <c>status</c> alone says "non-response"; or why not yet, fitting the case:
/// "No GAD-7 yet", "Not evaluable: no infusion recorded yet", "Not evaluable: baseline below 10". For display; systems
/// read <c>status</c>, <c>statusReason</c> and <c>relapse</c>.
/// </param>
public sealed record TrendResponse(
    Guid PatientId, Instrument Instrument, ScoreRef? Baseline, ScoreRef? Latest, bool Evaluable, TrendStatus Status,
    NotEvaluableReason? StatusReason, Milestone? FirstResponse, Milestone? FirstRemission, bool Relapse,
    Setback? LossOfResponse, int? ResponseDurationDays, IReadOnlyList<ResponseEpisode> ResponseEpisodes, IReadOnlyList<RemissionEpisode> RemissionEpisodes,
    IReadOnlyList<TrendPointResponse> Points, IReadOnlyList<TrendInfusion> Infusions, IReadOnlyList<AlertSummary> OpenAlerts, string Summary);
