using System.Text;
using System.Text.Json;
using KetamineOutcomes.Api.Fhir;
using KetamineOutcomes.Core;

namespace KetamineOutcomes.Api.Tests.Fhir;

/// <summary>
/// The raw-JSON checks on both of their roads (issue 24): plain ASCII names, unescaped UTF-8 text and short integers are
/// passed without being read as .NET strings; escaped or unusual ones are read and held to the same rules.
/// </summary>
public sealed class FhirJsonPrecheckTests
{
    private const string Head = """{"resourceType":"QuestionnaireResponse","status":"completed","authored":"2026-03-02T09:00:00Z",""";

    private static IReadOnlyDictionary<string, string[]> Check(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var errors = new ValidationErrors();
        FhirJsonPrecheck.Check(document.RootElement, errors);
        return errors.ToDictionary();
    }

    // Tails are written with ' for " (and \ as JSON escapes), so they read as the JSON they stand for.
    private static IReadOnlyDictionary<string, string[]> Check(string tail) => Check(Encoding.UTF8.GetBytes(Head + tail.Replace('\'', '"')));

    [Fact]
    public void A_plain_response_passes()
    {
        Assert.Empty(Check("""
            "item":[{"linkId":"/44250-9","text":"Müde – “tired”","answer":[{"valueInteger":1234567890123456789012345678}]}]}
            """));
    }

    public static TheoryData<string, string, string> Refused() => new()
    {
        { @"'item':[{'linkId':'a\u0007b'}]}", "QuestionnaireResponse.item[0].linkId", "control character" },
        { @"'item':[{'linkId':'a\ud800b'}]}", "QuestionnaireResponse.item[0].linkId", "Not well-formed" },
        { @"'item':[{'linkId':'x','answer':[{'valueInteger':1,'valueCoding':{'code':'a'}}]}]}", "QuestionnaireResponse.item[0].answer[0].value", "valueInteger and valueCoding" },
        { @"'item':[{'linkId':'x','answer':[{'value\u0049nteger':1,'valueBoolean':true}]}]}", "QuestionnaireResponse.item[0].answer[0].value", "valueInteger and valueBoolean" },
        { @"'item':[{'linkId':'x','answer':[{'valueDecimal':99999999999999999999999999999}]}]}", "QuestionnaireResponse.item[0].answer[0].value", "cannot be held exactly" },
        { @"'item':[{'linkId':'x','answer':[{'valueDecimal':-0.00000000000000000000000000000001}]}]}", "QuestionnaireResponse.item[0].answer[0].value", "cannot be held exactly" },
        { @"'item':[{'link\u0049d':null}]}", "QuestionnaireResponse.item[0].linkId", "is null" },
        { @"'item':[]}", "QuestionnaireResponse.item", "empty array" },
        { @"'item':[{'linkId':'x','item':[null]}]}", "QuestionnaireResponse.item[0].item[0]", "array element is null" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Each_problem_is_refused_at_its_FHIRPath(string tail, string key, string says)
    {
        var errors = Check(tail);
        Assert.True(errors.ContainsKey(key), $"{key} not in [{string.Join(", ", errors.Keys)}]");
        Assert.Contains(says, string.Join(" ", errors[key]), StringComparison.Ordinal);
    }

    [Fact]
    public void Text_that_is_not_UTF8_is_refused_in_a_value_and_in_a_property_name()
    {
        byte[] Bytes(string before, string after) => [.. Encoding.UTF8.GetBytes(Head + before), 0xFF, .. Encoding.UTF8.GetBytes(after)];
        var inValue = Check(Bytes("""
            "item":[{"linkId":"a
            """.Trim(), """
            b"}]}
            """.Trim()));
        Assert.Contains("Not well-formed", string.Join(" ", inValue["QuestionnaireResponse.item[0].linkId"]), StringComparison.Ordinal);
        var inName = Check(Bytes("""
            "item":[{"a
            """.Trim(), """
            b":"x","linkId":"y"}]}
            """.Trim()));
        Assert.Contains("property name is not well-formed", string.Join(" ", inName["QuestionnaireResponse.item[0]"]), StringComparison.Ordinal);
    }
}
