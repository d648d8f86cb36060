using System.Text.Json.Serialization;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Timepoints;

namespace KetamineOutcomes.Core.Trends;

/// <summary>A scored questionnaire as the trend needs it.</summary>
public sealed record ScoredAssessment(Guid QuestionnaireId, DateTimeOffset CompletedAt, int TotalScore, Severity Severity, bool Prorated);

public enum TrendStatus
{
    [JsonStringEnumMemberName("remission")] Remission,
    [JsonStringEnumMemberName("response")] Response,
    [JsonStringEnumMemberName("partial-response")] PartialResponse,
    [JsonStringEnumMemberName("non-response")] NonResponse,
    [JsonStringEnumMemberName("not-evaluable")] NotEvaluable,
}

public enum NotEvaluableReason
{
    [JsonStringEnumMemberName("no-baseline")] NoBaseline,
    [JsonStringEnumMemberName("baseline-below-threshold")] BaselineBelowThreshold,
    [JsonStringEnumMemberName("no-follow-up")] NoFollowUp,
}

/// <summary>Reference to one assessment: used for <c>baseline</c> and <c>latest</c>.</summary>
public sealed record ScoreRef(Guid QuestionnaireId, DateTimeOffset CompletedAt, int TotalScore);

/// <summary>The first assessment meeting a criterion (firstResponse / firstRemission).</summary>
public sealed record Milestone(Guid QuestionnaireId, DateTimeOffset CompletedAt, int TotalScore, int SessionNumber, int? DaysSinceFirstInfusion);

/// <summary>Outcome flags of one post-baseline assessment of an evaluable patient.</summary>
public sealed record OutcomeFlags(
    bool Response,
    bool Remission,
    bool PartialResponse,
    bool ClinicallySignificantImprovement,
    bool ReliableImprovement);

/// <summary>One assessment on the trend with its derived timepoint and flags.</summary>
/// <param name="ChangeFromBaseline">Set when a baseline exists and the point is after the first infusion.</param>
/// <param name="PercentChange">As change, one decimal; null also when the baseline total is 0.</param>
/// <param name="Flags">Only for an evaluable patient's post-baseline points.</param>
public sealed record TrendPoint(
    ScoredAssessment Assessment,
    Timepoint Timepoint,
    bool IsBaseline,
    int? ChangeFromBaseline,
    decimal? PercentChange,
    OutcomeFlags? Flags);

/// <summary>A patient's trajectory on one instrument (SPEC "Baseline, response, remission").</summary>
public sealed record Trend(
    Instrument Instrument,
    ScoreRef? Baseline,
    ScoreRef? Latest,
    bool Evaluable,
    TrendStatus Status,
    NotEvaluableReason? StatusReason,
    Milestone? FirstResponse,
    Milestone? FirstRemission,
    bool Relapse,
    IReadOnlyList<TrendPoint> Points);
