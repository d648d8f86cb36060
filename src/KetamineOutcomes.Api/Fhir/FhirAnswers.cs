using System.Globalization;
using Hl7.Fhir.Model;
using KetamineOutcomes.Core.Instruments;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>
/// Reads one QuestionnaireResponse answer as a score or a yes/no, or says why it cannot (SPEC v2, Boundaries). Nothing
/// is guessed: an answer is readable only from codings and values listed here, and when two readings of the same answer
/// disagree (a LOINC answer code and its ordinalValue) the answer is unreadable.
/// </summary>
internal static partial class FhirAnswers
{
    public const string Snomed = "http://snomed.info/sct";

    /// <summary>LOINC's and SNOMED CT's OIDs (HL7 terminology), which some senders use as the coding system instead of the URI.</summary>
    public const string LoincOid = "urn:oid:2.16.840.1.113883.6.1", SnomedOid = "urn:oid:2.16.840.1.113883.6.96";

    private static bool IsLoinc(string? system) => system is Loinc.System or LoincOid;

    /// <summary>
    /// A LOINC coding: system http://loinc.org (or its OID), or no system with a LOINC answer code (LA…-N), a form that is
    /// LOINC's alone and that LHC-Forms' own Questionnaires send without a system.
    /// </summary>
    public static bool IsLoinc(Coding c) => IsLoinc(c.System) || (c.System is null && c.Code is { } code && LoincAnswerCode().IsMatch(code));

    private static bool IsSnomed(string? system) => system is Snomed or SnomedOid;

    /// <summary>Every answer code we read, so one sent under another system is refused rather than read through a weight.</summary>
    private static readonly HashSet<string> KnownAnswerCodes =
    [
        .. Loinc.FrequencyAnswers.Keys, Loinc.MoreDaysThanNot, .. Loinc.DifficultyAnswers.Keys, Loinc.Yes, Loinc.No,
    ];

    /// <summary>SNOMED CT 373066001 "Yes" and 373067005 "No", as some EHR intake forms code yes/no questions.</summary>
    public const string SnomedYes = "373066001", SnomedNo = "373067005";

    /// <summary>What yes/no answers are accepted, for messages and the CapabilityStatement.</summary>
    public const string YesNoForms =
        $"valueBoolean, or valueCoding {Loinc.System} {Loinc.Yes} (yes) / {Loinc.No} (no), {Snomed} {SnomedYes} (yes) / {SnomedNo} (no) " +
        $"or {FhirCodes.V2YesNo} Y / N " +
        $"(the systems may also be given as {LoincOid} and {SnomedOid})";

    /// <summary>What scored answers are accepted, for messages and the CapabilityStatement.</summary>
    public const string ScoreForms =
        $"valueCoding {Loinc.System} LA6568-5 (0), LA6569-3 (1), LA6570-1 (2), LA6571-9 (3) (LOINC LL358-3; LA18938-3 = 2 on GAD-7 item 2 only), " +
        "valueInteger, an integral valueDecimal, or a coding carrying an ordinalValue, itemWeight or iso21090-CO-value extension";

    /// <summary>
    /// A 0–3-style ordinal: a known LOINC frequency code, valueInteger, an integral valueDecimal, or the ordinalValue /
    /// itemWeight extension on the value or the answer. Null with <paramref name="why"/> when unreadable or ambiguous.
    /// The range is checked by the scoring rules, not here.
    /// </summary>
    public static int? Score(QuestionnaireResponse.AnswerComponent answer, IReadOnlyDictionary<string, int> codes, out string? why)
    {
        var readings = new List<int>(2);
        why = null;
        switch (answer.Value)
        {
            case Coding c when IsLoinc(c):
                if (c.Code is { } code && codes.TryGetValue(code, out var v)) readings.Add(v);
                else
                {
                    why = $"LOINC answer code '{c.Code}' is not an answer of this item.";
                    return null;
                }
                break;
            case Coding { Code: { } other } c when KnownAnswerCodes.Contains(other) || (!IsSnomed(c.System) && other is SnomedYes or SnomedNo):
                why = $"Code {other} is a LOINC or SNOMED CT answer code, but the coding's system is '{c.System ?? "(none)"}'; expected {Loinc.System} (or {Snomed} for SNOMED CT codes).";
                return null;
            case Coding:
                break; // a local coding: readable only through its ordinalValue/itemWeight extension
            case Integer { Value: { } i }:
                readings.Add(i);
                break;
            case FhirDecimal { Value: { } d }:
                if (Integral(d) is { } n) readings.Add(n);
                else
                {
                    why = $"valueDecimal {d.ToString(CultureInfo.InvariantCulture)} is not a whole number in the answer range.";
                    return null;
                }
                break;
            case PrimitiveType p when p.JsonValue is null:
                why = $"The {p.TypeName} answer has no value (only extensions, e.g. a data-absent-reason).";
                return null;
            case null:
                why = "The answer has no value.";
                return null;
            default:
                why = $"A {answer.Value.TypeName} answer cannot be scored.";
                return null;
        }
        foreach (var weight in Weights(answer))
        {
            var n = weight.Value switch
            {
                FhirDecimal { Value: { } d } => Integral(d),
                Integer { Value: { } i } => i,
                _ => null,
            };
            if (n is null)
            {
                why = $"Extension {weight.Url} must carry a whole number.";
                return null;
            }
            readings.Add(n.Value);
        }
        if (readings.Count == 0)
        {
            why = "A coding outside LOINC needs an ordinalValue or itemWeight extension to be scored.";
            return null;
        }
        if (readings.Distinct().Count() > 1)
        {
            why = $"The answer's code and its ordinal weight disagree ({string.Join(" vs ", readings.Distinct())}).";
            return null;
        }
        return readings[0];
    }

    /// <summary>
    /// Yes (true) or no (false) from valueBoolean, LOINC LA33-6/LA32-8, SNOMED CT 373066001/373067005 or HL7 v2-0136 Y/N.
    /// An ordinal weight on the answer must agree (1 = yes, 0 = no); otherwise, or for any other value, null with
    /// <paramref name="why"/>.
    /// </summary>
    public static bool? YesNo(QuestionnaireResponse.AnswerComponent answer, out string? why)
    {
        bool? yes = answer.Value switch
        {
            FhirBoolean { Value: { } b } => b,
            Coding { Code: Loinc.Yes } c when IsLoinc(c) => true,
            Coding { Code: Loinc.No } c when IsLoinc(c) => false,
            Coding { Code: SnomedYes } c when IsSnomed(c.System) => true,
            Coding { Code: SnomedNo } c when IsSnomed(c.System) => false,
            Coding { System: FhirCodes.V2YesNo, Code: "Y" } => true,
            Coding { System: FhirCodes.V2YesNo, Code: "N" } => false,
            _ => null,
        };
        why = yes is null ? $"{Describe(answer)} is not a yes or no." : null;
        if (yes is not { } y) return null;
        var weights = Weights(answer).Select(e => e.Value switch { FhirDecimal { Value: { } d } => d, Integer { Value: { } i } => i, _ => (decimal?)null });
        if (weights.All(w => w == (y ? 1m : 0m))) return y;
        why = $"{Describe(answer)} says {(y ? "yes" : "no")} but its ordinal weight says otherwise (a yes weighs 1, a no 0).";
        return null;
    }

    /// <summary>A short description of an answer's value for messages (no free text is echoed: it may hold PHI).</summary>
    public static string Describe(QuestionnaireResponse.AnswerComponent answer) => answer.Value switch
    {
        null => "no value",
        Coding c => $"valueCoding {c.System ?? "(no system)"}|{c.Code}",
        PrimitiveType { JsonValue: null } p => $"a {p.TypeName} answer without a value",
        FhirBoolean b => $"valueBoolean {b.Value}",
        Integer i => $"valueInteger {i.Value}",
        FhirDecimal d => $"valueDecimal {d.Value?.ToString(CultureInfo.InvariantCulture)}",
        var v => $"a {v.TypeName} value",
    };

    /// <summary>The ordinal-weight extensions on an answer's value or on the answer itself.</summary>
    private static IEnumerable<Extension> Weights(QuestionnaireResponse.AnswerComponent answer) =>
        (answer.Value?.Extension ?? []).Concat(answer.Extension)
            .Where(e => e.Url is FhirCodes.OrdinalValueExtension or FhirCodes.ItemWeightExtension or FhirCodes.Iso21090OrdinalExtension);

    [System.Text.RegularExpressions.GeneratedRegex(@"^LA\d{1,7}-\d\z")]
    private static partial System.Text.RegularExpressions.Regex LoincAnswerCode();

    private static int? Integral(decimal d) => d == decimal.Truncate(d) && d is >= int.MinValue and <= int.MaxValue ? (int)d : null;
}
