using System.Globalization;
using System.Text.Json;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Plans;

namespace KetamineOutcomes.Api.Plans;

/// <summary>
/// Reads a <c>PUT /sites/{siteId}/measurement-plan</c> body (<see cref="Contracts.PutMeasurementPlanRequest"/>) as a
/// JSON document and names every bad field in one 400 (README: "every bad field named"), where the serializer stops at
/// the first. This reader judges only JSON shapes — an unknown or repeated field, a value of the wrong JSON type, an
/// enum that is not a wire name, a number that is not a whole one — with each field's path
/// (<c>rules[0].instrument</c>, <c>rules[0].sessions[4]</c>); the plan's rules (required fields, ranges, another
/// anchor's fields, unique ids) stay in <see cref="MeasurementPlanValidation"/>, which skips what this reader refused.
/// Field names are matched exactly, as the API's JSON options do.
/// </summary>
internal static class PlanDocument
{
    private static readonly string[] Top = ["rules"];
    private static readonly string[] RuleFields = ["id", "instrument", "anchor", "windowDays", "offsetHours", "windowHours", "sessions", "everyDays", "phase"];
    private const string NotAField = "Not a field of this request: leave it out or correct its name (the OpenAPI document lists every field).";
    private const string WholeNumber = "Must be a whole JSON number, e.g. 2.";

    /// <summary>
    /// Reads the request body as JSON, keeping a repeated field for <see cref="Read"/> to name (the serializer's own
    /// refusal names only "body"). Not application/json → 415; not UTF-8, or not JSON → 400 naming <c>body</c> (with where
    /// the JSON breaks).
    /// </summary>
    public static async Task<JsonDocument> ParseAsync(HttpRequest request, CancellationToken ct)
    {
        if (!request.HasJsonContentType()) throw new BadHttpRequestException("Expected a JSON body.", StatusCodes.Status415UnsupportedMediaType);
        // JsonDocument checks UTF-8 only where it transcodes a string or a field name, which would be a 500 later:
        // the whole body is checked once here (the server's body size limit bounds the copy).
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct).ConfigureAwait(false);
        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (!System.Text.Unicode.Utf8.IsValid(bytes.Span))
            throw ClinicalValidationException.For("body", "The body is not valid UTF-8: send JSON encoded as UTF-8.");
        try
        {
            return JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowDuplicateProperties = true });
        }
        catch (JsonException e)
        {
            throw ClinicalValidationException.For("body", e.LineNumber is { } line && e.BytePositionInLine is { } at
                ? string.Create(CultureInfo.InvariantCulture, $"The body is not valid JSON (line {line + 1}, byte {at + 1}).")
                : JsonRefusal.NotJson);
        }
    }

    /// <summary>The plan's rules; otherwise <see cref="ClinicalValidationException"/> naming every bad field.</summary>
    public static IReadOnlyList<PlanRule> Read(JsonElement body)
    {
        var errors = new ValidationErrors();
        if (body.ValueKind != JsonValueKind.Object) throw ClinicalValidationException.For("body", "The body must be a JSON object.");
        var fields = Fields(body, "", Top, errors);
        IReadOnlyList<PlanRuleDraft?>? drafts = null;
        if (fields.TryGetValue("rules", out var rules))
        {
            if (rules.ValueKind == JsonValueKind.Array) drafts = [.. rules.EnumerateArray().Select((r, i) => Rule(r, $"rules[{i}]", errors))];
            else if (rules.ValueKind != JsonValueKind.Null) errors.Add("rules", "Must be a JSON array whose items are each a JSON object.");
        }
        var parsed = MeasurementPlanValidation.Validate(drafts, errors);
        errors.ThrowIfAny();
        return parsed;
    }

    private static PlanRuleDraft? Rule(JsonElement rule, string path, ValidationErrors errors)
    {
        if (rule.ValueKind == JsonValueKind.Null) return null;
        if (rule.ValueKind != JsonValueKind.Object) { errors.Add(path, "Must be a JSON object."); return null; }
        var f = Fields(rule, path + ".", RuleFields, errors);
        return new PlanRuleDraft(
            Text(f, "id", path, errors), Enum<PlanInstrument>(f, "instrument", path, errors), Enum<RuleAnchor>(f, "anchor", path, errors),
            Int(f, "windowDays", path, errors), Int(f, "offsetHours", path, errors), Int(f, "windowHours", path, errors),
            Sessions(f, path, errors), Int(f, "everyDays", path, errors), Enum<PlanPhase>(f, "phase", path, errors));
    }

    // The object's fields by exact name; an unknown one or one given twice is refused here (and not read).
    private static Dictionary<string, JsonElement> Fields(JsonElement obj, string prefix, string[] known, ValidationErrors errors)
    {
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var p in obj.EnumerateObject())
        {
            var name = prefix + p.Name;
            if (!known.Contains(p.Name, StringComparer.Ordinal)) { if (!errors.Has(name)) errors.Add(name, NotAField); }
            else if (!fields.TryAdd(p.Name, p.Value)) { if (!errors.Has(name)) errors.Add(name, "Given more than once: send each field once."); }
        }
        return fields;
    }

    // JSON null is absent, as the serializer reads it: the rules then say "Required." where the field is needed.
    private static bool Present(Dictionary<string, JsonElement> f, string name, out JsonElement value) =>
        f.TryGetValue(name, out value) && value.ValueKind != JsonValueKind.Null;

    private static string? Text(Dictionary<string, JsonElement> f, string name, string path, ValidationErrors errors)
    {
        if (!Present(f, name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        errors.Add($"{path}.{name}", "Must be a JSON string.");
        return null;
    }

    private static T? Enum<T>(Dictionary<string, JsonElement> f, string name, string path, ValidationErrors errors) where T : struct, System.Enum
    {
        if (!Present(f, name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.String && WireNames.TryParse<T>(v.GetString()!, out var parsed)) return parsed;
        errors.Add($"{path}.{name}", WireNames.MustBeOneOf<T>());
        return null;
    }

    private static int? Int(Dictionary<string, JsonElement> f, string name, string path, ValidationErrors errors) =>
        Present(f, name, out var v) ? Whole(v, $"{path}.{name}", errors) : null;

    /// <summary>
    /// A whole JSON number. One beyond the 32-bit range is still a whole number: it stands as int.MinValue or MaxValue,
    /// so the rule's own range message names the bounds ("Must be an integer 1–90.") instead of a type message.
    /// </summary>
    private static int? Whole(JsonElement v, string field, ValidationErrors errors)
    {
        if (v.ValueKind == JsonValueKind.Number)
        {
            if (v.TryGetInt32(out var n)) return n;
            var raw = v.GetRawText();
            if (raw.TrimStart('-').All(char.IsAsciiDigit)) return raw.StartsWith('-') ? int.MinValue : int.MaxValue;
        }
        errors.Add(field, WholeNumber);
        return null;
    }

    private static IReadOnlyList<int>? Sessions(Dictionary<string, JsonElement> f, string path, ValidationErrors errors)
    {
        if (!Present(f, "sessions", out var v)) return null;
        var field = $"{path}.sessions";
        if (v.ValueKind != JsonValueKind.Array) { errors.Add(field, "Must be a JSON array whose items are each a whole JSON number, e.g. 2."); return null; }
        // A refused item keeps its place (0, skipped by the rules because its path is already named): later items keep their indexes.
        return [.. v.EnumerateArray().Select((item, i) => Whole(item, string.Create(CultureInfo.InvariantCulture, $"{field}[{i}]"), errors) ?? 0)];
    }
}
