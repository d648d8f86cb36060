using KetamineOutcomes.Core.Plans;

namespace KetamineOutcomes.Api.Contracts;

/// <summary>A patient's due list at <c>at</c> (SPEC v2, Measurement plans; <see cref="DueSchedule.DueList"/>).</summary>
public sealed record DueResponse(DateTimeOffset At, IReadOnlyList<DueItem> Items);

/// <summary>
/// One occurrence of a plan rule: open in [dueAt, windowEnd], both ends inclusive (UTC). <c>completedBy</c> is the id
/// of the questionnaire or C-SSRS check-in that completed it, and only present when the status is <c>completed</c>.
/// </summary>
public sealed record DueItem(string RuleId, PlanInstrument Instrument, DateTimeOffset DueAt, DateTimeOffset WindowEnd, OccurrenceStatus Status, Guid? CompletedBy)
{
    public static DueItem From(DueOccurrence o) => new(o.RuleId, o.Instrument, o.DueAt, o.WindowEnd, o.Status, o.CompletedBy);
}

/// <summary>
/// Adherence to one instrument's rules now (SPEC v2; <see cref="DueSchedule.Adherence"/>): <c>due</c> counts the
/// occurrences whose window has closed or that are completed, <c>completedInWindow</c> the completed ones, <c>rate</c>
/// their ratio to 4 decimals (null when nothing was due yet).
/// </summary>
public sealed record AdherenceResponse(Guid PatientId, DateTimeOffset At, PlanInstrument Instrument, int Due, int CompletedInWindow, double? Rate);
