using System.Text.Json;
using KetamineOutcomes.Core.Plans;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Webhooks;

/// <summary>
/// The webhook body of <c>assessment.due</c> (SPEC v2, Measurement plans): which occurrence became due, enough for a
/// portal to send a reminder and then read <c>GET /patients/{id}/due</c> with its own key. No MRN, no other PHI.
/// </summary>
/// <param name="SiteId">The patient's site; null for a patient without one.</param>
public sealed record AssessmentDueEvent(
    Guid EventId, string Type, Guid PatientId, string? SiteId, string RuleId, PlanInstrument Instrument, DateTimeOffset DueAt, DateTimeOffset WindowEnd);

/// <summary>An occurrence that became due as an outbox event under its stable id (<see cref="OccurrenceEventId"/>).</summary>
internal static class AssessmentDueOutbox
{
    public const string EventType = "assessment.due";

    public static OutboxEvent EventOf(Guid patientId, string? siteId, DueOccurrence o, DateTimeOffset now)
    {
        var eventId = OccurrenceEventId.For(patientId, o.RuleId, o.DueAt);
        var payload = JsonSerializer.Serialize(
            new AssessmentDueEvent(eventId, EventType, patientId, siteId, o.RuleId, o.Instrument, o.DueAt, o.WindowEnd), AlertOutbox.Json);
        return new OutboxEvent(eventId, EventType, null, patientId, payload, now);
    }
}
