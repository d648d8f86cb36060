using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using KetamineOutcomes.Core;

namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>
/// Turns a refused JSON body into one field-named message that says what is expected (SPEC v2 Boundaries):
/// our converters' <see cref="JsonValueRefusedException"/> speak for themselves; for System.Text.Json's own refusals the
/// expected type is found by walking the request type's JSON contract along <see cref="JsonException.Path"/> (the
/// serializer's own metadata, so names and case rules are exactly those it read with), never by parsing its message.
/// </summary>
internal static class JsonRefusal
{
    public const string NotJson = "The body is not valid JSON.";

    /// <summary>The field (as <c>errors</c> names it: <c>items[1]</c>, <c>bloodPressure.preSystolic</c>, <c>body</c>) and the message.</summary>
    public static (string Field, string Message) Describe(JsonException json, Type? requestType, JsonSerializerOptions options)
    {
        // The reader's syntax errors arrive wrapped with the reader's exception inside: the body as a whole is broken.
        if (json.InnerException is JsonException)
            return ("body", json.LineNumber is { } line && json.BytePositionInLine is { } at
                ? string.Create(CultureInfo.InvariantCulture, $"The body is not valid JSON (line {line + 1}, byte {at + 1}).")
                : NotJson);
        var field = FieldOf(json.Path);
        if (json is JsonValueRefusedException) return (field, json.Message);
        // AllowDuplicateProperties = false: the serializer's only signal is its message.
        if (json.Message.StartsWith("Duplicate property", StringComparison.Ordinal))
            return (field, "Given more than once: send each field once.");
        // UnmappedMemberHandling.Disallow: a field the contract does not have ("intnet"); again only the message tells.
        if (json.Message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
            return (field, "Not a field of this request: leave it out or correct its name (the OpenAPI document lists every field).");
        var target = requestType is null ? null : TypeAt(requestType, json.Path, options);
        if (target is null) return (field, json.Path is null or "$" ? "The body must be a JSON object." : "Not a value this field accepts.");
        return (field, $"Must be {Expected(target, options)}.");
    }

    /// <summary>"$.items[3]" → "items[3]"; "$.bloodPressure.preSystolic" → "bloodPressure.preSystolic"; "$" → "body".</summary>
    public static string FieldOf(string? jsonPath) =>
        jsonPath is null or "$" ? "body" : jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..] : jsonPath.TrimStart('$');

    /// <summary>What a value of this type must be, as the end of "Must be …".</summary>
    public static string Expected(Type type, JsonSerializerOptions options)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum) return "one of: " + string.Join(", ", WireNames.All(type));
        if (type == typeof(int) || type == typeof(long) || type == typeof(short)) return "a whole JSON number, e.g. 2";
        if (type == typeof(double) || type == typeof(decimal) || type == typeof(float)) return "a JSON number, e.g. 2.5";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(string)) return "a JSON string";
        if (type == typeof(DateTimeOffset)) return Rfc3339DateTimeOffsetConverter.Expected;
        if (type == typeof(Guid)) return "a UUID string";
        var info = options.GetTypeInfo(type);
        return info.Kind switch
        {
            JsonTypeInfoKind.Enumerable when info.ElementType is { } e => $"a JSON array whose items are each {Expected(e, options)}",
            JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary => "a JSON object",
            _ => "a value of another type",
        };
    }

    /// <summary>The declared type at a serializer path ("$.a.b[2]", "$['a']"), or null when the path leaves the contract.</summary>
    internal static Type? TypeAt(Type root, string? path, JsonSerializerOptions options)
    {
        if (path is null || !path.StartsWith('$')) return null;
        var type = root;
        var i = 1;
        while (i < path.Length)
        {
            var info = options.GetTypeInfo(Nullable.GetUnderlyingType(type) ?? type);
            if (path[i] == '.' || path.AsSpan(i).StartsWith("['"))
            {
                string name;
                if (path[i] == '.')
                {
                    var end = path.IndexOfAny(['.', '['], i + 1);
                    name = path[(i + 1)..(end < 0 ? path.Length : end)];
                    i = end < 0 ? path.Length : end;
                }
                else
                {
                    var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                    if (end < 0) return null;
                    name = path[(i + 2)..end];
                    i = end + 2;
                }
                var comparison = options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
                var property = info.Kind == JsonTypeInfoKind.Object ? info.Properties.FirstOrDefault(p => string.Equals(p.Name, name, comparison)) : null;
                if (property is null) return null;
                type = property.PropertyType;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                if (end < 0 || info.Kind != JsonTypeInfoKind.Enumerable || info.ElementType is null) return null;
                type = info.ElementType;
                i = end + 1;
            }
            else return null;
        }
        return type;
    }
}
