using System.Data.Common;
using System.Text.Json;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Core.Safety;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Webhooks;

/// <summary>The webhook body of a <c>safety-alert.created</c> event (SPEC "Shapes").</summary>
public sealed record SafetyAlertCreatedEvent(Guid EventId, string Type, Guid AlertId, Guid PatientId, AlertLevel Level, AlertTrigger Trigger, DateTimeOffset CreatedAt);

/// <summary>Writes the event of a new alert into the outbox, with a delivery per configured endpoint, in the alert's transaction.</summary>
internal static class AlertOutbox
{
    public const string EventType = "safety-alert.created";

    // The same exact wire names as the HTTP API (never a flags list or an integer); every event type's body uses them.
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new WireNameEnumConverterFactory() } };

    public static Task EnqueueAsync(DbConnection c, DbTransaction tx, SafetyAlertRecord alert, IReadOnlyList<WebhookTarget> targets, CancellationToken ct)
    {
        var eventId = Guid.CreateVersion7();
        var payload = JsonSerializer.Serialize(
            new SafetyAlertCreatedEvent(eventId, EventType, alert.Id, alert.PatientId, alert.Level, alert.Trigger, alert.CreatedAt), Json);
        return OutboxStore.EnqueueAsync(c, tx, new OutboxEvent(eventId, EventType, alert.Id, alert.PatientId, payload, alert.CreatedAt), targets, ct);
    }
}
