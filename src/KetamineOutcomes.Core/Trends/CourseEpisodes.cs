using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Timepoints;

namespace KetamineOutcomes.Core.Trends;

/// <summary>
/// Response and remission episodes, fed an evaluable patient's flagged points in time order by
/// <see cref="TrendCalculator"/>. A response episode opens at a point meeting <see cref="OutcomeFlags.Response"/> and
/// ends at the first later point that does not, so the loss boundary is the response rule's complement
/// (total &gt; 50 % of baseline: with baseline 20, 10 still responds and 11 is a loss). A remission episode opens at a
/// point meeting <see cref="OutcomeFlags.Remission"/> and ends at the first later total ≥ 10 (SPEC relapse); a total
/// of 5–9 in between neither ends it nor opens another.
/// </summary>
internal sealed class CourseEpisodes(InfusionTimeline timeline)
{
    private readonly List<(TrendPoint Start, TrendPoint? End)> _responses = [];
    private readonly List<RemissionEpisode> _remissions = [];
    private TrendPoint? _openResponse, _openRemission;

    public IReadOnlyList<RemissionEpisode> Remissions
    {
        get
        {
            if (_openRemission is null) return _remissions;
            return [.. _remissions, new RemissionEpisode(TrendCalculator.MilestoneOf(_openRemission)!, null)];
        }
    }

    public void Add(TrendPoint point)
    {
        var flags = point.Flags!;
        if (_openResponse is null && flags.Response) _openResponse = point;
        else if (_openResponse is not null && !flags.Response)
        {
            _responses.Add((_openResponse, point));
            _openResponse = null;
        }

        if (_openRemission is not null && point.Assessment.TotalScore >= InstrumentDefinition.EvaluableBaselineMin)
        {
            _remissions.Add(new RemissionEpisode(TrendCalculator.MilestoneOf(_openRemission)!, SetbackOf(point)));
            _openRemission = null;
        }
        else if (_openRemission is null && flags.Remission) _openRemission = point;
    }

    /// <summary>The response episodes; one still open lasts to <paramref name="latest"/>, the last flagged point.</summary>
    public IReadOnlyList<ResponseEpisode> ResponsesUpTo(TrendPoint? latest)
    {
        var all = _openResponse is null ? _responses : [.. _responses, (_openResponse, null)];
        return all.Select(e => new ResponseEpisode(
            TrendCalculator.MilestoneOf(e.Start)!,
            e.End is null ? null : SetbackOf(e.End),
            DaysBetween(e.Start, e.End ?? latest!))).ToArray();
    }

    private static int DaysBetween(TrendPoint from, TrendPoint to) =>
        InfusionTimeline.DaysFloor(to.Assessment.CompletedAt.UtcTicks - from.Assessment.CompletedAt.UtcTicks);

    // Flagged points follow the first infusion, so session ≥ 1 and both day counts exist.
    private Setback SetbackOf(TrendPoint p) => new(
        p.Assessment.QuestionnaireId, p.Assessment.CompletedAt, p.Assessment.TotalScore, p.Timepoint.SessionNumber,
        p.Timepoint.DaysSinceFirstInfusion!.Value, timeline.DaysSinceLastInfusion(p.Assessment.CompletedAt)!.Value);
}
