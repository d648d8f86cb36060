using System.ComponentModel.DataAnnotations;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Safety;

namespace KetamineOutcomes.Api.Contracts;

/// <summary>A safety alert in the clinician queue (SPEC "Safety alerts"; the SPEC's field names, plus what a card shows).</summary>
/// <param name="Mrn">The patient's MRN (null when the patient has none), so the queue names whom to call.</param>
/// <param name="CreatedAt">When the alert was stored (opened): the submission reached the service.</param>
/// <param name="QuestionnaireId">The PHQ-9 that raised it (trigger phq9-item9).</param>
/// <param name="CheckinId">The C-SSRS check-in that raised it (trigger cssrs).</param>
/// <param name="SourceCompletedAt">When the patient completed that PHQ-9 or check-in (its <c>completedAt</c>), which can be
/// well before <paramref name="CreatedAt"/> when it was entered later.</param>
/// <param name="TriggeringAnswers">What the patient answered that raised it: PHQ-9 item 9 with its score, or every "yes"
/// of the C-SSRS screener, each with the question's wording. Both this and <paramref name="SourceCompletedAt"/> are those of
/// the version that raised the alert, also after the record was amended (SPEC v2, Corrections).</param>
/// <param name="AcknowledgedBy">Id of the API key that acknowledged it.</param>
/// <param name="SourceStatus">Null while the PHQ-9's or check-in's current version still meets the alert's level;
/// <c>amended</c> once an amendment took it below, <c>entered-in-error</c> once it was marked so (SPEC v2, Corrections: an
/// alert is never removed; it keeps its status and says what became of its source).</param>
/// <param name="SourceVersion">The version of the PHQ-9 or check-in that raised the alert (1 unless an amendment raised it).</param>
public sealed record SafetyAlertResponse(
    Guid Id, Guid PatientId, string? SiteId, string? Mrn, AlertLevel Level, AlertTrigger Trigger, AlertStatus Status, DateTimeOffset CreatedAt,
    Guid? QuestionnaireId, Guid? CheckinId, DateTimeOffset SourceCompletedAt, IReadOnlyList<TriggeringAnswer> TriggeringAnswers,
    string? AcknowledgedBy, DateTimeOffset? AcknowledgedAt, string? Note, RecordStatus? SourceStatus, int SourceVersion);

/// <summary>Acknowledges an alert: who (the calling key) and when are recorded with the note.</summary>
/// <param name="Note">Required: what was done, e.g. "Called patient, safety plan reviewed" (1–2000 characters).</param>
public sealed record AcknowledgeAlertRequest([Required] string? Note);

/// <summary>One event's delivery to one webhook endpoint.</summary>
/// <param name="Endpoint">The endpoint's configured name, or when it has none its URL reduced to scheme, host, port and path
/// (never user-info, query or fragment: receiver URLs live in configuration only).</param>
/// <param name="LastError">Status code or error type of the last failed attempt (never the receiver's body);
/// <c>endpoint-not-configured</c> when the endpoint was removed from configuration (the delivery is then failed).</param>
public sealed record WebhookDeliveryResponse(
    Guid Id, Guid EventId, string Endpoint, string Status, int Attempts, DateTimeOffset NextAttemptAt, string? LastError,
    DateTimeOffset? DeliveredAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
