using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>
/// Where a page of a FHIR searchset ended: the sort key (instant, resource id) of its last entry and the direction it
/// was sorted in. Pages continue strictly after this key, so entries written between page fetches neither shift later
/// pages (no duplicate) nor push an entry past them (no skip), unlike an offset.
/// </summary>
/// <remarks>
/// Wire form (opaque to clients; only our <c>next</c> links carry it): base64url of <c>1.{a|d}.{UTC ticks}.{id}</c>.
/// Anything else, or a cursor of the other sort direction, is a 400 naming <c>_cursor</c>.
/// </remarks>
internal sealed partial record FhirCursor(bool Descending, DateTimeOffset At, string Id)
{
    public const string Parameter = "_cursor";

    public string Encode() => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
        $"1.{(Descending ? 'd' : 'a')}.{At.UtcTicks.ToString(CultureInfo.InvariantCulture)}.{Id}"));

    public static FhirCursor? TryDecode(string raw)
    {
        if (raw.Length is 0 or > 200 || !Base64Url.IsValid(raw)) return null;
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(raw));
        }
        catch (FormatException)
        {
            return null;
        }
        var m = Wire().Match(text);
        if (!m.Success || !long.TryParse(m.Groups["ticks"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
            return null;
        return new FhirCursor(m.Groups["dir"].Value == "d", new DateTimeOffset(ticks, TimeSpan.Zero), m.Groups["id"].Value);
    }

    // The id is a FHIR id (R4 §2.24.0.1 "id": [A-Za-z0-9\-\.]{1,64}).
    [GeneratedRegex(@"^1\.(?<dir>[ad])\.(?<ticks>\d{1,19})\.(?<id>[A-Za-z0-9\-\.]{1,64})\z")]
    private static partial Regex Wire();
}
