using System.Text.Json;
using KetamineOutcomes.Api.Idempotency;

namespace KetamineOutcomes.Api.Tests.Idempotency;

/// <summary>What counts as the same FHIR body for an Idempotency-Key (README, Idempotency).</summary>
public sealed class CanonicalJsonHashTests
{
    private static string HashOf(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Convert.ToHexString(CanonicalJsonHash.Hash(document.RootElement));
    }

    public static TheoryData<string, string, string> SameBodies() => new()
    {
        { "whitespace", """{"a":1,"b":[true,"x"]}""", "{ \"a\" : 1 ,\n\t\"b\" : [ true , \"x\" ] }" },
        { "property order", """{"a":1,"b":{"c":"x","d":2}}""", """{"b":{"d":2,"c":"x"},"a":1}""" },
        { "escaped string", """{"status":"completed"}""", """{"status":"\u0063ompleted"}""" },
        { "escaped non-ASCII string", """{"text":"Müde"}""", """{"text":"M\u00fcde"}""" },
        { "escaped property name, sorted by its text", """{"a":1,"b":2}""", """{"b":2,"\u0061":1}""" },
        { "many properties (past the insertion sort)", Numbered(Enumerable.Range(0, 20)), Numbered(Enumerable.Range(0, 20).Reverse()) },
    };

    public static TheoryData<string, string, string> DifferentBodies() => new()
    {
        { "a value", """{"a":1}""", """{"a":2}""" },
        { "array order", """{"a":[1,2]}""", """{"a":[2,1]}""" },
        { "a number written otherwise", """{"a":2}""", """{"a":2.0}""" },
        { "a string for a number", """{"a":"1"}""", """{"a":1}""" },
        { "true for false", """{"a":true}""", """{"a":false}""" },
        { "a property name", """{"a":1}""", """{"b":1}""" },
        { "nesting", """{"a":[[1],[2]]}""", """{"a":[[1,2]]}""" },
        { "structure inside a string", """{"a":"x","b":"y"}""", """{"a":"x\",\"b\":\"y"}""" },
        { "an added property", """{"a":1}""", """{"a":1,"b":1}""" },
    };

    private static string Numbered(IEnumerable<int> order) => "{" + string.Join(",", order.Select(i => $"\"p{i:D2}\":{i}")) + "}";

    [Theory]
    [MemberData(nameof(SameBodies))]
    public void Formatting_that_does_not_change_the_JSON_gives_the_same_hash(string why, string first, string second) =>
        Assert.True(HashOf(first) == HashOf(second), why);

    [Theory]
    [MemberData(nameof(DifferentBodies))]
    public void Any_change_to_the_JSON_gives_another_hash(string why, string first, string second) =>
        Assert.True(HashOf(first) != HashOf(second), why);
}
