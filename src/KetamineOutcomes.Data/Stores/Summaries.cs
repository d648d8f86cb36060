using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Safety;

namespace KetamineOutcomes.Data.Stores;

// Stored records without their answers: what a FHIR Observation or a search's filter, order and page need, read by hand
// from the columns alone (no items JSON, no C-SSRS answers), issue 24.

/// <summary>
/// A questionnaire as its derived Observations see it: the score (0–27), its severity band, whether it was prorated,
/// item 9 (0–3; null for a GAD-7 or an unanswered item 9), status, version (≥ 1) and when that version became current.
/// </summary>
public sealed record QuestionnaireSummary(
    Guid Id, Guid PatientId, Instrument Instrument, DateTimeOffset CompletedAt, int TotalScore, Severity Severity, bool Prorated, int? Item9,
    RecordStatus Status, int Version, DateTimeOffset LastUpdated);

/// <summary>A C-SSRS check-in as its risk Observation sees it: the risk level, status, version (≥ 1) and last update.</summary>
public sealed record CheckinSummary(Guid Id, Guid PatientId, DateTimeOffset CompletedAt, RiskLevel RiskLevel, RecordStatus Status, int Version, DateTimeOffset LastUpdated);
