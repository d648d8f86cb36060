using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Safety;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>One instrument read from a QuestionnaireResponse: a scored questionnaire or a C-SSRS check-in.</summary>
internal abstract record ReadInstrument;

/// <summary>A PHQ-9 or GAD-7: answers in instrument order (null = unanswered) and the PHQ-9 difficulty.</summary>
internal sealed record ReadQuestionnaire(Instrument Instrument, int?[] Items, int? Difficulty) : ReadInstrument;

/// <summary>A C-SSRS screener.</summary>
internal sealed record ReadCheckin(CssrsAnswers Answers) : ReadInstrument;

/// <summary>What a posted QuestionnaireResponse says, in our terms: one entry per recognised instrument, in LOINC panel order.</summary>
internal sealed record ReadSubmission(Guid PatientId, DateTimeOffset? Authored, RecordStatus Status, IReadOnlyList<ReadInstrument> Instruments);

/// <summary>
/// Reads PHQ-9 (44249-1), GAD-7 (69737-5) and C-SSRS screener (93373-9) answers from a strictly parsed
/// QuestionnaireResponse as real senders write them (SPEC "FHIR R4" and v2 "Boundaries"): each item is recognised by its
/// LOINC code whatever the linkId style (<c>/44250-9</c>, <c>44250-9</c>, <c>phq9-1</c>, a nested path, or in
/// <c>definition</c>) and however deep in groups; answers as <see cref="FhirAnswers"/> reads them. The reader never
/// picks: an item with two answers, the same item twice, an unreadable answer on any scored or C-SSRS item, or a
/// declared questionnaire the items contradict is an error whose key is a FHIRPath into the sent resource. Every
/// recognised instrument is returned (an intake form may hold PHQ-9 and C-SSRS groups). The sender's totals and risk
/// level are ignored; they are recomputed.
/// </summary>
internal static partial class QuestionnaireResponseReader
{
    private const string Root = "QuestionnaireResponse";

    /// <summary>The statuses stored (FHIR R4 QuestionnaireResponse.status is a modifier element).</summary>
    public static readonly IReadOnlyDictionary<QuestionnaireResponse.QuestionnaireResponseStatus, RecordStatus> StoredStatuses =
        new Dictionary<QuestionnaireResponse.QuestionnaireResponseStatus, RecordStatus>
        {
            [QuestionnaireResponse.QuestionnaireResponseStatus.Completed] = RecordStatus.Final,
            [QuestionnaireResponse.QuestionnaireResponseStatus.Amended] = RecordStatus.Amended,
        };

    private static readonly HashSet<string> CssrsQuestions = new(StringComparer.Ordinal)
    {
        Loinc.CssrsWishToBeDead, Loinc.CssrsSuicidalThoughts, Loinc.CssrsMethod, Loinc.CssrsIntent, Loinc.CssrsPlan, Loinc.CssrsBehavior, Loinc.CssrsBehaviorRecent,
    };

    /// <summary>Codes a sender may include that we recompute and therefore ignore: totals and the C-SSRS risk level.</summary>
    private static readonly HashSet<string> Recomputed = new(StringComparer.Ordinal) { Loinc.Phq9Total, Loinc.Gad7Total, Loinc.CssrsRisk };

    /// <summary>
    /// Reads the response. The status is checked first (an in-progress or stopped response is not an assessment to score,
    /// so its missing answers are not reported as errors): a status other than completed or amended throws
    /// <see cref="Errors.UnprocessableContentException"/> (422). Everything else goes into <paramref name="errors"/>.
    /// </summary>
    /// <param name="fhirBase">This server's FHIR base URL; an absolute reference elsewhere is refused.</param>
    public static ReadSubmission Read(QuestionnaireResponse qr, string fhirBase, ValidationErrors errors)
    {
        var status = StatusOf(qr);
        FhirElementChecks.Check(qr, fhirBase, errors);
        var patientId = SubjectOf(qr, fhirBase, errors);
        var authored = AuthoredOf(qr, errors);

        var found = new Dictionary<string, Found>(StringComparer.Ordinal);
        var recomputed = new List<Found>();
        Collect(qr.Item, $"{Root}.item", inPanel: DeclaredPanels(qr.Questionnaire).Count > 0, found, recomputed, errors);

        // An instrument is present when at least one of its items is answered: a section shown but skipped whole (an
        // intake form's GAD-7 left blank) holds nothing to store and does not refuse the answered ones beside it.
        // The difficulty item (69722-7) ends both LOINC panels; only PHQ-9 stores it (SPEC), so alone it names no instrument.
        bool Answered(IEnumerable<string> codes) => codes.Any(c => found.TryGetValue(c, out var f) && f.Item.Answer.Count > 0);
        var present = new List<string>(3);
        if (Answered(Loinc.Phq9Items)) present.Add(Loinc.Phq9Panel);
        if (Answered(Loinc.Gad7Items)) present.Add(Loinc.Gad7Panel);
        if (Answered(CssrsQuestions)) present.Add(Loinc.CssrsPanel);
        foreach (var r in recomputed.Where(r => !present.Contains(PanelOfRecomputed(r.Code))))
        {
            errors.Add($"{r.Path}.answer", $"{r.Code} (a total or risk level) came without the answers it is computed from. This service recomputes it " +
                "from the answers and never stores a sender's own, so it cannot be stored alone; send the instrument's answers.");
        }
        CheckDeclared(qr.Questionnaire, present, errors);

        var instruments = new List<ReadInstrument>(present.Count);
        foreach (var panel in present)
        {
            instruments.Add(panel switch
            {
                Loinc.Phq9Panel => Scored(Instrument.Phq9, found, errors),
                Loinc.Gad7Panel => Scored(Instrument.Gad7, found, errors),
                _ => Cssrs(found, errors),
            });
        }
        return new ReadSubmission(patientId, authored, status, instruments);
    }

    /// <summary>A recognised item and where it is in the sent resource.</summary>
    private sealed record Found(string Code, QuestionnaireResponse.ItemComponent Item, string Path);

    private static RecordStatus StatusOf(QuestionnaireResponse qr)
    {
        if (qr.Status is { } s && StoredStatuses.TryGetValue(s, out var stored)) return stored;
        var wire = qr.Status is { } given ? Hl7.Fhir.Utility.EnumUtility.GetLiteral(given) : "(none)";
        throw new Errors.UnprocessableContentException($"{Root}.status",
            $"Status '{wire}' is not stored: only completed and amended responses are scored and kept. An in-progress, stopped or " +
            "entered-in-error response is not a finished assessment (status is a FHIR modifier element); send it again once completed.");
    }

    private static Guid SubjectOf(QuestionnaireResponse qr, string fhirBase, ValidationErrors errors)
    {
        if (qr.Subject?.Type is { } type && type != "Patient")
        {
            errors.Add($"{Root}.subject.type", $"Subject type '{Shown(type)}' disagrees with a Patient reference: the subject must be a patient of this service.");
            return default;
        }
        var reference = qr.Subject?.Reference;
        if (reference is not null && reference.StartsWith(fhirBase + "/", StringComparison.Ordinal)) reference = reference[(fhirBase.Length + 1)..];
        else if (reference is not null && FhirElementChecks.IsElsewhere(reference, fhirBase)) return default; // FhirElementChecks said so
        var m = reference is null ? null : PatientReference().Match(reference);
        if (m is { Success: true } && Guid.TryParse(m.Groups[1].Value, out var id)) return id;
        errors.Add($"{Root}.subject", "Must be a reference Patient/{id} to a patient of this service (an id this service assigned).");
        return default;
    }

    private static DateTimeOffset? AuthoredOf(QuestionnaireResponse qr, ValidationErrors errors)
    {
        if (qr.AuthoredElement is not { Value: { } text })
        {
            errors.Add($"{Root}.authored", "Required: when the patient completed the questionnaire, a dateTime with seconds and an offset, e.g. 2026-03-02T09:30:00Z.");
            return null;
        }
        var reading = Infrastructure.Rfc3339DateTimeOffsetConverter.Parse(text, out var at);
        if (reading == Infrastructure.Rfc3339DateTimeOffsetConverter.Reading.Valid) return at;
        errors.Add($"{Root}.authored", Infrastructure.Rfc3339DateTimeOffsetConverter.Refusal(reading));
        return null;
    }

    /// <summary>
    /// Walks a list of sibling items, their child items and the items nested under their answers, recording each
    /// recognised code once. An answered item that is not recognised is an error where its answer would otherwise be
    /// dropped unseen: inside a group (or a response) that names one of our panels, or beside recognised items. Elsewhere —
    /// an intake form's own sections, such as contact details — it is not ours to read.
    /// </summary>
    private static void Collect(
        List<QuestionnaireResponse.ItemComponent> items, string listPath, bool inPanel, Dictionary<string, Found> found, List<Found> recomputed, ValidationErrors errors)
    {
        var codes = new string?[items.Count];
        var besideOurs = false;
        for (var i = 0; i < items.Count; i++) besideOurs |= (codes[i] = CodeOf(items[i], listPath, i, errors)) is not null;
        for (var i = 0; i < items.Count; i++)
        {
            var (item, path, code) = (items[i], $"{listPath}[{i}]", codes[i]);
            if (code is null && item.Answer.Count > 0 && !(inPanel || besideOurs) && item.Answer.Any(a => a.Value is Coding c && IsFrequencyCode(c)))
            {
                errors.Add(path, $"Item '{Shown(item.LinkId)}' is answered on the PHQ/GAD frequency scale (LOINC LL358-3) but is not an item this service " +
                    "recognises; its answer would be dropped. Identify it by its LOINC item code in linkId or definition.");
            }
            else if (code is null && item.Answer.Count > 0 && (inPanel || besideOurs))
            {
                errors.Add(path, $"Item '{Shown(item.LinkId)}' has an answer but is not a PHQ-9, GAD-7 or C-SSRS item this service recognises (a LOINC item code " +
                    "in linkId or definition, or phq9-N / gad7-N). Beside or inside those instruments every answered item must be recognised, or its answer " +
                    "would be dropped: identify it by its LOINC code, or move other questions to a group of their own.");
            }
            else if (code is not null && Recomputed.Contains(code))
            {
                if (item.Answer.Count > 0) recomputed.Add(new Found(code, item, path));
            }
            else if (code is not null)
            {
                if (found.TryGetValue(code, out var first))
                    errors.Add(path, $"Item {code} appears more than once (first at {first.Path}); which answer is meant cannot be told. Send it once.");
                else found[code] = new Found(code, item, path);
            }
            // Under a panel group or a recognised item, every answered item must be ours: a follow-up nested under item 9
            // ("asked again by the clinician") would otherwise be dropped.
            var childrenInPanel = inPanel || code is not null || PanelOf(item) is not null;
            Collect(item.Item, $"{path}.item", childrenInPanel, found, recomputed, errors);
            for (var a = 0; a < item.Answer.Count; a++) Collect(item.Answer[a].Item, $"{path}.answer[{a}].item", childrenInPanel, found, recomputed, errors);
        }
    }

    private static string PanelOfRecomputed(string code) => code switch
    {
        Loinc.Phq9Total => Loinc.Phq9Panel,
        Loinc.Gad7Total => Loinc.Gad7Panel,
        _ => Loinc.CssrsPanel,
    };

    // By code alone, whatever the system: an unread item on this scale is dropped just the same under a mistyped system.
    private static bool IsFrequencyCode(Coding c) => c.Code is { } code && (Loinc.FrequencyAnswers.ContainsKey(code) || code == Loinc.MoreDaysThanNot);

    /// <summary>The panel (44249-1, 69737-5, 93373-9) a group names as the last LOINC code of its linkId or definition, if any.</summary>
    private static string? PanelOf(QuestionnaireResponse.ItemComponent item) => AsPanel(LinkIdCode(item.LinkId)) ?? AsPanel(DefinitionCode(item.Definition));

    private static string? AsPanel(string? code) => code is Loinc.Phq9Panel or Loinc.Gad7Panel or Loinc.CssrsPanel ? code : null;

    /// <summary>
    /// The LOINC code a linkId names: the whole linkId is a code or a path of codes (<c>44250-9</c>, <c>/44250-9</c>,
    /// <c>/44249-1/44250-9</c>), the last being the item's own. Anything around a code (<c>/44260-8x</c>, <c>x/44260-8</c>,
    /// a space) names nothing: read as that item it would be a guess (break-it finding, issue 24).
    /// </summary>
    private static string? LinkIdCode(string? linkId) =>
        linkId is not null && LoincPath().IsMatch(linkId) ? linkId[(linkId.LastIndexOf('/') + 1)..] : null;

    /// <summary>The LOINC code a definition names: a canonical ending in <c>/</c> or <c>#</c> and the code (<c>http://loinc.org#44250-9</c>, <c>http://loinc.org/q/44249-1#44250-9</c>).</summary>
    private static string? DefinitionCode(string? definition) =>
        definition is not null && DefinitionLoinc().Match(definition) is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>The panels a declared questionnaire canonical names (e.g. http://loinc.org/q/44249-1).</summary>
    private static List<string> DeclaredPanels(string? canonical) => canonical is null ? [] :
        LoincCode().Matches(canonical).Select(m => m.Value).Where(c => c is Loinc.Phq9Panel or Loinc.Gad7Panel or Loinc.CssrsPanel).Distinct().ToList();

    private static string Shown(string? text) => text is null ? "" : text.Length <= 64 ? text : text[..64] + "…";

    /// <summary>
    /// The item's LOINC code (one of ours), from its linkId and its definition: the last LOINC-shaped code in each (a nested
    /// linkId such as <c>/44249-1/44250-9</c> ends with the item's own), or a <c>phq9-N</c> / <c>gad7-N</c> position. When
    /// linkId and definition name two different known codes the item is ambiguous: an error, no code.
    /// </summary>
    private static string? CodeOf(QuestionnaireResponse.ItemComponent item, string listPath, int index, ValidationErrors errors)
    {
        var fromLinkId = Known(item.LinkId, LinkIdCode(item.LinkId));
        var fromDefinition = Known(item.Definition, DefinitionCode(item.Definition));
        if (fromLinkId is not null && fromDefinition is not null && fromLinkId != fromDefinition)
        {
            errors.Add($"{listPath}[{index}]", $"linkId names item {fromLinkId} but definition names {fromDefinition}; send one item per question.");
            return null;
        }
        return fromLinkId ?? fromDefinition;

        static string? Known(string? text, string? code)
        {
            if (string.IsNullOrEmpty(text)) return null;
            if (code is not null) return IsKnown(code) ? code : null;
            var position = PositionalLinkId().Match(text);
            if (!position.Success) return null;
            var list = position.Groups[1].Value.StartsWith("phq", StringComparison.OrdinalIgnoreCase) ? Loinc.Phq9Items : Loinc.Gad7Items;
            return int.TryParse(position.Groups[2].ValueSpan, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= list.Count
                ? list[n - 1] : null;
        }
    }

    private static bool IsKnown(string code) =>
        Loinc.Phq9Items.Contains(code) || Loinc.Gad7Items.Contains(code) || CssrsQuestions.Contains(code) || code == Loinc.Phq9Difficulty || Recomputed.Contains(code);

    /// <summary>A declared questionnaire naming one of our panels must agree with the instruments its items hold.</summary>
    private static void CheckDeclared(string? canonical, List<string> present, ValidationErrors errors)
    {
        if (present.Count == 0)
        {
            errors.Add($"{Root}.item", $"No answered PHQ-9 ({Loinc.Phq9Panel}), GAD-7 ({Loinc.Gad7Panel}) or C-SSRS screener ({Loinc.CssrsPanel}) item was found: " +
                "identify items by LOINC code in linkId or definition (e.g. /44250-9).");
            return;
        }
        var declared = DeclaredPanels(canonical);
        if (declared.Count == 0) return; // an intake form of the sender's own: its items decide
        if (declared.Count > 1 || present.Count != 1 || present[0] != declared[0])
        {
            errors.Add($"{Root}.questionnaire",
                $"Declares {string.Join(", ", declared)} but the items are of {string.Join(", ", present)}; the declared questionnaire and its items must agree.");
        }
    }

    private static ReadQuestionnaire Scored(Instrument instrument, Dictionary<string, Found> found, ValidationErrors errors)
    {
        var codes = Loinc.Items(instrument);
        var items = new int?[codes.Count];
        var paths = new string?[codes.Count];
        var unread = new bool[codes.Count];
        for (var i = 0; i < codes.Count; i++)
        {
            if (!found.TryGetValue(codes[i], out var f)) continue;
            paths[i] = f.Path;
            var before = errors.Count;
            items[i] = f.Item.Answer.Count == 0 ? null : One(f, errors) is { } answer ? Read(answer, Loinc.FrequencyAnswersOf(codes[i]), f, errors) : null;
            unread[i] = errors.Count > before;
        }
        int? difficulty = null;
        if (instrument == Instrument.Phq9 && found.TryGetValue(Loinc.Phq9Difficulty, out var d) && One(d, errors) is { } da)
            difficulty = Read(da, Loinc.DifficultyAnswers, d, errors);

        // The scoring rules (ranges, how many may be unanswered, item 9 required) are Core's; only their keys are ours.
        // An answer already refused stands in as 0 here, so it is not also counted as unanswered.
        var scoring = new ValidationErrors();
        QuestionnaireScoring.Validate(instrument, items.Select((v, i) => unread[i] ? 0 : v).ToArray(), difficulty, scoring);
        foreach (var (key, messages) in scoring.ToDictionary())
        {
            var index = ItemIndex().Match(key);
            string path;
            if (index.Success)
            {
                var i = int.Parse(index.Groups[1].ValueSpan, System.Globalization.CultureInfo.InvariantCulture);
                path = paths[i] is { } p ? $"{p}.answer" : $"{Root}.item";
                messages[0] = $"Item {codes[i]}: {messages[0]}";
            }
            else if (key == "difficulty" && found.TryGetValue(Loinc.Phq9Difficulty, out var df))
            {
                path = $"{df.Path}.answer";
                messages[0] = $"Item {Loinc.Phq9Difficulty} (difficulty): {messages[0]}";
            }
            else path = $"{Root}.item";
            foreach (var message in messages) errors.Add(path, message);
        }
        return new ReadQuestionnaire(instrument, items, difficulty);
    }

    private static ReadCheckin Cssrs(Dictionary<string, Found> found, ValidationErrors errors)
    {
        bool? Answer(string code, bool required)
        {
            if (!found.TryGetValue(code, out var f) || f.Item.Answer.Count == 0)
            {
                if (required) errors.Add(f?.Path ?? $"{Root}.item", $"C-SSRS question {code} must be answered yes or no ({FhirAnswers.YesNoForms}).");
                return null;
            }
            if (One(f, errors) is not { } answer) return null;
            if (FhirAnswers.YesNo(answer, out var why) is { } yes) return yes;
            errors.Add($"{f.Path}.answer[0].value", $"C-SSRS question {code}: {why} Accepted: {FhirAnswers.YesNoForms}.");
            return null;
        }

        var q1 = Answer(Loinc.CssrsWishToBeDead, required: true);
        var q2 = Answer(Loinc.CssrsSuicidalThoughts, required: true);
        // Q3–Q5 are asked when Q2 is yes: a missing or unanswered one would read as "no" and could hide intent or a plan (high risk).
        var q3 = Answer(Loinc.CssrsMethod, required: q2 == true);
        var q4 = Answer(Loinc.CssrsIntent, required: q2 == true);
        var q5 = Answer(Loinc.CssrsPlan, required: q2 == true);
        var q6 = Answer(Loinc.CssrsBehavior, required: true);
        // Q6b is asked when Q6 is yes: without it "within 3 months" (high risk) cannot be told from "over 3 months ago".
        var recent = Answer(Loinc.CssrsBehaviorRecent, required: q6 == true);
        if (q6 == false && recent == true)
        {
            errors.Add($"{found[Loinc.CssrsBehaviorRecent].Path}.answer",
                $"{Loinc.CssrsBehaviorRecent} (within the past 3 months) is yes while {Loinc.CssrsBehavior} (any suicidal behaviour) is no; the answers contradict each other.");
        }
        var behavior = q6 != true ? SuicidalBehavior.None : recent == true ? SuicidalBehavior.Within3Months : SuicidalBehavior.Over3MonthsAgo;
        var answers = new CssrsAnswers(q1 ?? false, q2 ?? false, q3, q4, q5, behavior);

        var rules = new ValidationErrors();
        CssrsRules.Validate(answers, rules);
        foreach (var (key, messages) in rules.ToDictionary())
        {
            var code = key switch { "thoughtsOfMethod" => Loinc.CssrsMethod, "intent" => Loinc.CssrsIntent, _ => Loinc.CssrsPlan };
            foreach (var message in messages) errors.Add($"{found[code].Path}.answer", $"C-SSRS question {code}: {message.Replace("suicidalThoughts", Loinc.CssrsSuicidalThoughts, StringComparison.Ordinal)}");
        }
        return new ReadCheckin(answers);
    }

    /// <summary>The item's one answer; none → null (unanswered); more than one → an error, never the first.</summary>
    private static QuestionnaireResponse.AnswerComponent? One(Found f, ValidationErrors errors)
    {
        if (f.Item.Answer.Count > 1)
        {
            errors.Add($"{f.Path}.answer", $"Item {f.Code} has {f.Item.Answer.Count} answers; it takes exactly one, and which one is meant cannot be told.");
            return null;
        }
        return f.Item.Answer.Count == 1 ? f.Item.Answer[0] : null;
    }

    private static int? Read(QuestionnaireResponse.AnswerComponent answer, IReadOnlyDictionary<string, int> codes, Found f, ValidationErrors errors)
    {
        if (FhirAnswers.Score(answer, codes, out var why) is { } score) return score;
        errors.Add($"{f.Path}.answer[0].value", $"Item {f.Code}: {FhirAnswers.Describe(answer)} cannot be read: {why} Accepted: {FhirAnswers.ScoreForms}.");
        return null;
    }

    [GeneratedRegex(@"^Patient/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\z")]
    private static partial Regex PatientReference();

    [GeneratedRegex(@"(?<![\d-])\d{4,5}-\d(?![\d])")]
    private static partial Regex LoincCode();

    [GeneratedRegex(@"^/?\d{4,5}-\d(?:/\d{4,5}-\d)*\z")]
    private static partial Regex LoincPath();

    [GeneratedRegex(@"[/#](\d{4,5}-\d)\z")]
    private static partial Regex DefinitionLoinc();

    [GeneratedRegex(@"^/?(phq-?9|gad-?7)[-_.]?(?:q|item)?[-_.]?(\d{1,2})\z", RegexOptions.IgnoreCase)]
    private static partial Regex PositionalLinkId();

    [GeneratedRegex(@"^items\[(\d+)\]$")]
    private static partial Regex ItemIndex();
}
