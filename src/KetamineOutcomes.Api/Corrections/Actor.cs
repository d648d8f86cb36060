using System.Text.Json;
using KetamineOutcomes.Api.Security;

namespace KetamineOutcomes.Api.Corrections;

/// <summary>
/// Who did something (SPEC v2 "People, not shared keys": <c>{ "type": "user"|"key", "id", "name" }</c>): a person signed
/// in through the OpenID provider (<c>sub</c> and <c>name</c> of the token) or an API key (its id and name). Stored as
/// this JSON in <c>changed_by</c> (migration 0013), <c>acknowledged_actor</c> and <c>audit_events.actor</c> (0017).
/// </summary>
/// <param name="Type"><c>user</c> or <c>key</c>.</param>
/// <param name="Id">The token's <c>sub</c>, or the key's id.</param>
/// <param name="Name">The token's <c>name</c> (its <c>sub</c> when it has none), or the key's name.</param>
public sealed record Actor(string Type, string Id, string Name)
{
    public const string UserType = "user", KeyType = "key";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    internal static Actor Of(Caller caller) => caller.Actor;

    internal static Actor Key(Guid keyId, string? name) => new(KeyType, keyId.ToString(), name ?? "");

    internal string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The stored actor, or null for a row stored before actors were recorded.</summary>
    internal static Actor? Parse(string? stored) => stored is null ? null : JsonSerializer.Deserialize<Actor>(stored, Json);
}
