using KetamineOutcomes.Core;

namespace KetamineOutcomes.Core.Tests.Identifiers;

public class IdentifierTextTests
{
    [Theory]
    [InlineData("MRN-0042\u200B", 0x200B, 8, "format character, Cf")]
    [InlineData("\u202E2400-NRM", 0x202E, 0, "format character, Cf")]
    [InlineData("a\u2067b", 0x2067, 1, "format character, Cf")]
    [InlineData("a\u2068b", 0x2068, 1, "format character, Cf")]
    [InlineData("a\tb", 0x09, 1, "control character, Cc")]
    [InlineData("a\u2029b", 0x2029, 1, "paragraph separator, Zp")]
    [InlineData("a\U000E0001", 0xE0001, 1, "format character, Cf")] // LANGUAGE TAG, outside the BMP
    public void First_refused_character_is_found_with_its_code_point_index(string value, int codePoint, int index, string category)
    {
        var refused = IdentifierText.FindRefused(value);
        Assert.NotNull(refused);
        Assert.Equal((codePoint, index, category), (refused.CodePoint, refused.Index, refused.Category));
    }

    // Not theory data: xunit serialises its arguments as UTF-8, which would turn a lone surrogate into U+FFFD.
    [Fact]
    public void Unpaired_surrogate_is_refused_where_it_stands_so_normalisation_never_throws()
    {
        foreach (var (value, unit, index) in new[] { ("a\uD800b", 0xD800, 1), ("\U0001F600\uDC00", 0xDC00, 1), ("ab\uDBFF", 0xDBFF, 2) })
        {
            var refused = IdentifierText.FindRefused(value);
            Assert.NotNull(refused);
            Assert.Equal((unit, index, "unpaired surrogate, Cs"), (refused.CodePoint, refused.Index, refused.Category));
        }
    }

    [Theory]
    [InlineData("MRN-0042")]
    [InlineData("Cr\u00E9teil")]
    [InlineData("Cre\u0301teil")] // combining marks are allowed: NFC composes them
    [InlineData("\U0001F600 portal")]
    [InlineData("north clinic")]
    public void Ordinary_identifier_text_is_accepted(string value) => Assert.Null(IdentifierText.FindRefused(value));

    [Theory]
    [InlineData("MRN-0042-E\u0301", "MRN-0042-\u00C9")]
    [InlineData("MRN-0042-\u00C9", "MRN-0042-\u00C9")]
    [InlineData("  MRN-7 ", "MRN-7")]
    [InlineData("\u212B", "\u00C5")] // ANGSTROM SIGN is canonically equivalent to Å
    public void Canonical_form_is_NFC_without_surrounding_white_space(string value, string canonical) =>
        Assert.Equal(canonical, IdentifierText.Canonical(value));

    [Fact]
    public void Description_names_the_character_category_and_index() =>
        Assert.Equal("U+202E RIGHT-TO-LEFT OVERRIDE (format character, Cf) at index 0", IdentifierText.FindRefused("\u202EX")!.Describe());
}
