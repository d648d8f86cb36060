using System.Data.Common;
using System.Text.Json;
using KetamineOutcomes.Core;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Webhooks;

/// <summary>
/// The webhook body of <c>assessment.amended</c> and <c>assessment.entered-in-error</c> (SPEC v2, Corrections): which
/// record changed and its new version, so a receiver re-reads it. No answers, no MRN.
/// </summary>
/// <param name="RecordType"><c>questionnaire</c> or <c>suicidality-checkin</c>.</param>
public sealed record AssessmentChangedEvent(
    Guid EventId, string Type, DateTimeOffset OccurredAt, Guid PatientId, RecordKind RecordType, Guid RecordId, int Version, RecordStatus Status);

/// <summary>Writes the event of a corrected assessment into the outbox (one delivery per endpoint), in the correction's transaction.</summary>
internal static class AssessmentOutbox
{
    public const string AmendedType = "assessment.amended", EnteredInErrorType = "assessment.entered-in-error";

    public static Task EnqueueAsync(
        DbConnection c, DbTransaction tx, RecordKind kind, Guid recordId, Guid patientId, int version, RecordStatus status, DateTimeOffset at,
        IReadOnlyList<WebhookTarget> targets, CancellationToken ct)
    {
        var eventId = Guid.CreateVersion7();
        var type = status == RecordStatus.EnteredInError ? EnteredInErrorType : AmendedType;
        var payload = JsonSerializer.Serialize(new AssessmentChangedEvent(eventId, type, at, patientId, kind, recordId, version, status), AlertOutbox.Json);
        return OutboxStore.EnqueueAsync(c, tx, new OutboxEvent(eventId, type, null, patientId, payload, at), targets, ct);
    }
}
