using System.Globalization;
using System.Text.RegularExpressions;
using KetamineOutcomes.Core;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>Shape rules shared by the request validators: required fields, clinical time bounds, text limits.</summary>
internal static partial class FieldRules
{
    /// <summary>Times more than this far ahead of the server clock are refused (clock skew allowance).</summary>
    public static readonly TimeSpan FutureTolerance = TimeSpan.FromMinutes(5);

    /// <summary>Earliest accepted clinical time: keeps arithmetic (−30 days, day offsets) far from DateTimeOffset.MinValue.</summary>
    public static readonly DateTimeOffset EarliestInstant = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A required value; the message says what it must be ("Required. Must be one of: iv, im, …").</summary>
    public static T? Required<T>(T? value, string field, ValidationErrors errors) where T : struct
    {
        // The same wording as a refused JSON value of that type (JsonRefusal): one place says what a type must be.
        if (value is null) errors.Add(field, $"Required. Must be {JsonRefusal.Expected(typeof(T), System.Text.Json.JsonSerializerOptions.Web)}.");
        return value;
    }

    /// <summary>A required clinical instant: not before 1900, not more than 5 minutes in the future; normalised to stored precision.</summary>
    public static DateTimeOffset Instant(DateTimeOffset? value, string field, DateTimeOffset now, ValidationErrors errors)
    {
        if (value is not { } v)
        {
            errors.Add(field, $"Required. Must be {Rfc3339DateTimeOffsetConverter.Expected}.");
            return default;
        }
        if (v > now + FutureTolerance) errors.Add(field, "Must not be more than 5 minutes in the future.");
        if (v < EarliestInstant) errors.Add(field, "Must not be before 1900-01-01.");
        return DbTime.Normalize(v);
    }

    public static void Text(string? value, string field, int maxLength, ValidationErrors errors)
    {
        if (value is null) return;
        if (value.Length == 0 || string.IsNullOrWhiteSpace(value)) errors.Add(field, "Must not be empty when given: leave the field out, or send at least one visible character.");
        else if (value.Length > maxLength) errors.Add(field, $"Must be at most {maxLength} characters.");
        else if (value.Any(c => char.IsControl(c) && c is not ('\t' or '\r' or '\n')))
            errors.Add(field, "Must not contain control characters (U+0000–U+001F, U+007F–U+009F) other than tab and line breaks: send plain text.");
        else if (value.Any(IsBidiControl))
            errors.Add(field, "Must not contain bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069): they reorder what a reader sees.");
    }

    /// <summary>
    /// Free identifier text such as <c>mrn</c> or a key <c>name</c> (SPEC v2 Boundaries; the rule is
    /// <see cref="KetamineOutcomes.Core.IdentifierText"/>): a refused character is a 400 naming it (U+XXXX, name or
    /// category, index); otherwise returns the stored and compared form (NFC per UAX #15, trimmed), 1–maxLength long.
    /// </summary>
    public static string? IdentifierText(string? value, string field, int maxLength, ValidationErrors errors)
    {
        if (value is null) return null;
        if (!NoRefusedCharacters(value, field, errors)) return null;
        var canonical = KetamineOutcomes.Core.IdentifierText.Canonical(value);
        if (canonical.Length == 0) errors.Add(field, "Must not be empty when given: leave the field out, or send at least one visible character.");
        else if (canonical.Length > maxLength) errors.Add(field, $"Must be at most {maxLength} characters.");
        return canonical;
    }

    /// <summary>A site identifier: identifier text restricted to 1–64 of letters, digits, '.', '_' or '-' (so already NFC).</summary>
    public static string? Identifier(string? value, string field, ValidationErrors errors)
    {
        if (value is null) return null;
        if (!NoRefusedCharacters(value, field, errors)) return null;
        if (!IdentifierPattern().IsMatch(value)) errors.Add(field, "Must be 1–64 characters: letters, digits, '.', '_' or '-'.");
        return value;
    }

    private static bool NoRefusedCharacters(string value, string field, ValidationErrors errors)
    {
        if (KetamineOutcomes.Core.IdentifierText.FindRefused(value) is not { } refused) return true;
        errors.Add(field, $"Must not contain {refused.Describe()}. {KetamineOutcomes.Core.IdentifierText.Expectation}");
        return false;
    }

    /// <summary>
    /// Why a record is corrected (SPEC v2, Corrections): required, 1–500 characters once trimmed, plain text as
    /// <see cref="Text"/>; returns the trimmed reason that is stored.
    /// </summary>
    public static string? Reason(string? value, ValidationErrors errors)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            errors.Add("reason", "Required: why the record is corrected, e.g. \"entered for the wrong patient\" (1–500 characters).");
            return null;
        }
        var before = errors.Count;
        Text(trimmed, "reason", 500, errors);
        return errors.Count == before ? trimmed : null;
    }

    public static void Range(int? value, string field, int min, int max, ValidationErrors errors)
    {
        if (value is { } v && (v < min || v > max))
            errors.Add(field, string.Create(CultureInfo.InvariantCulture, $"Must be between {min} and {max}."));
    }

    public static void Range(double? value, string field, double min, double max, ValidationErrors errors)
    {
        if (value is { } v && (double.IsNaN(v) || v <= min || v > max))
            errors.Add(field, string.Create(CultureInfo.InvariantCulture, $"Must be greater than {min} and at most {max}."));
    }

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}\z", RegexOptions.CultureInvariant)] // \z, not $: "$" matches before a final "\n"
    private static partial Regex IdentifierPattern();

    private static bool IsBidiControl(char c) => c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');
}
