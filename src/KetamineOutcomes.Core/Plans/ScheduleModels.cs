namespace KetamineOutcomes.Core.Plans;

/// <summary>An infusion as a schedule needs it, with the status of its stored record.</summary>
public sealed record ScheduleInfusion(Guid Id, DateTimeOffset AdministeredAt, RecordStatus Status = RecordStatus.Final);

/// <summary>
/// A stored assessment as a schedule needs it: a PHQ-9 or GAD-7 questionnaire, or a C-SSRS check-in, with the status
/// of its record.
/// </summary>
public sealed record ScheduleAssessment(Guid Id, PlanInstrument Instrument, DateTimeOffset CompletedAt, RecordStatus Status = RecordStatus.Final);

/// <summary>
/// One occurrence of a plan rule, derived at an instant (SPEC v2, <c>GET /patients/{id}/due</c>). The window
/// [<paramref name="DueAt"/>, <paramref name="WindowEnd"/>] is inclusive at both ends; instants are UTC.
/// </summary>
/// <param name="CompletedBy">The assessment that completed it (status completed only).</param>
/// <param name="CompletedAt">When that assessment was completed.</param>
/// <param name="InfusionId">The infusion an after-infusion occurrence follows; null for the other anchors.</param>
public sealed record DueOccurrence(
    string RuleId, PlanInstrument Instrument, DateTimeOffset DueAt, DateTimeOffset WindowEnd, OccurrenceStatus Status,
    Guid? CompletedBy = null, DateTimeOffset? CompletedAt = null, Guid? InfusionId = null);

/// <summary>
/// Adherence to one instrument's rules at an instant (SPEC v2, <c>GET /patients/{id}/adherence</c>).
/// </summary>
/// <param name="Due">Occurrences whose window has closed, or that are completed.</param>
/// <param name="CompletedInWindow">Of those, the completed ones.</param>
/// <param name="Rate">CompletedInWindow / Due rounded to 4 decimals; null when nothing was due.</param>
public sealed record PlanAdherence(PlanInstrument Instrument, int Due, int CompletedInWindow, double? Rate);
