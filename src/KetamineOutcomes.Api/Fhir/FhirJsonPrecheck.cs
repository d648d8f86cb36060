using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;
using KetamineOutcomes.Core;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>
/// Checks a posted resource's raw JSON for what the Firely model cannot show afterwards, before it is parsed: the root
/// is an object naming <c>QuestionnaireResponse</c>; no property is <c>null</c>, no array is empty or holds a <c>null</c>
/// (FHIR R4 json.html; reported at its own path — Firely's messages point one past it); every string is well-formed
/// UTF-16 without control characters other than tab, CR and LF (FHIR <c>string</c>); <c>status</c> is an R4 code;
/// every number is held exactly (a decimal such as <c>2.9999999999999999999999999999999</c>
/// would otherwise be rounded to 3 and scored); <c>authored</c> is an RFC 3339 dateTime with seconds and an offset
/// (SPEC: times with an offset). Keys are FHIRPath locations (<c>valueDecimal</c> → <c>value</c>).
/// </summary>
internal static class FhirJsonPrecheck
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
        if (!root.TryGetProperty("resourceType", out var type) || type.ValueKind != JsonValueKind.String || !TryRead(type.GetString, out var name) || name != Root)
        {
            errors.Add("resourceType", $"Must be the string \"{Root}\"; this endpoint creates QuestionnaireResponses only.");
            return false;
        }
        Walk(root, Root, errors);
        if (!errors.IsEmpty) return true;
        if (root.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String && !Statuses.Contains(status.GetString()!))
            errors.Add($"{Root}.status", $"Must be one of the QuestionnaireResponse status codes of FHIR R4: {string.Join(", ", Statuses)} (completed and amended are stored).");
        // The JSON API's rule for clinical times (one parser): seconds and an offset, since a time without one is ambiguous.
        // FHIR allows any number of fractional digits; what the store would truncate is refused, as on the JSON API.
        if (root.TryGetProperty("authored", out var authored))
        {
            var reading = authored.ValueKind == JsonValueKind.String
                ? Infrastructure.Rfc3339DateTimeOffsetConverter.Parse(authored.GetString()!, out _)
                : Infrastructure.Rfc3339DateTimeOffsetConverter.Reading.NotRfc3339;
            if (reading == Infrastructure.Rfc3339DateTimeOffsetConverter.Reading.FinerThanMicroseconds)
                errors.Add($"{Root}.authored", Infrastructure.Rfc3339DateTimeOffsetConverter.PrecisionRefusal);
            else if (reading != Infrastructure.Rfc3339DateTimeOffsetConverter.Reading.Valid)
                errors.Add($"{Root}.authored", $"Must be {Infrastructure.Rfc3339DateTimeOffsetConverter.Expected} (seconds required; a time without an offset is ambiguous).");
        }
        return true;
    }

    private static readonly string[] Statuses =
        [.. Enum.GetValues<Hl7.Fhir.Model.QuestionnaireResponse.QuestionnaireResponseStatus>().Select(s => Hl7.Fhir.Utility.EnumUtility.GetLiteral(s))];

    // Where the walk is: each segment a property or an array index. Its FHIRPath is built only for an error, not for every
    // element (a path string per element was most of this check's cost, issue 24).
    private readonly record struct Segment(JsonProperty Property, int Index);

    private sealed class Location(string root)
    {
        private readonly List<Segment> _segments = [];

        public void Push(Segment segment) => _segments.Add(segment);

        public void Pop() => _segments.RemoveAt(_segments.Count - 1);

        public override string ToString()
        {
            var path = new System.Text.StringBuilder(root);
            foreach (var s in _segments)
            {
                if (s.Index >= 0) path.Append('[').Append(s.Index.ToString(CultureInfo.InvariantCulture)).Append(']');
                else path.Append('.').Append(FhirName(s.Property.Name));
            }
            return path.ToString();
        }

        public string Child(string name) => $"{this}.{name}";
    }

    private static void Walk(JsonElement element, string root, ValidationErrors errors) => Walk(element, new Location(root), errors);

    private static void Walk(JsonElement element, Location path, ValidationErrors errors)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                // value[x] is a choice: one of its forms, never two (Firely would only say "duplicate property").
                var choices = 0;
                foreach (var property in element.EnumerateObject())
                    if (NameOf(property) is { Readable: true, Choice: true }) choices++;
                if (choices > 1)
                {
                    var names = element.EnumerateObject().Where(p => NameOf(p) is { Readable: true, Choice: true }).Select(p => p.Name);
                    errors.Add(path.Child("value"), $"Carries {string.Join(" and ", names)}: value[x] takes exactly one form; send the one the question asks for.");
                }
                foreach (var property in element.EnumerateObject())
                {
                    var name = NameOf(property);
                    if (!name.Readable)
                    {
                        errors.Add(path.ToString(), "A property name is not well-formed text (invalid UTF-8 or a lone surrogate escape).");
                        continue;
                    }
                    path.Push(new Segment(property, -1));
                    if (property.Value.ValueKind == JsonValueKind.Null) errors.Add(path.ToString(), $"'{Shown(property.Name)}' is null: FHIR JSON has no nulls; leave the element out.");
                    else if (!name.ResourceType) Walk(property.Value, path, errors);
                    path.Pop();
                }
                break;
            case JsonValueKind.Array:
                if (element.GetArrayLength() == 0) errors.Add(path.ToString(), "An empty array: FHIR JSON has no empty arrays; leave the element out.");
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    path.Push(new Segment(default, i++));
                    if (item.ValueKind == JsonValueKind.Null) errors.Add(path.ToString(), "An array element is null: send the element, or leave it out.");
                    else Walk(item, path, errors);
                    path.Pop();
                }
                break;
            case JsonValueKind.String:
                // Unescaped text in valid UTF-8 is well-formed, and holds no control character (JSON refuses them unescaped).
                var raw = JsonMarshal.GetRawUtf8Value(element)[1..^1];
                if (raw.IndexOf((byte)'\\') < 0 && Utf8.IsValid(raw)) break;
                if (!TryRead(element.GetString, out var text)) errors.Add(path.ToString(), "Not well-formed text (invalid UTF-8 or a lone surrogate escape).");
                else if (text!.Any(c => c < ' ' && c is not ('\t' or '\r' or '\n')))
                    errors.Add(path.ToString(), "Holds a control character (below U+0020 other than tab, CR, LF), which FHIR strings do not allow.");
                break;
            case JsonValueKind.Number:
                if (IsSmallInteger(JsonMarshal.GetRawUtf8Value(element))) break;
                var literal = element.GetRawText();
                if (!IsExact(literal))
                    errors.Add(path.ToString(), $"The number {Shown(literal)} cannot be held exactly as a decimal (at most 28 significant digits, no finer than 1e-28); it would be rounded.");
                break;
        }
    }

    /// <summary>Whether a property name reads as text, is <c>resourceType</c>, and is a <c>value[x]</c> form (<see cref="FhirName"/>).</summary>
    private readonly record struct Name(bool Readable, bool ResourceType, bool Choice);

    private static Name NameOf(JsonProperty property)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(property);
        if (raw.IndexOf((byte)'\\') < 0 && System.Text.Ascii.IsValid(raw))
            return new(true, raw.SequenceEqual("resourceType"u8), raw.Length > 5 && raw.StartsWith("value"u8) && raw[5] is >= (byte)'A' and <= (byte)'Z');
        // Escaped or beyond ASCII: read as text, as FhirName does.
        if (!TryRead(() => property.Name, out var name)) return new(false, false, false);
        return new(true, name == "resourceType", FhirName(name!) == "value" && name != "value");
    }

    /// <summary>An integer literal of at most 28 digits: every such number is held exactly by a decimal.</summary>
    private static bool IsSmallInteger(ReadOnlySpan<byte> literal)
    {
        if (literal.Length > 0 && literal[0] == (byte)'-') literal = literal[1..];
        return literal.Length is > 0 and <= 28 && literal.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0;
    }

    private static bool TryRead(Func<string?> read, out string? value)
    {
        try
        {
            value = read();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = null;
            return false;
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
}
