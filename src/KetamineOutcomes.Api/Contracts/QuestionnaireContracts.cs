using System.ComponentModel.DataAnnotations;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Safety;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Contracts;

/// <summary>A PHQ-9 (9 items) or GAD-7 (7 items) submission; each answer 0–3 or null (at most 2 nulls for PHQ-9, 1 for GAD-7; PHQ-9 item 9 never null).</summary>
/// <param name="Difficulty">PHQ-9 functional difficulty (0–3): stored, never scored.</param>
/// <param name="Source">Free label of the sending system, e.g. "portal" (max 100 characters).</param>
public sealed record SubmitQuestionnaireRequest(
    [Required] Instrument? Instrument, [Required] DateTimeOffset? CompletedAt, [Required] int?[]? Items, int? Difficulty, string? Source);

/// <summary>The safety alert a submission raised (its highest-level one, when an amendment raised another).</summary>
/// <param name="SourceStatus">Null while the submission's current version still meets the alert's level; <c>amended</c>
/// once an amendment took it below, <c>entered-in-error</c> once it was marked so (SPEC v2, Corrections: the alert stays,
/// with its status, and says what became of its source).</param>
/// <param name="SourceVersion">The version of the submission that raised the alert.</param>
public sealed record AlertSummary(
    Guid Id, AlertLevel Level, AlertTrigger Trigger, AlertStatus Status, DateTimeOffset CreatedAt, RecordStatus? SourceStatus, int SourceVersion)
{
    public static AlertSummary? From(SafetyAlertRecord? a) => a is null ? null : new(a.Id, a.Level, a.Trigger, a.Status, a.CreatedAt, a.SourceStatus, a.SourceVersion);
}

/// <param name="Timepoint">Derived from the patient's infusions at read time, never frozen.</param>
/// <param name="Alert">The safety alert this submission raised, if any.</param>
/// <param name="Status"><c>final</c> as submitted, <c>amended</c> after a correction, or <c>entered-in-error</c> (SPEC v2, Corrections).</param>
/// <param name="Version">1 as submitted, + 1 per correction; the ETag is <c>W/"version"</c>.</param>
/// <param name="LastUpdated">When the current version was stored (the creation time for version 1).</param>
public sealed record QuestionnaireResult(
    Guid Id, Guid PatientId, Instrument Instrument, DateTimeOffset CompletedAt, IReadOnlyList<int?> Items, int? Difficulty,
    string? Source, int TotalScore, Severity Severity, bool Prorated, Timepoint Timepoint, AlertSummary? Alert, DateTimeOffset CreatedAt,
    RecordStatus Status, int Version, DateTimeOffset LastUpdated);
