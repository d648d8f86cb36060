using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Serialization;

namespace KetamineOutcomes.Core;

/// <summary>
/// The fixed wire names of enums (their <see cref="JsonStringEnumMemberNameAttribute"/>), so JSON, SQL
/// columns, CSV and FHIR all spell a value the same way.
/// </summary>
public static class WireNames
{
    private static readonly ConcurrentDictionary<Type, (Dictionary<Enum, string> ToWire, Dictionary<string, Enum> FromWire)> Cache = new();

    public static string Of<T>(T value) where T : struct, Enum => Maps(typeof(T)).ToWire[value];

    public static T Parse<T>(string wire) where T : struct, Enum =>
        TryParse<T>(wire, out var value) ? value : throw new FormatException($"'{wire}' is not a {typeof(T).Name}.");

    public static bool TryParse<T>(string? wire, out T value) where T : struct, Enum
    {
        if (wire is not null && Maps(typeof(T)).FromWire.TryGetValue(wire, out var e))
        {
            value = (T)e;
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>Every wire name of an enum, in declaration order.</summary>
    public static IReadOnlyList<string> All<T>() where T : struct, Enum => Enum.GetValues<T>().Select(Of).ToArray();

    /// <summary>Every wire name of an enum type, in declaration order.</summary>
    public static IReadOnlyList<string> All(Type enumType) =>
        Enum.GetValues(enumType).Cast<Enum>().Select(e => Maps(enumType).ToWire[e]).ToArray();

    /// <summary>The refusal every enum input answers with (SPEC v2 Boundaries): "Must be one of: phq9, gad7."</summary>
    public static string MustBeOneOf<T>() where T : struct, Enum => MustBeOneOf(typeof(T));

    /// <inheritdoc cref="MustBeOneOf{T}"/>
    public static string MustBeOneOf(Type enumType) => $"Must be one of: {string.Join(", ", All(enumType))}.";

    /// <summary>The wire name of a value, or false for a value the enum does not define (e.g. a flags combination).</summary>
    public static bool TryOf<T>(T value, out string wire) where T : struct, Enum =>
        Maps(typeof(T)).ToWire.TryGetValue(value, out wire!);

    private static (Dictionary<Enum, string> ToWire, Dictionary<string, Enum> FromWire) Maps(Type type) => Cache.GetOrAdd(type, t =>
    {
        var to = new Dictionary<Enum, string>();
        var from = new Dictionary<string, Enum>(StringComparer.Ordinal);
        foreach (var field in t.GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var name = field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name
                ?? throw new InvalidOperationException($"{t.Name}.{field.Name} has no wire name.");
            var value = (Enum)field.GetValue(null)!;
            to[value] = name;
            from[name] = value;
        }
        return (to, from);
    });
}
