using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Safety;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>What a posted QuestionnaireResponse says, in our terms.</summary>
internal sealed record ReadSubmission(
    Guid PatientId, DateTimeOffset? Authored, Instrument? Instrument, int?[]? Items, int? Difficulty, CssrsAnswers? Cssrs);

/// <summary>
/// Reads PHQ-9 (44249-1), GAD-7 (69737-5) and C-SSRS screener (93373-9) responses as real senders write them: each item
/// is recognised by its LOINC code whatever the linkId style (<c>/44250-9</c>, <c>44250-9</c>, <c>phq9-1</c>, or in
/// <c>definition</c>); answers by LOINC answer code or ordinal value. The sender's own totals and risk are ignored.
/// </summary>
internal static partial class QuestionnaireResponseReader
{
    public static ReadSubmission Read(QuestionnaireResponse qr, ValidationErrors errors)
    {
        Guid patientId = default;
        var subject = PatientReference().Match(qr.Subject?.Reference ?? "");
        if (!subject.Success || !Guid.TryParse(subject.Groups[1].Value, out patientId))
            errors.Add("subject", "Must reference Patient/{id} with this service's patient id.");
        DateTimeOffset? authored = null;
        if (qr.AuthoredElement?.Value is { } text)
        {
            if (HasTimeAndOffset(text) && qr.AuthoredElement.TryToDateTimeOffset(out var at)) authored = at;
            else errors.Add("authored", "Must be a dateTime with time and offset, e.g. 2026-03-02T09:30:00Z.");
        }

        var answers = new Dictionary<string, QuestionnaireResponse.AnswerComponent>(StringComparer.Ordinal);
        foreach (var item in Flatten(qr.Item))
        {
            if (CodeOf(item) is { } code && item.Answer.Count > 0) answers.TryAdd(code, item.Answer[0]);
        }

        var canonical = qr.Questionnaire ?? "";
        var kind = canonical.Contains(Loinc.Phq9Panel, StringComparison.Ordinal) || answers.Keys.Any(Loinc.Phq9Items.Contains) ? "phq9"
            : canonical.Contains(Loinc.Gad7Panel, StringComparison.Ordinal) || answers.Keys.Any(Loinc.Gad7Items.Contains) ? "gad7"
            : canonical.Contains(Loinc.CssrsPanel, StringComparison.Ordinal) || answers.ContainsKey(Loinc.CssrsWishToBeDead) ? "cssrs"
            : null;
        switch (kind)
        {
            case "phq9" or "gad7":
                var instrument = kind == "phq9" ? Instrument.Phq9 : Instrument.Gad7;
                var codes = Loinc.Items(instrument);
                var items = new int?[codes.Count];
                for (var i = 0; i < codes.Count; i++)
                {
                    if (!answers.TryGetValue(codes[i], out var a)) continue;
                    items[i] = ScoreOf(a);
                    if (items[i] is null) errors.Add($"items[{i}]", $"Item {codes[i]}: answer must be a LOINC answer code (LL358-3) or an ordinal value 0–3.");
                }
                if (instrument == Instrument.Phq9 && !answers.ContainsKey(Loinc.Phq9Item9))
                    errors.Add("items[8]", $"PHQ-9 item 9 ({Loinc.Phq9Item9}, thoughts of being better off dead or of self-harm) is a safety item and must be answered.");
                int? difficulty = null;
                if (instrument == Instrument.Phq9 && answers.TryGetValue(Loinc.Phq9Difficulty, out var d))
                    difficulty = d.Value is Coding dc && dc.Code is { } dcode && Loinc.DifficultyAnswers.TryGetValue(dcode, out var dv) ? dv : OrdinalOf(d);
                return new ReadSubmission(patientId, authored, instrument, items, difficulty, null);
            case "cssrs":
                bool? Yes(string code) => answers.TryGetValue(code, out var a) ? YesNoOf(a) : null;
                var q1 = Yes(Loinc.CssrsWishToBeDead);
                var q2 = Yes(Loinc.CssrsSuicidalThoughts);
                var q6 = Yes(Loinc.CssrsBehavior);
                if (q1 is null) errors.Add("wishToBeDead", $"C-SSRS question 1 ({Loinc.CssrsWishToBeDead}) must be answered yes or no.");
                if (q2 is null) errors.Add("suicidalThoughts", $"C-SSRS question 2 ({Loinc.CssrsSuicidalThoughts}) must be answered yes or no.");
                if (q6 is null) errors.Add("suicidalBehavior", $"C-SSRS question 6 ({Loinc.CssrsBehavior}) must be answered yes or no.");
                var behavior = q6 != true ? SuicidalBehavior.None
                    : Yes(Loinc.CssrsBehaviorRecent) == true ? SuicidalBehavior.Within3Months : SuicidalBehavior.Over3MonthsAgo;
                var cssrs = q1 is null || q2 is null || q6 is null ? null
                    : new CssrsAnswers(q1.Value, q2.Value, Yes(Loinc.CssrsMethod), Yes(Loinc.CssrsIntent), Yes(Loinc.CssrsPlan), behavior);
                return new ReadSubmission(patientId, authored, null, null, null, cssrs);
            default:
                errors.Add("questionnaire", $"Not a supported questionnaire: send PHQ-9 ({Loinc.Phq9Panel}), GAD-7 ({Loinc.Gad7Panel}) or C-SSRS screener ({Loinc.CssrsPanel}) items with LOINC codes.");
                return new ReadSubmission(patientId, authored, null, null, null, null);
        }
    }

    private static IEnumerable<QuestionnaireResponse.ItemComponent> Flatten(IEnumerable<QuestionnaireResponse.ItemComponent> items)
    {
        foreach (var item in items)
        {
            yield return item;
            foreach (var child in Flatten(item.Item)) yield return child;
            foreach (var nested in Flatten(item.Answer.SelectMany(a => a.Item))) yield return nested;
        }
    }

    /// <summary>The item's LOINC code from its linkId, its definition, or a <c>phq9-N</c>/<c>gad7-N</c> position.</summary>
    private static string? CodeOf(QuestionnaireResponse.ItemComponent item)
    {
        foreach (var text in new[] { item.LinkId, item.Definition })
        {
            if (text is null) continue;
            var code = LoincCode().Match(text);
            if (code.Success) return code.Value;
            var position = PositionalLinkId().Match(text);
            if (position.Success)
            {
                var list = position.Groups[1].Value.Equals("phq9", StringComparison.OrdinalIgnoreCase) ? Loinc.Phq9Items : Loinc.Gad7Items;
                var n = int.Parse(position.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
                if (n >= 1 && n <= list.Count) return list[n - 1];
            }
        }
        return null;
    }

    private static int? ScoreOf(QuestionnaireResponse.AnswerComponent a) =>
        a.Value is Coding c && c.Code is { } code && Loinc.FrequencyAnswers.TryGetValue(code, out var v) ? v : OrdinalOf(a);

    /// <summary>An ordinal from valueInteger, an integral valueDecimal, or the ordinalValue/itemWeight extension.</summary>
    private static int? OrdinalOf(QuestionnaireResponse.AnswerComponent a)
    {
        switch (a.Value)
        {
            case Integer { Value: { } i }: return i;
            case FhirDecimal { Value: { } d } when d == decimal.Truncate(d): return (int)d;
        }
        var ext = a.Value?.Extension.Concat(a.Extension).FirstOrDefault(e => e.Url is FhirCodes.OrdinalValueExtension or FhirCodes.ItemWeightExtension);
        return ext?.Value switch
        {
            FhirDecimal { Value: { } d } when d == decimal.Truncate(d) => (int)d,
            Integer { Value: { } i } => i,
            _ => null,
        };
    }

    private static bool? YesNoOf(QuestionnaireResponse.AnswerComponent a) => a.Value switch
    {
        FhirBoolean { Value: { } b } => b,
        Coding { Code: Loinc.Yes } => true,
        Coding { Code: Loinc.No } => false,
        _ => null,
    };

    private static bool HasTimeAndOffset(string value) => value.Contains('T', StringComparison.Ordinal) && TimeWithOffset().IsMatch(value);

    [GeneratedRegex(@"^(?:.*/)?Patient/([0-9a-fA-F-]{36})$")]
    private static partial Regex PatientReference();

    [GeneratedRegex(@"\d{4,5}-\d")]
    private static partial Regex LoincCode();

    [GeneratedRegex(@"^/?(phq9|gad7)[-_.]?(\d{1,2})$", RegexOptions.IgnoreCase)]
    private static partial Regex PositionalLinkId();

    [GeneratedRegex(@"(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex TimeWithOffset();
}
