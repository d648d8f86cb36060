using System.Security.Cryptography;
using System.Text;

namespace KetamineOutcomes.Core.Trends;

/// <summary>
/// The event id of a <c>response.lost</c> or <c>remission.relapsed</c> webhook (SPEC v2, "Response durability": once per
/// patient episode): a name-based UUID (RFC 9562 version 8, SHA-256) of (kind, patient, instrument, the questionnaire
/// that opened the episode), so every pass, restart and instance derives the same id for one episode and the outbox
/// inserts it only if absent. A new response (or remission) after a setback opens a new episode, hence a new id; a
/// second setback within one episode (the first amended away, another later) keeps the id and is not sent again.
/// </summary>
public static class WatchEventId
{
    // Fixed for this product and these event types: no other name-based scheme here yields the same ids.
    private static readonly byte[] Namespace = Encoding.ASCII.GetBytes("ketamine-outcomes/response-watch/v1\n");

    public static Guid For(WatchKind kind, Guid patientId, Instruments.Instrument instrument, Guid episodeStartQuestionnaireId)
    {
        var name = Encoding.UTF8.GetBytes($"{WireNames.Of(kind)}\n{patientId:N}\n{WireNames.Of(instrument)}\n{episodeStartQuestionnaireId:N}");
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData([.. Namespace, .. name], hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // version 8
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(bytes, bigEndian: true);
    }
}
