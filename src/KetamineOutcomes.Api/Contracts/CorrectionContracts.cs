using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using KetamineOutcomes.Api.Corrections;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Patients;
using KetamineOutcomes.Core.Safety;

namespace KetamineOutcomes.Api.Contracts;

// Corrections (SPEC v2, "Corrections"): a PUT carries the whole submission, validated exactly as its POST, plus why;
// it needs If-Match with the ETag of the version read (428 without, 412 when stale).

/// <summary>An amended PHQ-9 / GAD-7: the whole submission as on POST (the instrument cannot change: 422), plus the reason.</summary>
/// <param name="Reason">Why the record is corrected (1–500 characters after trimming), kept in its history.</param>
public sealed record AmendQuestionnaireRequest(
    [Required] Instrument? Instrument, [Required] DateTimeOffset? CompletedAt, [Required] int?[]? Items, int? Difficulty, string? Source,
    [Required] string? Reason)
{
    internal SubmitQuestionnaireRequest Submission => new(Instrument, CompletedAt, Items, Difficulty, Source);
}

/// <summary>An amended C-SSRS check-in: the whole submission as on POST, plus the reason.</summary>
/// <param name="Reason">Why the record is corrected (1–500 characters after trimming), kept in its history.</param>
public sealed record AmendCheckinRequest(
    [Required] DateTimeOffset? CompletedAt, [Required] bool? WishToBeDead, [Required] bool? SuicidalThoughts, bool? ThoughtsOfMethod, bool? Intent, bool? Plan,
    [Required] SuicidalBehavior? SuicidalBehavior, string? Source, [Required] string? Reason)
{
    internal SubmitCheckinRequest Submission => new(CompletedAt, WishToBeDead, SuicidalThoughts, ThoughtsOfMethod, Intent, Plan, SuicidalBehavior, Source);
}

/// <summary>An amended infusion: the whole record as on POST (a new time re-numbers sessions), plus the reason.</summary>
/// <param name="Reason">Why the record is corrected (1–500 characters after trimming), kept in its history.</param>
public sealed record AmendInfusionRequest(
    [Required] DateTimeOffset? AdministeredAt, [Required] AdministrationRoute? Route, [Required] Drug? Drug, double? DoseMg, double? DoseMgPerKg, int? DurationMinutes,
    BloodPressureDto? BloodPressure, SideEffect[]? SideEffects, string? Notes, [Required] string? Reason)
{
    internal CreateInfusionRequest Submission => new(AdministeredAt, Route, Drug, DoseMg, DoseMgPerKg, DurationMinutes, BloodPressure, SideEffects, Notes);
}

/// <summary>
/// A patient's corrected identifiers and details, replacing the stored ones (a field left out becomes empty). The site is
/// not changed by PUT and research consent has its own endpoint: a body naming either is refused (400 naming it).
/// </summary>
/// <param name="Mrn">As on registration: unique within the site (409 when another patient there has it).</param>
/// <param name="Reason">Why the record is corrected (1–500 characters after trimming), kept in its history.</param>
public sealed record AmendPatientRequest(string? Mrn, int? BirthYear, Sex? Sex, Diagnosis[]? Diagnoses, [Required] string? Reason);

/// <summary>Marks a record entered in error (recorded for the wrong patient, or never happened); it is never deleted.</summary>
/// <param name="Reason">Why (1–500 characters after trimming), kept in the record's history.</param>
public sealed record EnteredInErrorRequest([Required] string? Reason);

/// <summary>Every version of a record, oldest first; the last is the current one.</summary>
public sealed record HistoryResponse<T>(IReadOnlyList<HistoryItem<T>> Items);

/// <summary>One version of a record.</summary>
/// <param name="Status">The record's status at this version (absent for patients).</param>
/// <param name="ChangedAt">When this version became current (its creation, for version 1).</param>
/// <param name="ChangedBy">Who made it current: <c>{ "type": "key", "id", "name" }</c>; null for a version stored before
/// the service recorded actors (SPEC v2, "People, not shared keys").</param>
/// <param name="Reason">Why it was made (null for version 1).</param>
/// <param name="Values">The record as its GET showed it at this version (timepoints and session numbers derived now).</param>
public sealed record HistoryItem<T>(
    int Version, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RecordStatus? Status, DateTimeOffset ChangedAt,
    Actor? ChangedBy, string? Reason, T Values);
