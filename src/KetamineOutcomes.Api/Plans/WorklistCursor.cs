using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Plans;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Api.Plans;

/// <summary>
/// The worklist's cursor (<c>GET /due</c>): the last item's (dueAt, patient, key) and the query it was issued for —
/// site and status — base64url-encoded as <c>w1|site|status|micros|patient|key</c>. A cursor read with another
/// <c>siteId</c> or <c>status</c>, or whose parts are not what this service writes (an instant outside the stored
/// range, a key that is not a rule id with an optional infusion id), is refused (400 naming <c>cursor</c>): it would
/// otherwise start another list at a position of this one. Unsigned: it binds a page to its query, it is no secret.
/// </summary>
internal static partial class WorklistCursor
{
    private const string Prefix = "w1";
    private const int MaxLength = 256; // site (64) + key (73) + the rest, base64url: well under

    private static readonly long MinMicros = DbTime.ToDb(DateTimeOffset.MinValue), MaxMicros = DbTime.ToDb(DateTimeOffset.MaxValue);

    public const string Refusal = "Not a cursor this service issued for this siteId and status: send the nextCursor of the previous page of the same query, or none for the first page.";

    /// <summary>The cursor after <paramref name="position"/> in the worklist of <paramref name="siteId"/> and <paramref name="status"/> (null: both).</summary>
    public static string Encode(string siteId, OccurrenceStatus? status, DueWorklist.Position position) =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes(string.Join('|', Prefix, siteId, StatusOf(status),
            position.DueAtMicros.ToString(CultureInfo.InvariantCulture), position.PatientId.ToString("N"), position.Key)));

    /// <summary>The position a cursor names, or null when it was not issued for this site and status (or not by this service).</summary>
    public static DueWorklist.Position? Decode(string raw, string siteId, OccurrenceStatus? status)
    {
        if (raw.Length is 0 or > MaxLength || !Base64Url.IsValid(raw)) return null;
        var bytes = Base64Url.DecodeFromChars(raw);
        if (bytes.Any(b => b is < 0x21 or > 0x7E)) return null; // visible ASCII only, as written
        var parts = Encoding.ASCII.GetString(bytes).Split('|');
        if (parts.Length != 6 || parts[0] != Prefix || parts[1] != siteId || parts[2] != StatusOf(status)) return null;
        if (!long.TryParse(parts[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var micros)
            || micros < MinMicros || micros > MaxMicros || parts[3] != micros.ToString(CultureInfo.InvariantCulture)) return null;
        if (!Guid.TryParseExact(parts[4], "N", out var patient) || parts[4] != patient.ToString("N")) return null;
        return KeyPattern().IsMatch(parts[5]) ? new DueWorklist.Position(micros, patient, parts[5]) : null;
    }

    private static string StatusOf(OccurrenceStatus? status) => status is { } s ? WireNames.Of(s) : "any";

    // DueWorklist.KeyOf: a rule id (MeasurementPlanValidation), then '/' and an infusion id for after-infusion occurrences.
    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,39}(/[0-9a-f]{32})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();
}
