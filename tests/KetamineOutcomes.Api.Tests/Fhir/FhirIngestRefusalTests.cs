#nullable disable warnings // Firely POCOs are loosely annotated; the assertions check for nulls themselves.
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Hl7.Fhir.Model;
using static KetamineOutcomes.Api.Tests.Fhir.QuestionnaireResponseJson;
using Task = System.Threading.Tasks.Task;

namespace KetamineOutcomes.Api.Tests.Fhir;

/// <summary>
/// Every shape a real sender produces that the FHIR door once misread, dropped or downgraded (issue 16, SPEC v2
/// Boundaries): each is refused with the status and the FHIRPath <c>issue.expression</c> into the sent resource, and
/// nothing — record, alert, outbox event or webhook delivery — is stored. A webhook endpoint is configured, so an alert
/// that slipped through would leave outbox rows to count.
/// </summary>
public sealed class FhirIngestRefusalTests : WebhookedApiTest
{
    /// <summary>(build the payload for a patient, status, the expected expression, whether it must equal or only start it).</summary>
    private sealed record Case(Func<string, JsonObject> Build, HttpStatusCode Status, string Expression, bool Exact = true);

    private static readonly int[] Moderate = [1, 1, 1, 1, 1, 1, 1, 1, 0];

    private static JsonObject Phq9With(string patient, Action<JsonObject> change)
    {
        var qr = Phq9(patient, Moderate);
        change(qr);
        return qr;
    }

    private static JsonNode ItemAt(JsonObject qr, int i) => qr["item"]![i]!;

    private static JsonObject CssrsWith(string patient, Action<JsonObject> change, bool q2 = true, bool q6 = false)
    {
        var qr = Response(patient, "http://loinc.org/q/93373-9", CssrsItems(true, q2, false, false, false, q6, false));
        change(qr);
        return qr;
    }

    private static readonly Dictionary<string, Case> Cases = new()
    {
        // 1. Two answers on item 9, in either order: never the first.
        ["item9-two-answers"] = new(p => Phq9With(p, qr => ItemAt(qr, 8)["answer"] = new JsonArray(Frequency(0), Frequency(3))),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8].answer"),
        ["item9-two-answers-reversed"] = new(p => Phq9With(p, qr => ItemAt(qr, 8)["answer"] = new JsonArray(Frequency(3), Frequency(0))),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8].answer"),
        // 2. The same item twice, whatever the linkId style or nesting.
        ["item9-twice"] = new(p => Phq9With(p, qr => qr["item"]!.AsArray().Add(Item("/44260-8", Frequency(3)))),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[9]"),
        ["item9-twice-other-linkid-style"] = new(p => Phq9With(p, qr => qr["item"]!.AsArray().Add(Item("phq9-9", Frequency(3)))),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[9]"),
        ["item9-twice-nested-in-a-group"] = new(p => Phq9With(p, qr => qr["item"]!.AsArray().Add(Group("extra", [Item("44260-8", Frequency(3))]))),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[9].item[0]"),
        // 2b. A linkId is a LOINC code, a path of codes or phq9-N: anything around the code names no item, never item 9.
        ["item9-linkid-code-with-suffix"] = new(p => Phq9With(p, qr => ItemAt(qr, 8)["linkId"] = "/44260-8x"), HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8]", Exact: false),
        ["item9-linkid-code-with-prefix"] = new(p => Phq9With(p, qr => ItemAt(qr, 8)["linkId"] = "x/44260-8"), HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8]", Exact: false),
        ["item9-linkid-trailing-space"] = new(p => Phq9With(p, qr => ItemAt(qr, 8)["linkId"] = "44260-8 "), HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8]", Exact: false),
        ["item9-linkid-trailing-slash"] = new(p => Phq9With(p, qr => ItemAt(qr, 8)["linkId"] = "/44260-8/"), HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8]", Exact: false),
        ["item9-linkid-fragment"] = new(p => Phq9With(p, qr => ItemAt(qr, 8)["linkId"] = "/44260-8#a"), HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8]", Exact: false),
        ["item9-definition-code-with-suffix"] = new(p => Phq9With(p, qr => { ItemAt(qr, 8)["linkId"] = "q9"; ItemAt(qr, 8)["definition"] = "http://loinc.org#44260-8x"; }),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8]", Exact: false),
        // 3. status is a modifier: only completed and amended are assessments to store.
        ["status-in-progress"] = new(p => Phq9With(p, qr => qr["status"] = "in-progress"), HttpStatusCode.UnprocessableEntity, "QuestionnaireResponse.status"),
        ["status-stopped"] = new(p => Phq9With(p, qr => qr["status"] = "stopped"), HttpStatusCode.UnprocessableEntity, "QuestionnaireResponse.status"),
        ["status-entered-in-error"] = new(p => Phq9With(p, qr => qr["status"] = "entered-in-error"), HttpStatusCode.UnprocessableEntity, "QuestionnaireResponse.status"),
        ["status-missing"] = new(p => Phq9With(p, qr => qr.Remove("status")), HttpStatusCode.BadRequest, "QuestionnaireResponse.status"),
        // 4. A multi-instrument response with one bad part is refused whole.
        ["intake-form-with-a-bad-cssrs-answer"] = new(p => Response(p, "https://clinic.example/Questionnaire/intake",
            [Group("phq9", Phq9Answers(Moderate)), Group("cssrs", CssrsItems(true, true, false, false, false, false, false).Select((item, i) =>
                i == 3 ? Item("/93249-1", new JsonObject { ["valueString"] = "Yes" }) : item))]),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[1].item[3].answer[0].value"),
        // 5. Unreadable yes/no answers on Q3–Q5 and Q6b are refused, as on Q1, Q2 and Q6.
        ["cssrs-q4-valueString-yes"] = new(p => CssrsWith(p, qr => ItemAt(qr, 3)["answer"] = new JsonArray(new JsonObject { ["valueString"] = "Yes" })),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[3].answer[0].value"),
        ["cssrs-q3-unknown-snomed-code"] = new(p => CssrsWith(p, qr => ItemAt(qr, 2)["answer"] = new JsonArray(Coding(Snomed, "260385009"))),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[2].answer[0].value"),
        ["cssrs-q5-SNOMED-yes-without-system"] = new(p => CssrsWith(p, qr => ItemAt(qr, 4)["answer"] = new JsonArray(new JsonObject { ["valueCoding"] = new JsonObject { ["code"] = "373066001" } })),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[4].answer[0].value"),
        ["cssrs-recency-valueString"] = new(p => CssrsWith(p, qr => ItemAt(qr, 6)["answer"] = new JsonArray(new JsonObject { ["valueString"] = "yes" }), q6: true),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[6].answer[0].value"),
        ["cssrs-behaviour-yes-recency-missing"] = new(p => CssrsWith(p, qr => qr["item"]!.AsArray().RemoveAt(6), q6: true),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item"),
        ["cssrs-behaviour-no-recency-yes"] = new(p => CssrsWith(p, qr => qr["item"]!.AsArray().Add(Item("/93269-9", YesNo(true)))),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[6].answer"),
        ["cssrs-q4-two-answers"] = new(p => CssrsWith(p, qr => ItemAt(qr, 3)["answer"] = new JsonArray(YesNo(false), YesNo(true))),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[3].answer"),
        ["cssrs-q2-twice"] = new(p => CssrsWith(p, qr => qr["item"]!.AsArray().Add(Item("93247-5", YesNo(false)))),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[6]"),
        // Scored items: unreadable or self-contradicting answers.
        // A final newline is not part of a pattern (regexes end in \z: "$" would match before it).
        ["subject-reference-with-a-final-newline"] = new(p => Phq9With(p, qr => qr["subject"] = new JsonObject { ["reference"] = $"Patient/{p}\n" }),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.subject"),
        ["positional-linkids-with-a-final-newline"] = new(p => Response(p, "http://loinc.org/q/44249-1",
            Phq9Codes.Select((_, i) => Item($"phq-9-{i + 1}\n", Frequency(1)))), HttpStatusCode.BadRequest, "QuestionnaireResponse", Exact: false),
        ["item9-valueString"] = new(p => Phq9With(p, qr => ItemAt(qr, 8)["answer"] = new JsonArray(new JsonObject { ["valueString"] = "3" })),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8].answer[0].value"),
        ["item3-unknown-loinc-answer"] = new(p => Phq9With(p, qr => ItemAt(qr, 2)["answer"] = new JsonArray(Coding(Loinc, "LA33-6"))),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[2].answer[0].value"),
        ["item9-code-and-ordinal-disagree"] = new(p => Phq9With(p, qr => ItemAt(qr, 8)["answer"] = new JsonArray(new JsonObject
        {
            ["valueCoding"] = new JsonObject
            {
                ["extension"] = new JsonArray(new JsonObject { ["url"] = "http://hl7.org/fhir/StructureDefinition/ordinalValue", ["valueDecimal"] = 3 }),
                ["system"] = Loinc, ["code"] = "LA6568-5",
            },
        })), HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8].answer[0].value"),
        ["item1-huge-decimal"] = new(p => Phq9With(p, qr => ItemAt(qr, 0)["answer"] = new JsonArray(new JsonObject { ["valueDecimal"] = 1e20m })),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[0].answer[0].value"),
        ["item1-out-of-range"] = new(p => Phq9With(p, qr => ItemAt(qr, 0)["answer"] = new JsonArray(new JsonObject { ["valueInteger"] = 7 })),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[0].answer"),
        ["item9-unanswered"] = new(p => Phq9With(p, qr => ItemAt(qr, 8).AsObject().Remove("answer")),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8].answer"),
        ["linkId-and-definition-disagree"] = new(p => Phq9With(p, qr => ItemAt(qr, 8)["definition"] = "http://loinc.org/q/44249-1#44250-9"),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8]"),
        // A declared questionnaire that disagrees with the items.
        ["declared-gad7-items-phq9"] = new(p => Phq9With(p, qr => qr["questionnaire"] = "http://loinc.org/q/69737-5"),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.questionnaire"),
        ["declared-phq9-with-cssrs-items-too"] = new(p => Phq9With(p, qr => qr["item"]!.AsArray().Add(Group("cssrs", CssrsItems(false, false, false, false, false, false, false)))),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.questionnaire"),
        // 6. A JSON value of the wrong type anywhere: 400 with where, never 500.
        ["valueInteger-as-string"] = new(p => Phq9With(p, qr => ItemAt(qr, 0)["answer"] = new JsonArray(new JsonObject { ["valueInteger"] = "2" })),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[0].answer[0].value"),
        ["valueInteger-fraction"] = new(p => Phq9With(p, qr => ItemAt(qr, 0)["answer"] = new JsonArray(new JsonObject { ["valueInteger"] = 1.5 })),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[0].answer[0].value"),
        ["linkId-number"] = new(p => Phq9With(p, qr => ItemAt(qr, 0)["linkId"] = 1), HttpStatusCode.BadRequest, "QuestionnaireResponse.item[0].linkId"),
        ["authored-number"] = new(p => Phq9With(p, qr => qr["authored"] = 123), HttpStatusCode.BadRequest, "QuestionnaireResponse.authored"),
        ["authored-without-seconds"] = new(p => Phq9With(p, qr => qr["authored"] = "2026-03-02T09:00Z"), HttpStatusCode.BadRequest, "QuestionnaireResponse.authored"),
        ["authored-missing"] = new(p => Phq9With(p, qr => qr.Remove("authored")), HttpStatusCode.BadRequest, "QuestionnaireResponse.authored"),
        ["authored-without-offset"] = new(p => Phq9With(p, qr => qr["authored"] = "2026-03-02T09:00:00"), HttpStatusCode.BadRequest, "QuestionnaireResponse.authored"),
        ["subject-number"] = new(p => Phq9With(p, qr => qr["subject"] = 5), HttpStatusCode.BadRequest, "QuestionnaireResponse.subject"),
        ["item-object"] = new(p => Phq9With(p, qr => qr["item"] = Item("/44260-8", Frequency(0))), HttpStatusCode.BadRequest, "QuestionnaireResponse.item", Exact: false),
        ["item-null"] = new(p => Phq9With(p, qr => qr["item"] = null), HttpStatusCode.BadRequest, "QuestionnaireResponse.item", Exact: false),
        ["answer-null-element"] = new(p => Phq9With(p, qr => ItemAt(qr, 8)["answer"] = new JsonArray((JsonNode)null)),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8].answer[0]"),
        ["item-array-starting-with-null"] = new(p => Phq9With(p, qr => qr["item"]!.AsArray().Insert(0, null)), HttpStatusCode.BadRequest, "QuestionnaireResponse.item[0]"),
        ["resourceType-missing"] = new(p => Phq9With(p, qr => qr.Remove("resourceType")), HttpStatusCode.BadRequest, "resourceType"),
        ["resourceType-number"] = new(p => Phq9With(p, qr => qr["resourceType"] = 5), HttpStatusCode.BadRequest, "resourceType"),
        ["resourceType-other"] = new(p => Phq9With(p, qr => qr["resourceType"] = "Observation"), HttpStatusCode.BadRequest, "resourceType"),
        // Numbers a decimal cannot hold would be rounded into a score: 1e-32 → 0, 2.9999… → 3.
        ["item9-decimal-rounded-to-0"] = new(p => Phq9With(p, qr => ItemAt(qr, 8)["answer"] = new JsonArray(new JsonObject { ["valueDecimal"] = JsonNode.Parse("0.00000000000000000000000000000001") })),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8].answer[0].value"),
        ["item9-decimal-rounded-to-3"] = new(p => Phq9With(p, qr => ItemAt(qr, 8)["answer"] = new JsonArray(new JsonObject { ["valueDecimal"] = JsonNode.Parse("2.9999999999999999999999999999999") })),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8].answer[0].value"),
        ["cssrs-valueBoolean-string"] = new(p => CssrsWith(p, qr => ItemAt(qr, 0)["answer"] = new JsonArray(new JsonObject { ["valueBoolean"] = "yes" })),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[0].answer[0].value"),
        // 12. Another server's subject; unknown elements; an item without linkId.
        ["subject-on-another-server"] = new(p => Phq9With(p, qr => qr["subject"] = new JsonObject { ["reference"] = $"http://other.example/fhir/Patient/{p}" }),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.subject.reference"),
        ["author-on-another-server"] = new(p => Phq9With(p, qr => qr["author"] = new JsonObject { ["reference"] = "https://other.example/fhir/Practitioner/7" }),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.author.reference"),
        ["subject-protocol-relative"] = new(p => Phq9With(p, qr => qr["subject"] = new JsonObject { ["reference"] = $"//other.example/fhir/Patient/{p}" }),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.subject.reference"),
        ["subject-urn-uuid"] = new(p => Phq9With(p, qr => qr["subject"] = new JsonObject { ["reference"] = $"urn:uuid:{p}" }), HttpStatusCode.BadRequest, "QuestionnaireResponse.subject"),
        // A modifier may change what an element means ("not the patient", "not this answer"): not understood → refused.
        ["modifierExtension-on-the-response"] = new(p => Phq9With(p, qr => qr["modifierExtension"] = new JsonArray(new JsonObject { ["url"] = "http://example.org/not-the-patient", ["valueBoolean"] = true })),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.modifierExtension[0]"),
        ["modifierExtension-on-item9s-answer"] = new(p => Phq9With(p, qr => ItemAt(qr, 8)["answer"]![0]!["modifierExtension"] = new JsonArray(new JsonObject { ["url"] = "http://example.org/negated", ["valueBoolean"] = true })),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8].answer[0].modifierExtension[0]"),
        ["contained-response"] = new(p => Phq9With(p, qr => qr["contained"] = new JsonArray(Phq9(p, 0, 0, 0, 0, 0, 0, 0, 0, 3).Also(c => { c["id"] = "inner"; c.Remove("subject"); }))),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.contained[0]"),
        // An answered item that is not recognised, where its answer would be dropped unseen.
        ["cssrs-group-by-panel-code-with-unrecognised-items"] = new(p => Response(p, "https://clinic.example/Questionnaire/intake",
            [Group("/44249-1", Phq9Answers(Moderate)), Group("/93373-9", [Item("cssrs-1", new JsonObject { ["valueBoolean"] = true }), Item("cssrs-4", new JsonObject { ["valueBoolean"] = true })])]),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[1].item[0]"),
        ["declared-cssrs-with-an-unrecognised-intent-item"] = new(p => CssrsWith(p, qr => ItemAt(qr, 3)["linkId"] = "cssrs-q4"),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[3]"),
        ["unrecognised-item-beside-phq9-items"] = new(p => Response(p, null, Phq9Answers(Moderate).Select((item, i) => i == 0 ? Item("q1", Frequency(3)) : item)),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[0]"),
        ["item9-linkId-with-a-lookalike-hyphen"] = new(p => Phq9With(p, qr => ItemAt(qr, 8)["linkId"] = "/44260\u20118"),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8]"),
        ["cssrs-q2-yes-intent-unanswered"] = new(p => CssrsWith(p, qr => ItemAt(qr, 3).AsObject().Remove("answer")),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[3]"),
        ["cssrs-q2-yes-plan-missing"] = new(p => CssrsWith(p, qr => qr["item"]!.AsArray().RemoveAt(4)),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item"),
        // A LOINC answer code under another system is not read through a weight that contradicts it.
        ["item9-LOINC-code-without-system-and-ordinal-0"] = new(p => Phq9With(p, qr => ItemAt(qr, 8)["answer"] = new JsonArray(WeightedCoding(null, "LA6571-9", 0))),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8].answer[0].value"),
        ["item9-LOINC-code-under-https-loinc-and-ordinal-0"] = new(p => Phq9With(p, qr => ItemAt(qr, 8)["answer"] = new JsonArray(WeightedCoding("https://loinc.org", "LA6571-9", 0))),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8].answer[0].value"),
        ["item9-LOINC-oid-code-3-weight-0"] = new(p => Phq9With(p, qr => ItemAt(qr, 8)["answer"] = new JsonArray(WeightedCoding("urn:oid:2.16.840.1.113883.6.1", "LA6571-9", 0))),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8].answer[0].value"),
        ["cssrs-q4-yes-under-https-loinc"] = new(p => CssrsWith(p, qr => ItemAt(qr, 3)["answer"] = new JsonArray(Coding("https://loinc.org", "LA33-6"))),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[3].answer[0].value"),
        ["item9-valueInteger-without-value"] = new(p => Phq9With(p, qr => ItemAt(qr, 8)["answer"] = new JsonArray(new JsonObject
        {
            ["_valueInteger"] = new JsonObject { ["extension"] = new JsonArray(new JsonObject { ["url"] = "http://hl7.org/fhir/StructureDefinition/data-absent-reason", ["valueCode"] = "asked-declined" }) },
        })), HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8].answer[0].value"),
        // Totals and risk levels are recomputed, never taken as sent: alone they cannot be stored, so they are not dropped silently.
        ["cssrs-risk-level-without-its-questions-beside-a-phq9"] = new(p => Response(p, "https://clinic.example/Questionnaire/intake",
            [Group("phq", Phq9Answers(Moderate)), Group("/93373-9", [Item("/93374-7", Coding(Loinc, "LA9193-9"))])]),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[1].item[0].answer"),
        ["phq9-total-without-its-items-beside-a-cssrs"] = new(p => Response(p, "https://clinic.example/Questionnaire/intake",
            [Group("/44249-1", [Item("/44261-6", new JsonObject { ["valueInteger"] = 27 })]), Group("cssrs", CssrsItems(false, false, false, false, false, false, false))]),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[0].item[0].answer"),
        ["an-answered-follow-up-nested-under-item9"] = new(p => Phq9With(p, qr => ItemAt(qr, 8)["answer"]![0]!["item"] = new JsonArray(Item("item9-clinician-reask", Frequency(3)))),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8].answer[0].item[0]"),
        ["a-frequency-coded-item-under-a-mistyped-system-in-a-group-of-its-own"] = new(p => Response(p, "https://clinic.example/Questionnaire/intake",
            [Group("cssrs", CssrsItems(false, false, false, false, false, false, false)), Group("mood", [Item("mood-9", Coding("https://loinc.org", "LA6571-9"))])]),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[1].item[0]"),
        ["a-response-inside-a-contained-bundle"] = new(p => Phq9With(p, qr => qr["contained"] = new JsonArray(new JsonObject
        {
            ["resourceType"] = "Bundle", ["id"] = "b1", ["type"] = "collection",
            ["entry"] = new JsonArray(new JsonObject { ["resource"] = Phq9(p, 0, 0, 0, 0, 0, 0, 0, 0, 3).Also(c => c.Remove("subject")) }),
        })), HttpStatusCode.BadRequest, "QuestionnaireResponse.contained[0].entry[0].resource"),
        ["an-answer-with-two-value-forms"] = new(p => Phq9With(p, qr => ItemAt(qr, 8)["answer"]![0]!["valueInteger"] = 3),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8].answer[0].value"),
        ["a-frequency-coded-item-in-a-group-of-its-own-beside-a-gad7"] = new(p => Response(p, "https://clinic.example/Questionnaire/intake",
            [Group("gad", Gad7Codes.Select(c => Item("/" + c, Frequency(1)))), Group("mood", [Item("mood-9", Frequency(3))])]),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[1].item[0]"),
        ["cssrs-no-code-with-a-yes-weight"] = new(p => CssrsWith(p, qr => ItemAt(qr, 3)["answer"] = new JsonArray(WeightedCoding(Loinc, "LA32-8", 1))),
            HttpStatusCode.BadRequest, "QuestionnaireResponse.item[3].answer[0].value"),
        ["answer-null-property"] = new(p => Phq9With(p, qr => ItemAt(qr, 8)["answer"] = null), HttpStatusCode.BadRequest, "QuestionnaireResponse.item[8].answer"),
        ["item-empty-array"] = new(p => Phq9With(p, qr => qr["item"] = new JsonArray()), HttpStatusCode.BadRequest, "QuestionnaireResponse.item"),
        ["status-final-is-not-an-R4-code"] = new(p => Phq9With(p, qr => qr["status"] = "final"), HttpStatusCode.BadRequest, "QuestionnaireResponse.status"),
        ["subject-type-group"] = new(p => Phq9With(p, qr => qr["subject"]!["type"] = "Group"), HttpStatusCode.BadRequest, "QuestionnaireResponse.subject.type"),
        ["linkId-with-a-control-character"] = new(p => Phq9With(p, qr => ItemAt(qr, 0)["linkId"] = "/44250-9\u0000"), HttpStatusCode.BadRequest, "QuestionnaireResponse.item[0].linkId"),
        ["unknown-element"] = new(p => Phq9With(p, qr => qr["foo"] = "bar"), HttpStatusCode.BadRequest, "QuestionnaireResponse.foo"),
        ["item-without-linkId"] = new(p => Phq9With(p, qr => ItemAt(qr, 0).AsObject().Remove("linkId")), HttpStatusCode.BadRequest, "QuestionnaireResponse.item[0].linkId"),
        ["no-recognised-item"] = new(p => Response(p, null, [Item("name", new JsonObject { ["valueString"] = "x" })]), HttpStatusCode.BadRequest, "QuestionnaireResponse.item"),
    };

    private static JsonObject WeightedCoding(string system, string code, int weight)
    {
        var coding = new JsonObject { ["extension"] = new JsonArray(new JsonObject { ["url"] = "http://hl7.org/fhir/StructureDefinition/ordinalValue", ["valueDecimal"] = weight }) };
        if (system is not null) coding["system"] = system;
        coding["code"] = code;
        return new JsonObject { ["valueCoding"] = coding };
    }

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    /// <summary>Shapes only raw JSON text can carry: the valid PHQ-9 payload with one piece of its text replaced.</summary>
    private static readonly Dictionary<string, (string Find, string Replace, string Expression)> RawCases = new()
    {
        ["lone-surrogate-in-a-property-name"] = ("\"status\"", "\"\\ud800x\":1,\"status\"", "QuestionnaireResponse"),
        ["lone-surrogate-in-authored"] = ("09:00:00Z\"", "09:00:00Z\\ud800\"", "QuestionnaireResponse.authored"),
        ["lone-surrogate-in-resourceType"] = ("\"QuestionnaireResponse\"", "\"QuestionnaireResponse\\udc00\"", "resourceType"),
        ["lone-surrogate-in-a-linkId"] = ("\"/44250-9\"", "\"/44250-9\\udc00\"", "QuestionnaireResponse.item[0].linkId"),
    };

    public static TheoryData<string> RawCaseNames() => new(RawCases.Keys);

    [Theory]
    [MemberData(nameof(RawCaseNames))]
    public async Task Malformed_text_is_refused_with_where_it_is_and_nothing_stored(string name)
    {
        var (find, replace, expression) = RawCases[name];
        var patient = await CreatePatientAsync();
        var valid = Phq9(patient, Moderate).ToJsonString();
        Assert.Contains(find, valid, StringComparison.Ordinal);
        using var content = new StringContent(valid.Replace(find, replace, StringComparison.Ordinal), Encoding.UTF8, "application/fhir+json");
        using var response = await Client.PostAsync("/fhir/r4/QuestionnaireResponse", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{name}: {(int)response.StatusCode} {body}");
        var outcome = JsonSerializer.Deserialize<OperationOutcome>(body, FhirTests.Strict);
        Assert.Contains(expression, outcome.Issue.SelectMany(i => i.Expression));
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task A_conditional_create_is_refused_rather_than_ignored_into_a_duplicate()
    {
        var patient = await CreatePatientAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/r4/QuestionnaireResponse")
        {
            Content = new StringContent(Phq9(patient, 1, 1, 1, 1, 1, 1, 1, 1, 3).ToJsonString(), Encoding.UTF8, "application/fhir+json"),
        };
        request.Headers.Add("If-None-Exist", "identifier=abc");
        using var response = await Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var outcome = JsonSerializer.Deserialize<OperationOutcome>(await response.Content.ReadAsStringAsync(), FhirTests.Strict);
        Assert.Equal("If-None-Exist", outcome.Issue[0].Expression.Single());
        await AssertNothingStoredAsync();
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Refused_with_the_FHIRPath_of_the_problem_and_nothing_stored(string name)
    {
        var c = Cases[name];
        var patient = await CreatePatientAsync();
        var payload = c.Build(patient).ToJsonString();
        using var content = new StringContent(payload, Encoding.UTF8, "application/fhir+json");
        using var response = await Client.PostAsync("/fhir/r4/QuestionnaireResponse", content);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(c.Status == response.StatusCode, $"{name}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        var outcome = JsonSerializer.Deserialize<OperationOutcome>(body, FhirTests.Strict);
        var expressions = outcome.Issue.SelectMany(i => i.Expression).ToArray();
        Assert.True(c.Exact ? expressions.Contains(c.Expression) : expressions.Any(e => e.StartsWith(c.Expression, StringComparison.Ordinal)),
            $"{name}: expected {c.Expression} among [{string.Join(", ", expressions)}]");
        Assert.All(outcome.Issue, i => Assert.False(string.IsNullOrWhiteSpace(i.Diagnostics)));
        await AssertNothingStoredAsync();
    }

    /// <summary>No record, alert, outbox event or webhook delivery exists in the store.</summary>
    private async Task AssertNothingStoredAsync()
    {
        await using var c = await App.OpenConnectionAsync();
        Assert.Equal(0, await c.ExecuteScalarAsync<long>(
            "SELECT (SELECT COUNT(*) FROM questionnaires) + (SELECT COUNT(*) FROM suicidality_checkins) + (SELECT COUNT(*) FROM safety_alerts) " +
            "+ (SELECT COUNT(*) FROM outbox_events) + (SELECT COUNT(*) FROM webhook_deliveries)"));
    }
}
