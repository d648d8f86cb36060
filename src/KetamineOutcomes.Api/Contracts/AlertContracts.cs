using System.ComponentModel.DataAnnotations;
using KetamineOutcomes.Core.Safety;

namespace KetamineOutcomes.Api.Contracts;

/// <summary>A safety alert in the clinician queue.</summary>
/// <param name="QuestionnaireId">The PHQ-9 that raised it (trigger phq9-item9).</param>
/// <param name="CheckinId">The C-SSRS check-in that raised it (trigger cssrs).</param>
/// <param name="AcknowledgedBy">Id of the API key that acknowledged it.</param>
public sealed record SafetyAlertResponse(
    Guid Id, Guid PatientId, string? SiteId, AlertLevel Level, AlertTrigger Trigger, AlertStatus Status, DateTimeOffset CreatedAt,
    Guid? QuestionnaireId, Guid? CheckinId, string? AcknowledgedBy, DateTimeOffset? AcknowledgedAt, string? Note);

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
