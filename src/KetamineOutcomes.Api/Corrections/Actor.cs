using System.Text.Json;
using KetamineOutcomes.Api.Security;

namespace KetamineOutcomes.Api.Corrections;

/// <summary>
/// Who made a change (SPEC v2 "People, not shared keys": <c>{ "type": "user"|"key", "id", "name" }</c>); today always an
/// API key, by its id and name. Stored as this JSON in <c>changed_by</c> (migration 0013).
/// </summary>
public sealed record Actor(string Type, string Id, string Name)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    internal static Actor Of(Caller caller) => new("key", caller.KeyId.ToString(), caller.KeyName ?? "");

    internal string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The stored actor, or null for a version stored before actors were recorded.</summary>
    internal static Actor? Parse(string? stored) => stored is null ? null : JsonSerializer.Deserialize<Actor>(stored, Json);
}
