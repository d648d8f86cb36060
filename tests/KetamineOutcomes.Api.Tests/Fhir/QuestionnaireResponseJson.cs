using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests.Fhir;

/// <summary>
/// Synthetic QuestionnaireResponse payloads shaped as real senders write them (LHC-Forms / US Core linkIds, SDC groups,
/// LOINC answer codes), built as JSON nodes so a test can bend any one value into a shape no POCO would produce.
/// </summary>
internal static class QuestionnaireResponseJson
{
    public const string Loinc = "http://loinc.org", Snomed = "http://snomed.info/sct";

    public static readonly string[] Phq9Codes = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8"];
    public static readonly string[] Gad7Codes = ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"];
    public static readonly string[] FrequencyCodes = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"];

    /// <summary>C-SSRS screener question codes: Q1, Q2, Q3, Q4, Q5, Q6, Q6b (within 3 months).</summary>
    public static readonly string[] CssrsCodes = ["93246-7", "93247-5", "93248-3", "93249-1", "93250-9", "93267-3", "93269-9"];

    public static JsonObject Response(string patientId, string? questionnaire, IEnumerable<JsonObject> items, string status = "completed")
    {
        var qr = new JsonObject { ["resourceType"] = "QuestionnaireResponse" };
        if (questionnaire is not null) qr["questionnaire"] = questionnaire;
        qr["status"] = status;
        qr["subject"] = new JsonObject { ["reference"] = $"Patient/{patientId}" };
        qr["authored"] = "2026-03-02T09:00:00Z";
        qr["item"] = new JsonArray(items.Select(i => (JsonNode)i).ToArray());
        return qr;
    }

    public static JsonObject Item(string linkId, params JsonObject[] answers) => new()
    {
        ["linkId"] = linkId,
        ["answer"] = new JsonArray(answers.Select(a => (JsonNode)a).ToArray()),
    };

    public static JsonObject Group(string linkId, IEnumerable<JsonObject> items) => new()
    {
        ["linkId"] = linkId,
        ["item"] = new JsonArray(items.Select(i => (JsonNode)i).ToArray()),
    };

    public static JsonObject Coding(string system, string code) =>
        new() { ["valueCoding"] = new JsonObject { ["system"] = system, ["code"] = code } };

    public static JsonObject Frequency(int score) => Coding(Loinc, FrequencyCodes[score]);

    public static JsonObject YesNo(bool yes) => Coding(Loinc, yes ? "LA33-6" : "LA32-8");

    public static IEnumerable<JsonObject> Phq9Answers(int[] scores) => scores.Select((s, i) => Item("/" + Phq9Codes[i], Frequency(s)));

    public static JsonObject Phq9(string patientId, params int[] scores) => Response(patientId, "http://loinc.org/q/44249-1", Phq9Answers(scores));

    /// <summary>C-SSRS answers Q1, Q2, (Q3–Q5 only when Q2), Q6 and, when Q6 is yes, Q6b.</summary>
    public static IEnumerable<JsonObject> CssrsItems(bool q1, bool q2, bool q3, bool q4, bool q5, bool q6, bool recent)
    {
        yield return Item("/" + CssrsCodes[0], YesNo(q1));
        yield return Item("/" + CssrsCodes[1], YesNo(q2));
        if (q2)
        {
            yield return Item("/" + CssrsCodes[2], YesNo(q3));
            yield return Item("/" + CssrsCodes[3], YesNo(q4));
            yield return Item("/" + CssrsCodes[4], YesNo(q5));
        }
        yield return Item("/" + CssrsCodes[5], YesNo(q6));
        if (q6) yield return Item("/" + CssrsCodes[6], YesNo(recent));
    }

    /// <summary>Changes a node in place and returns it, for building payloads in one expression.</summary>
    public static JsonObject Also(this JsonObject node, Action<JsonObject> change)
    {
        change(node);
        return node;
    }
}
