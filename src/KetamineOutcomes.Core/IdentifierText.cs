using System.Buffers;
using System.Globalization;
using System.Text;

namespace KetamineOutcomes.Core;

/// <summary>
/// The one rule for caller-supplied identifier text (<c>mrn</c>, <c>siteId</c>, API-key <c>name</c>; SPEC v2
/// "Boundaries"): identifiers are compared and stored in Unicode Normalization Form C (UAX #15), and characters that
/// change how text displays without being seen are refused, so two identifiers that look the same are the same.
/// </summary>
/// <remarks>
/// Refused: control (Cc), format (Cf: zero-width, bidi overrides and isolates, U+FEFF), line/paragraph separators
/// (Zl, Zp), unpaired surrogates (Cs; they cannot be normalised), unassigned code points (Cn; UAX #15 keeps NFC
/// stable only for assigned characters), private use (Co), the other invisible characters (Default_Ignorable_Code_Point,
/// Hangul fillers, braille blank), U+FFFD, and white space at either end (refused rather than trimmed away unseen). <c>char.IsControl</c> alone covers Cc only.
/// </remarks>
public static class IdentifierText
{
    /// <summary>The first refused character of an identifier.</summary>
    /// <param name="Index">0-based position counted in Unicode code points (a surrogate pair counts once).</param>
    /// <param name="CodePoint">The character (for an unpaired surrogate, the surrogate code unit).</param>
    public sealed record Refusal(int Index, int CodePoint, string Category, string? Name)
    {
        /// <summary>E.g. "U+200B ZERO WIDTH SPACE (format character, Cf) at index 8".</summary>
        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"U+{CodePoint:X4}{(Name is null ? "" : " " + Name)} ({Category}) at index {Index}");
    }

    /// <summary>What a refusal message says is expected.</summary>
    public const string Expectation =
        "Identifiers must not contain control (Cc), format (Cf, e.g. zero-width or bidi), line/paragraph separator (Zl, Zp), " +
        "unpaired surrogate (Cs), unassigned (Cn), private-use (Co) or other invisible characters, a replacement character, " +
        "or white space at the start or end; the index counts code points from 0.";

    /// <summary>The first refused character of <paramref name="value"/>, or null when it may be an identifier.</summary>
    public static Refusal? FindRefused(string value)
    {
        var index = 0;
        for (var i = 0; i < value.Length; index++)
        {
            if (Rune.DecodeFromUtf16(value.AsSpan(i), out var rune, out var used) != OperationStatus.Done)
                return new Refusal(index, value[i], "unpaired surrogate, Cs", null);
            var category = Rune.GetUnicodeCategory(rune);
            var label = category switch
            {
                UnicodeCategory.Control => "control character, Cc",
                UnicodeCategory.Format => "format character, Cf",
                UnicodeCategory.LineSeparator => "line separator, Zl",
                UnicodeCategory.ParagraphSeparator => "paragraph separator, Zp",
                UnicodeCategory.OtherNotAssigned => "unassigned code point, Cn",
                UnicodeCategory.PrivateUse => "private-use character, Co",
                _ when IsInvisible(rune.Value) => "invisible character (Unicode Default_Ignorable_Code_Point, a filler or blank)",
                _ when rune.Value == 0xFFFD => "replacement character: the text was damaged before it was sent",
                _ when Rune.IsWhiteSpace(rune) && (i == 0 || i + used == value.Length) => "white space at the start or end",
                _ => null,
            };
            if (label is not null) return new Refusal(index, rune.Value, label, NameOf(rune.Value));
            i += used;
        }
        return null;
    }

    /// <summary>
    /// The stored and compared form: NFC, without surrounding white space. Call only on text
    /// <see cref="FindRefused"/> accepts (string.Normalize throws on unpaired surrogates).
    /// </summary>
    public static string Canonical(string value) => Nfc(value).Trim();

    /// <summary>Normalization Form C (UAX #15). Call only on text <see cref="FindRefused"/> accepts.</summary>
    public static string Nfc(string value) => value.Normalize(NormalizationForm.FormC);

    /// <summary>
    /// Whether the text holds at least one character a reader sees (a letter, number, punctuation or symbol that is not one
    /// of the invisible ones), so a note of zero-width, filler or private-use characters does not count as written.
    /// </summary>
    public static bool HasVisible(string value)
    {
        foreach (var rune in value.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            var seen = category is >= UnicodeCategory.UppercaseLetter and <= UnicodeCategory.OtherLetter
                or >= UnicodeCategory.DecimalDigitNumber and <= UnicodeCategory.OtherNumber
                or >= UnicodeCategory.ConnectorPunctuation and <= UnicodeCategory.OtherSymbol;
            if (seen && !IsInvisible(rune.Value) && rune.Value != 0xFFFD) return true;
        }
        return false;
    }

    /// <summary>
    /// Characters that render as nothing: Unicode's Default_Ignorable_Code_Point set (DerivedCoreProperties.txt, those not
    /// already Cf or Cn) and the blank fillers that look like nothing (Hangul fillers, braille blank).
    /// </summary>
    private static bool IsInvisible(int c) =>
        c is 0x034F or 0x115F or 0x1160 or 0x17B4 or 0x17B5 or 0x3164 or 0xFFA0 or 0x2800
        || c is >= 0x180B and <= 0x180F || c is >= 0xFE00 and <= 0xFE0F || c is >= 0xE0100 and <= 0xE01EF || c is >= 0x2060 and <= 0x206F
        || c is >= 0xFFF0 and <= 0xFFF8 || c is >= 0x1BCA0 and <= 0x1BCA3 || c is >= 0x1D173 and <= 0x1D17A || c is >= 0xE0000 and <= 0xE0FFF;

    // Names of the refused characters seen in practice (.NET carries no Unicode name table); others show their category.
    private static string? NameOf(int codePoint) => codePoint switch
    {
        0x00 => "NULL",
        0x09 => "CHARACTER TABULATION",
        0x0A => "LINE FEED",
        0x0D => "CARRIAGE RETURN",
        0x1B => "ESCAPE",
        0x7F => "DELETE",
        0x85 => "NEXT LINE",
        0xAD => "SOFT HYPHEN",
        0x061C => "ARABIC LETTER MARK",
        0x180E => "MONGOLIAN VOWEL SEPARATOR",
        0x200B => "ZERO WIDTH SPACE",
        0x200C => "ZERO WIDTH NON-JOINER",
        0x200D => "ZERO WIDTH JOINER",
        0x200E => "LEFT-TO-RIGHT MARK",
        0x200F => "RIGHT-TO-LEFT MARK",
        0x2028 => "LINE SEPARATOR",
        0x2029 => "PARAGRAPH SEPARATOR",
        0x202A => "LEFT-TO-RIGHT EMBEDDING",
        0x202B => "RIGHT-TO-LEFT EMBEDDING",
        0x202C => "POP DIRECTIONAL FORMATTING",
        0x202D => "LEFT-TO-RIGHT OVERRIDE",
        0x202E => "RIGHT-TO-LEFT OVERRIDE",
        0x2060 => "WORD JOINER",
        0x2066 => "LEFT-TO-RIGHT ISOLATE",
        0x2067 => "RIGHT-TO-LEFT ISOLATE",
        0x2068 => "FIRST STRONG ISOLATE",
        0x2069 => "POP DIRECTIONAL ISOLATE",
        0xFEFF => "ZERO WIDTH NO-BREAK SPACE",
        _ => null,
    };
}
