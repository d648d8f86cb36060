using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Patients;
using KetamineOutcomes.Core.Safety;

namespace KetamineOutcomes.Data.Stores;

// Stored records as the rest of the service sees them: typed, never raw rows.

// Version and LastUpdated (SPEC v2, Corrections): a new record is version 1, last updated when it was created; each
// amendment or entered-in-error marking adds one. They are init-only so every existing construction keeps compiling.

public sealed record PatientRecord(
    Guid Id, string? SiteId, string? Mrn, int? BirthYear, Sex? Sex, IReadOnlyList<Diagnosis> Diagnoses,
    bool ResearchConsent, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    /// <summary>1 for a new patient; + 1 per change.</summary>
    public int Version { get; init; } = 1;
}

public sealed record BloodPressure(int? PreSystolic, int? PreDiastolic, int? PostSystolic, int? PostDiastolic);

public sealed record InfusionRecord(
    Guid Id, Guid PatientId, DateTimeOffset AdministeredAt, AdministrationRoute Route, Drug Drug, double? DoseMg, double? DoseMgPerKg,
    int? DurationMinutes, BloodPressure? BloodPressure, IReadOnlyList<SideEffect> SideEffects, string? Notes, DateTimeOffset CreatedAt,
    RecordStatus Status = RecordStatus.Final)
{
    private readonly DateTimeOffset? _lastUpdated;

    /// <summary>1 for a new record; + 1 per amendment or entered-in-error marking.</summary>
    public int Version { get; init; } = 1;

    /// <summary>When the current version was stored (the creation time for version 1).</summary>
    public DateTimeOffset LastUpdated { get => _lastUpdated ?? CreatedAt; init => _lastUpdated = value; }
}

public sealed record QuestionnaireRecord(
    Guid Id, Guid PatientId, Instrument Instrument, DateTimeOffset CompletedAt, IReadOnlyList<int?> Items, int? Difficulty,
    string? Source, int TotalScore, Severity Severity, bool Prorated, DateTimeOffset CreatedAt, RecordStatus Status = RecordStatus.Final)
{
    private readonly DateTimeOffset? _lastUpdated;

    /// <summary>1 for a new record; + 1 per amendment or entered-in-error marking.</summary>
    public int Version { get; init; } = 1;

    /// <summary>When the current version was stored (the creation time for version 1).</summary>
    public DateTimeOffset LastUpdated { get => _lastUpdated ?? CreatedAt; init => _lastUpdated = value; }

    /// <summary>
    /// A PHQ-9's item 9, thoughts of death or self-harm (0–3; null when unanswered); null for a GAD-7. Stored in its own
    /// column (the safety reads and the FHIR item-9 Observation use it).
    /// </summary>
    public int? Item9 => QuestionnaireScoring.Phq9Item9(Instrument, Items);

    /// <summary>This record without its answers, as <see cref="QuestionnaireStore.SummariesForPatientAsync"/> reads it.</summary>
    public QuestionnaireSummary ToSummary() =>
        new(Id, PatientId, Instrument, CompletedAt, TotalScore, Severity, Prorated, Item9, Status, Version, LastUpdated);
}

public sealed record CheckinRecord(
    Guid Id, Guid PatientId, DateTimeOffset CompletedAt, CssrsAnswers Answers, RiskLevel RiskLevel, string? Source, DateTimeOffset CreatedAt,
    RecordStatus Status = RecordStatus.Final)
{
    private readonly DateTimeOffset? _lastUpdated;

    /// <summary>1 for a new record; + 1 per amendment or entered-in-error marking.</summary>
    public int Version { get; init; } = 1;

    /// <summary>When the current version was stored (the creation time for version 1).</summary>
    public DateTimeOffset LastUpdated { get => _lastUpdated ?? CreatedAt; init => _lastUpdated = value; }

    /// <summary>This check-in without its answers, as <see cref="CheckinStore.SummariesForPatientAsync"/> reads it.</summary>
    public CheckinSummary ToSummary() => new(Id, PatientId, CompletedAt, RiskLevel, Status, Version, LastUpdated);
}

public sealed record SafetyAlertRecord(
    Guid Id, Guid PatientId, AlertLevel Level, AlertTrigger Trigger, Guid? QuestionnaireId, Guid? CheckinId,
    AlertStatus Status, DateTimeOffset CreatedAt, string? AcknowledgedBy, DateTimeOffset? AcknowledgedAt, string? Note)
{
    /// <summary>
    /// Null while the source record is as submitted; amended or entered-in-error once it is corrected (SPEC v2,
    /// Corrections: an alert is never removed, it says what became of its source).
    /// </summary>
    public RecordStatus? SourceStatus { get; init; }

    /// <summary>The version of the source record that raised the alert (1 for a submission; later for an amendment).</summary>
    public int SourceVersion { get; init; } = 1;

    /// <summary>Who acknowledged it, as JSON <c>{"type","id","name"}</c> (migration 0017); null while open.</summary>
    public string? AcknowledgedActor { get; init; }

    /// <summary>The questionnaire or check-in that raised it.</summary>
    public Guid SourceId => (QuestionnaireId ?? CheckinId)!.Value;
}

/// <summary>
/// An alert as the queue shows it: its patient's site and MRN, and when and what its source submission answered
/// (<paramref name="Item9"/> for a PHQ-9 alert, <paramref name="Cssrs"/> for a C-SSRS alert) in its current row.
/// <paramref name="RaisedByBody"/> is the record_versions body of the version that raised the alert once that version was
/// superseded (null while it is current): the card shows what was answered then, not what an amendment made of it.
/// </summary>
public sealed record SafetyAlertView(
    SafetyAlertRecord Alert, string? SiteId, string? Mrn, DateTimeOffset SourceCompletedAt, int? Item9, CssrsAnswers? Cssrs, string? RaisedByBody = null);

/// <summary>One page of a keyset-paginated list.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor)
{
    /// <summary>
    /// Builds a page from rows fetched with LIMIT limit + 1: the extra row only tells that more exist, and the
    /// cursor is the sort key of the last row kept.
    /// </summary>
    internal static Page<T> FromRows<TRow>(IReadOnlyList<TRow> rows, int limit, Func<TRow, string> cursorOf, Func<TRow, T> map)
    {
        var more = rows.Count > limit;
        var kept = more ? rows.Take(limit).ToArray() : rows;
        return new Page<T>(kept.Select(map).ToArray(), more ? cursorOf(kept[^1]) : null);
    }
}
