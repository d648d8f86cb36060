using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>
/// Reads only RFC 3339 instants with an explicit offset ("Z" or ±hh:mm): a clinical time without one is
/// ambiguous, and silently reading it in the server's zone would move assessments across infusions. The one place
/// where every instant the service reads (JSON bodies, query strings, FHIR <c>authored</c>) is parsed, and where the
/// precision rule lives: no finer than the microseconds the store keeps (<see cref="Data.Infrastructure.DbTime"/>).
/// Writes UTC with a "+00:00" offset.
/// </summary>
internal sealed class Rfc3339DateTimeOffsetConverter : JsonConverter<DateTimeOffset>
{
    /// <summary>How a text read as an instant turned out.</summary>
    public enum Reading
    {
        /// <summary>An instant the store keeps exactly.</summary>
        Valid,
        /// <summary>Not an RFC 3339 date-time with seconds and an offset.</summary>
        NotRfc3339,
        /// <summary>Well formed, but with a non-zero digit after the sixth fractional-second digit: storing it would truncate it.</summary>
        FinerThanMicroseconds,
    }

    private static readonly string[] Formats = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFK"];

    // "yyyy-MM-ddTHH:mm:ss" is 19 characters; a fraction starts with the '.' after it.
    private const int FractionDot = 19;
    private const int StoredFractionDigits = 6;

    /// <summary>What an instant must be, as the end of "Must be …" (the body's and the query string's message).</summary>
    public const string Expected = "an RFC 3339 date-time with an offset, e.g. 2026-03-02T09:30:00Z";

    /// <summary>The refusal of an instant finer than the store keeps (the message under the field's name).</summary>
    public const string PrecisionRefusal =
        "Must be precise to the microsecond at most (up to 6 fractional-second digits, further digits only as zeros): the store keeps microseconds, and a finer instant would be stored as a different one.";

    /// <summary>The message for a refused reading, under the field's name.</summary>
    public static string Refusal(Reading reading) => reading == Reading.FinerThanMicroseconds ? PrecisionRefusal : $"Must be {Expected}.";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonValueRefusedException($"Must be {Expected}.");
        var reading = Parse(reader.GetString()!, out var value);
        return reading == Reading.Valid ? value : throw new JsonValueRefusedException(Refusal(reading));
    }

    /// <summary>Parses "yyyy-MM-ddTHH:mm:ss[.fraction](Z|±hh:mm)"; true only for <see cref="Reading.Valid"/>.</summary>
    public static bool TryParse(string text, out DateTimeOffset value) => Parse(text, out value) == Reading.Valid;

    /// <summary>
    /// Parses "yyyy-MM-ddTHH:mm:ss[.fraction](Z|±hh:mm)": anything without an offset is <see cref="Reading.NotRfc3339"/>;
    /// a fraction may have any number of digits, but those after the sixth must be zeros (they are then dropped without
    /// loss), otherwise <see cref="Reading.FinerThanMicroseconds"/> — the store would keep a different instant.
    /// </summary>
    public static Reading Parse(string text, out DateTimeOffset value)
    {
        value = default;
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && (text[^6] == '+' || text[^6] == '-') && text[^3] == ':');
        if (!hasOffset) return Reading.NotRfc3339;
        var finer = false;
        if (text.Length > FractionDot && text[FractionDot] == '.')
        {
            var digits = 0;
            while (FractionDot + 1 + digits < text.Length && char.IsAsciiDigit(text[FractionDot + 1 + digits])) digits++;
            // RFC 3339 time-secfrac is "." 1*DIGIT: "09:00:00.Z" is not an instant (the F specifier would read it as .0).
            if (digits == 0) return Reading.NotRfc3339;
            if (digits > StoredFractionDigits)
            {
                var beyond = text.AsSpan(FractionDot + 1 + StoredFractionDigits, digits - StoredFractionDigits);
                finer = beyond.ContainsAnyExcept('0');
                text = string.Concat(text.AsSpan(0, FractionDot + 1 + StoredFractionDigits), text.AsSpan(FractionDot + 1 + digits));
            }
        }
        if (!DateTimeOffset.TryParseExact(text.ToUpperInvariant(), Formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out value))
            return Reading.NotRfc3339;
        if (!finer) return Reading.Valid;
        value = default;
        return Reading.FinerThanMicroseconds;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToUniversalTime());
}
