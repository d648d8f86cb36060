using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>
/// Reads only RFC 3339 instants with an explicit offset ("Z" or ±hh:mm): a clinical time without one is
/// ambiguous, and silently reading it in the server's zone would move assessments across infusions.
/// Writes UTC with a "+00:00" offset.
/// </summary>
internal sealed class Rfc3339DateTimeOffsetConverter : JsonConverter<DateTimeOffset>
{
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
    ];

    /// <summary>What an instant must be, as the end of "Must be …" (the body's and the query string's message).</summary>
    public const string Expected = "an RFC 3339 date-time with an offset, e.g. 2026-03-02T09:30:00Z";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && TryParse(reader.GetString()!, out var value)
            ? value
            : throw new JsonValueRefusedException($"Must be {Expected}.");

    /// <summary>Parses "yyyy-MM-ddTHH:mm:ss[.fraction](Z|±hh:mm)"; anything without an offset is refused.</summary>
    public static bool TryParse(string text, out DateTimeOffset value)
    {
        value = default;
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && (text[^6] == '+' || text[^6] == '-') && text[^3] == ':');
        return hasOffset && DateTimeOffset.TryParseExact(text.ToUpperInvariant(), Formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToUniversalTime());
}
