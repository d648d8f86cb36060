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

/// <summary>
/// An assessment where a patient's course slipped: the loss of a response (total above 50 % of baseline after a
/// response) or a relapse (total ≥ 10 after remission). It always follows the first infusion, so its timepoint is whole.
/// </summary>
/// <param name="DaysSinceLastInfusion">floor(days since the latest infusion at or before <paramref name="CompletedAt"/>).</param>
public sealed record Setback(
    Guid QuestionnaireId, DateTimeOffset CompletedAt, int TotalScore, int SessionNumber, int DaysSinceFirstInfusion, int DaysSinceLastInfusion);

/// <summary>
/// One response episode (SPEC "Response durability"): from a response to the first later assessment that is no longer
/// one (<paramref name="Loss"/>, null while the response holds). A new response after a loss opens a new episode.
/// </summary>
/// <param name="DurationDays">Whole days from the response to the loss, or to the latest assessment while it holds.</param>
public sealed record ResponseEpisode(Milestone Response, Setback? Loss, int DurationDays);

/// <summary>
/// One remission episode: from a remission to the first later assessment ≥ 10 (<paramref name="Relapse"/>, SPEC
/// "Baseline, response, remission"), null while none has come. A new remission after a relapse opens a new episode.
/// </summary>
public sealed record RemissionEpisode(Milestone Remission, Setback? Relapse);

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

/// <summary>A patient's trajectory on one instrument (SPEC "Baseline, response, remission", "Response durability").</summary>
/// <param name="Relapse">The first remission episode ended in a relapse.</param>
/// <param name="ResponseEpisodes">Oldest first; empty when not evaluable or never a response.</param>
/// <param name="RemissionEpisodes">Oldest first; empty when not evaluable or never a remission.</param>
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
    IReadOnlyList<TrendPoint> Points,
    IReadOnlyList<ResponseEpisode> ResponseEpisodes,
    IReadOnlyList<RemissionEpisode> RemissionEpisodes)
{
    /// <summary>The first episode's loss (SPEC "Response durability": the first assessment after firstResponse above 50 % of baseline).</summary>
    public Setback? LossOfResponse => ResponseEpisodes.Count == 0 ? null : ResponseEpisodes[0].Loss;

    /// <summary>The first episode's duration: to <see cref="LossOfResponse"/>, or to the latest assessment while still responding; null without a response.</summary>
    public int? ResponseDurationDays => ResponseEpisodes.Count == 0 ? null : ResponseEpisodes[0].DurationDays;

    /// <summary>
    /// Every setback of the course, oldest first, from the episodes (the ones <see cref="ResponseWatch"/> reads): each
    /// remission episode's relapse and each response episode's loss, one per assessment — a relapse that is also a loss
    /// once, as the relapse (as the watch and its webhook class it). Empty when not evaluable or nothing was lost.
    /// </summary>
    public IReadOnlyList<CourseSetback> Setbacks()
    {
        var relapses = RemissionEpisodes.Where(e => e.Relapse is not null).Select(e => new CourseSetback(WatchKind.Relapse, e.Remission, e.Relapse!)).ToList();
        var relapseIds = relapses.Select(r => r.Setback.QuestionnaireId).ToHashSet();
        var losses = ResponseEpisodes.Where(e => e.Loss is { } l && !relapseIds.Contains(l.QuestionnaireId))
            .Select(e => new CourseSetback(WatchKind.LossOfResponse, e.Response, e.Loss!));
        // Both lists are in time order; merged by the same order the course has (completedAt, then id).
        return [.. relapses.Concat(losses).OrderBy(s => s.Setback.CompletedAt.UtcTicks).ThenBy(s => s.Setback.QuestionnaireId)];
    }
}

/// <summary>One setback of a course: what kind, the response or remission it ended, and the assessment that ended it.</summary>
public sealed record CourseSetback(WatchKind Kind, Milestone EpisodeStart, Setback Setback);
