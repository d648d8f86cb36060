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
