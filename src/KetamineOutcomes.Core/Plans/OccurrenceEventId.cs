using System.Security.Cryptography;
using System.Text;

namespace KetamineOutcomes.Core.Plans;

/// <summary>
/// The event id of an occurrence's <c>assessment.due</c> webhook (SPEC v2, Measurement plans: "event id stable per
/// occurrence"): a name-based UUID (RFC 9562 version 8, SHA-256) of (patient id, rule id, dueAt), so every instance and
/// every restart derives the same id for the same occurrence and the outbox can insert it only if absent. An
/// occurrence that moves (a back-dated infusion, a late assessment restarting an interval) has another dueAt and so
/// another id: it is a new occurrence. Formatted like the other event ids (a UUID).
/// </summary>
public static class OccurrenceEventId
{
    // Fixed for this product and event type: another name-based id scheme never yields the same ids.
    private static readonly byte[] Namespace = Encoding.ASCII.GetBytes("ketamine-outcomes/assessment.due/v1\n");

    /// <summary>The id for the occurrence of <paramref name="ruleId"/> due at <paramref name="dueAt"/> (any offset; its instant counts).</summary>
    public static Guid For(Guid patientId, string ruleId, DateTimeOffset dueAt)
    {
        var name = Encoding.UTF8.GetBytes(FormattableString.Invariant($"{patientId:N}\n{ruleId}\n{dueAt.UtcTicks}"));
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData([.. Namespace, .. name], hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // version 8
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(bytes, bigEndian: true);
    }
}
