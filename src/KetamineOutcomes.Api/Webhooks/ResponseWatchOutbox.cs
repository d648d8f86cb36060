using System.Text.Json;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Trends;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Webhooks;

/// <summary>One end of an episode in a <see cref="ResponseWatchEvent"/>: which questionnaire, when, its total.</summary>
public sealed record EpisodeMark(Guid QuestionnaireId, DateTimeOffset CompletedAt, int TotalScore);

/// <summary>
/// The webhook body of <c>response.lost</c> and <c>remission.relapsed</c> (SPEC v2, "Response durability"): which patient,
/// site and instrument, the episode's start (the response, or the remission) and its setback (the loss, or the relapse),
/// the baseline total and days from the last infusion to the setback. No MRN, no answers, no alert id: it is not a
/// safety alert.
/// </summary>
/// <param name="Kind"><c>loss-of-response</c> or <c>relapse</c>, as on the worklist.</param>
/// <param name="DaysSinceLastInfusion">floor(days from the last infusion at or before the setback to the setback).</param>
public sealed record ResponseWatchEvent(
    Guid EventId, string Type, DateTimeOffset OccurredAt, Guid PatientId, string? SiteId, Instrument Instrument, WatchKind Kind,
    int BaselineTotal, EpisodeMark EpisodeStart, EpisodeMark Setback, int SessionNumber, int DaysSinceLastInfusion);

/// <summary>Builds the outbox event of one watch entry under its per-episode id (<see cref="WatchEventId"/>).</summary>
internal static class ResponseWatchOutbox
{
    public const string LostType = "response.lost", RelapsedType = "remission.relapsed";

    public static Guid IdOf(Guid patientId, WatchEntry e) => WatchEventId.For(e.Kind, patientId, e.Instrument, e.EpisodeStart.QuestionnaireId);

    public static OutboxEvent EventOf(Guid patientId, string? siteId, WatchEntry e, DateTimeOffset now)
    {
        var id = IdOf(patientId, e);
        var type = e.Kind == WatchKind.Relapse ? RelapsedType : LostType;
        var payload = JsonSerializer.Serialize(new ResponseWatchEvent(id, type, now, patientId, siteId, e.Instrument, e.Kind, e.Baseline.TotalScore,
            new EpisodeMark(e.EpisodeStart.QuestionnaireId, e.EpisodeStart.CompletedAt, e.EpisodeStart.TotalScore),
            new EpisodeMark(e.Setback.QuestionnaireId, e.Setback.CompletedAt, e.Setback.TotalScore),
            e.Setback.SessionNumber, e.Setback.DaysSinceLastInfusion), AlertOutbox.Json);
        return new OutboxEvent(id, type, null, patientId, payload, now);
    }
}
