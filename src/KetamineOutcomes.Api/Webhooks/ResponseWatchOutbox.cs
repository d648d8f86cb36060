using System.Text.Json;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Trends;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Webhooks;

/// <summary>
/// The webhook body of <c>response.lost</c> and <c>remission.relapsed</c> (SPEC v2, "Response durability"): which
/// patient, site and instrument, and the ids of the two assessments the receiver reads with its own key — nothing
/// clinical. No score, no baseline, no clinical date, no session, no MRN, no answer, no alert id (it is not a safety
/// alert): a body held by a proxy, a log or a misrouted endpoint tells only that a patient has some setback.
/// </summary>
/// <param name="EventId">Stable per setback (<see cref="WatchEventId"/>): a redelivery repeats it.</param>
/// <param name="Type"><c>response.lost</c> (loss of response) or <c>remission.relapsed</c> (relapse; also when it is a loss too).</param>
/// <param name="OccurredAt">When the pass wrote the event (not when the patient completed anything).</param>
/// <param name="EpisodeStartQuestionnaireId">The response (or remission) that was lost: <c>GET /patients/{patientId}/questionnaires/{id}</c>.</param>
/// <param name="SetbackQuestionnaireId">The first assessment that lost it, read the same way.</param>
public sealed record ResponseWatchEvent(
    Guid EventId, string Type, DateTimeOffset OccurredAt, Guid PatientId, string? SiteId, Instrument Instrument,
    Guid EpisodeStartQuestionnaireId, Guid SetbackQuestionnaireId);

/// <summary>Builds the outbox event of one watch entry under its per-setback id (<see cref="WatchEventId"/>).</summary>
internal static class ResponseWatchOutbox
{
    public const string LostType = "response.lost", RelapsedType = "remission.relapsed";

    public static Guid IdOf(Guid patientId, WatchEntry e) => WatchEventId.For(patientId, e.Instrument, e.Setback.QuestionnaireId);

    public static OutboxEvent EventOf(Guid patientId, string? siteId, WatchEntry e, DateTimeOffset now)
    {
        var id = IdOf(patientId, e);
        var type = e.Kind == WatchKind.Relapse ? RelapsedType : LostType;
        var payload = JsonSerializer.Serialize(new ResponseWatchEvent(id, type, now, patientId, siteId, e.Instrument,
            e.EpisodeStart.QuestionnaireId, e.Setback.QuestionnaireId), AlertOutbox.Json);
        return new OutboxEvent(id, type, null, patientId, payload, now);
    }
}
