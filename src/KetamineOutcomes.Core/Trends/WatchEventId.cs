using System.Security.Cryptography;
using System.Text;

namespace KetamineOutcomes.Core.Trends;

/// <summary>
/// The event id of a <c>response.lost</c> or <c>remission.relapsed</c> webhook (SPEC v2, "Response durability": once per
/// patient episode): a name-based UUID (RFC 9562 version 8, SHA-256) of (patient, instrument, the setback's questionnaire),
/// so every pass, restart and instance derives the same id for one setback and the outbox inserts it only if absent.
/// Not of the kind: one setback that ends a remission and a response is one event, whichever kind the watch gives it
/// (a relapse already sent covers the loss). A new response (or remission) that is lost again is a new setback, hence a
/// new id; so is a later setback after the announced one was corrected away (the first event names a record that no
/// longer is one).
/// </summary>
public static class WatchEventId
{
    // Fixed for this product and these event types: no other name-based scheme here yields the same ids. v2: keyed by
    // the setback, not by (kind, episode start) as before.
    private static readonly byte[] Namespace = Encoding.ASCII.GetBytes("ketamine-outcomes/response-watch/v2\n");

    /// <summary>The id for the setback <paramref name="setbackQuestionnaireId"/> of <paramref name="patientId"/> on <paramref name="instrument"/>.</summary>
    public static Guid For(Guid patientId, Instruments.Instrument instrument, Guid setbackQuestionnaireId)
    {
        var name = Encoding.UTF8.GetBytes($"{patientId:N}\n{WireNames.Of(instrument)}\n{setbackQuestionnaireId:N}");
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData([.. Namespace, .. name], hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // version 8
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(bytes, bigEndian: true);
    }
}
