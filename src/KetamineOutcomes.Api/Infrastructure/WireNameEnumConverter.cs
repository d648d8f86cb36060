using System.Text.Json;
using System.Text.Json.Serialization;
using KetamineOutcomes.Core;

namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>
/// Reads and writes every enum by its exact wire name (<see cref="WireNames"/>), SPEC v2 Boundaries: case-sensitive,
/// one name per value, no comma-joined lists, no integers, no trimming. Replaces <see cref="JsonStringEnumConverter"/>,
/// which reads "im,intranasal" as a flags OR of two values (stored as a third) and was seen to answer 500 on others.
/// Refusal: <see cref="JsonValueRefusedException"/> "Must be one of: …" at the value's path.
/// </summary>
public sealed class WireNameEnumConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(WireNameEnumConverter<>).MakeGenericType(typeToConvert))!;
}

/// <summary>One enum's exact wire-name converter; see <see cref="WireNameEnumConverterFactory"/>.</summary>
public sealed class WireNameEnumConverter<T> : JsonConverter<T> where T : struct, Enum
{
    // Built once: also fails fast (at first use of the type) for an enum whose values lack wire names.
    private static readonly string Expected = WireNames.MustBeOneOf<T>();

    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String ? Parse(reader.GetString()) : throw new JsonValueRefusedException(Expected);

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(Wire(value));

    public override T ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Parse(reader.GetString());

    public override void WriteAsPropertyName(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WritePropertyName(Wire(value));

    private static T Parse(string? wire) => WireNames.TryParse<T>(wire, out var value) ? value : throw new JsonValueRefusedException(Expected);

    // An undefined value (a cast integer, a flags OR) has no wire name: never invent one.
    private static string Wire(T value) =>
        WireNames.TryOf(value, out var wire) ? wire : throw new JsonException($"{typeof(T).Name} value {value} has no wire name.");
}
