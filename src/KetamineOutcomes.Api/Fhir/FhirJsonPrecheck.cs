using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using KetamineOutcomes.Core;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>
/// Checks a posted resource's raw JSON for what the Firely model cannot show afterwards, before it is parsed: the root
/// is an object naming <c>QuestionnaireResponse</c>; no array holds a <c>null</c> (reported at its own index — Firely's
/// message points one past it); every number is held exactly (a decimal such as <c>2.9999999999999999999999999999999</c>
/// would otherwise be rounded to 3 and scored); <c>authored</c> is an RFC 3339 dateTime with seconds and an offset
/// (SPEC: times with an offset). Keys are FHIRPath locations (<c>valueDecimal</c> → <c>value</c>).
/// </summary>
internal static partial class FhirJsonPrecheck
{
    private const string Root = "QuestionnaireResponse";

    /// <summary>Adds an error for each problem found; returns false when the document is not a QuestionnaireResponse object at all.</summary>
    public static bool Check(JsonElement root, ValidationErrors errors)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add("body", $"Must be a JSON object (a FHIR QuestionnaireResponse), not a JSON {root.ValueKind.ToString().ToLowerInvariant()}.");
            return false;
        }
        if (!root.TryGetProperty("resourceType", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != Root)
        {
            errors.Add("resourceType", $"Must be the string \"{Root}\"; this endpoint creates QuestionnaireResponses only.");
            return false;
        }
        if (root.TryGetProperty("authored", out var authored) && (authored.ValueKind != JsonValueKind.String || !Rfc3339().IsMatch(authored.GetString()!)))
        {
            errors.Add($"{Root}.authored",
                "Must be a dateTime with seconds and an offset (RFC 3339), e.g. 2026-03-02T09:30:00Z or 2026-03-02T10:30:00+01:00: a time without an offset is ambiguous.");
        }
        Walk(root, Root, errors);
        return true;
    }

    private static void Walk(JsonElement element, string path, ValidationErrors errors)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.NameEquals("resourceType")) continue;
                    Walk(property.Value, $"{path}.{FhirName(property.Name)}", errors);
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    var at = $"{path}[{i++}]";
                    if (item.ValueKind == JsonValueKind.Null) errors.Add(at, "An array element is null: send the element, or leave it out.");
                    else Walk(item, at, errors);
                }
                break;
            case JsonValueKind.Number:
                var text = element.GetRawText();
                if (!IsExact(text)) errors.Add(path, $"The number {Shown(text)} cannot be held exactly (at most 28 significant digits); it would be rounded. Send it as written.");
                break;
        }
    }

    /// <summary>Whether the literal's value survives as a .NET decimal, the type Firely reads FHIR decimals into.</summary>
    private static bool IsExact(string literal)
    {
        if (!decimal.TryParse(literal, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) return false;
        // Compare digits, not text: 2.50, 2.5 and 25e-1 are the same number.
        var (sent, held) = (Digits(literal), Digits(value.ToString("E28", CultureInfo.InvariantCulture)));
        return sent.Mantissa == "0" ? value == 0m : sent == held;
    }

    /// <summary>The significant digits (no leading or trailing zeros) and the decimal exponent of a number literal.</summary>
    private static (string Mantissa, int Exponent) Digits(string literal)
    {
        var s = literal.TrimStart('-', '+');
        var exponent = 0;
        var e = s.IndexOfAny(['e', 'E']);
        if (e >= 0)
        {
            exponent = int.Parse(s[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            s = s[..e];
        }
        var dot = s.IndexOf('.', StringComparison.Ordinal);
        var integral = dot < 0 ? s : s[..dot];
        var digits = (integral + (dot < 0 ? "" : s[(dot + 1)..])).TrimStart('0');
        // Exponent of the first significant digit, so 0.0025 and 2.5e-3 agree.
        var leadingZerosInFraction = dot < 0 ? 0 : s[(dot + 1)..].Length - s[(dot + 1)..].TrimStart('0').Length;
        var position = integral.TrimStart('0').Length > 0 ? integral.TrimStart('0').Length + exponent : exponent - leadingZerosInFraction;
        digits = digits.TrimEnd('0');
        return digits.Length == 0 ? ("0", 0) : (digits, position);
    }

    /// <summary><c>valueDecimal</c> → <c>value</c> (FHIRPath names a choice element without its type); other names as sent.</summary>
    private static string FhirName(string json) =>
        json.StartsWith("value", StringComparison.Ordinal) && json.Length > 5 && char.IsUpper(json[5]) ? "value" : json;

    private static string Shown(string text) => text.Length <= 40 ? text : text[..40] + "…";

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex Rfc3339();
}
