using System.Globalization;
using Hl7.Fhir.Model;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Safety;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>Our records as FHIR R4 resources (Firely POCOs): Observations and QuestionnaireResponses.</summary>
internal static class FhirMapping
{
    /// <summary>
    /// What search needs to filter, order and page an Observation (code, time, last update, id), and what it says: only
    /// the page's facts (timepoint included) are ever worked out.
    /// </summary>
    public sealed record ObservationEntry(string Code, DateTimeOffset Effective, DateTimeOffset LastUpdated, string Id, Func<ObservationFacts> Facts)
    {
        /// <summary>The Firely Observation of these facts.</summary>
        public Observation Build() => ToObservation(Facts());
    }

    /// <summary>
    /// What is stored of a record's versions, as FHIR's meta (SPEC v2, Corrections): versionId is the record's version,
    /// lastUpdated when that version became current. An Observation derived from a record carries its record's.
    /// </summary>
    private sealed record Versioned(RecordStatus Status, int Version, DateTimeOffset LastUpdated)
    {
        public static Versioned Of(QuestionnaireRecord q) => new(q.Status, q.Version, q.LastUpdated);
        public static Versioned Of(CheckinRecord c) => new(c.Status, c.Version, c.LastUpdated);
    }

    /// <summary>The Observations of a whole record: those of its summary (<see cref="Observations(QuestionnaireSummary, InfusionTimeline)"/>).</summary>
    public static IEnumerable<ObservationEntry> Observations(QuestionnaireRecord q, InfusionTimeline timeline) => Observations(q.ToSummary(), timeline);

    /// <summary>
    /// A questionnaire's Observations: its total score (id <c>{id}-total</c>, severity band as interpretation, a note when
    /// prorated), and for a PHQ-9 with item 9 answered, item 9 as an Observation of its own (id <c>{id}-item9</c>).
    /// </summary>
    public static IEnumerable<ObservationEntry> Observations(QuestionnaireSummary q, InfusionTimeline timeline)
    {
        var total = $"{q.Id}-total";
        yield return new ObservationEntry(Loinc.Total(q.Instrument), q.CompletedAt, q.LastUpdated, total, () => new ObservationFacts(
            total, q.PatientId, q.Id, q.CompletedAt, Loinc.Total(q.Instrument), q.Instrument == Instrument.Phq9 ? Phq9TotalText : Gad7TotalText,
            q.Status, q.Version, q.LastUpdated, timeline.At(q.CompletedAt), q.TotalScore, q.Severity, q.Prorated, null));
        if (q.Item9 is { } item9)
        {
            var id = $"{q.Id}-item9";
            yield return new ObservationEntry(Loinc.Phq9Item9, q.CompletedAt, q.LastUpdated, id, () => new ObservationFacts(
                id, q.PatientId, q.Id, q.CompletedAt, Loinc.Phq9Item9, TriggeringAnswers.Phq9Item9Question,
                q.Status, q.Version, q.LastUpdated, timeline.At(q.CompletedAt), item9, null, false, null));
        }
    }

    /// <summary>A check-in's C-SSRS risk level as an Observation (id <c>{id}-risk</c>).</summary>
    public static ObservationEntry RiskObservation(CheckinSummary c, InfusionTimeline timeline)
    {
        var id = $"{c.Id}-risk";
        return new(Loinc.CssrsRisk, c.CompletedAt, c.LastUpdated, id, () => new ObservationFacts(
            id, c.PatientId, c.Id, c.CompletedAt, Loinc.CssrsRisk, RiskText,
            c.Status, c.Version, c.LastUpdated, timeline.At(c.CompletedAt), null, null, false, c.RiskLevel));
    }

    /// <summary>The texts of the Observations' codes (item 9's is its question, <see cref="TriggeringAnswers.Phq9Item9Question"/>).</summary>
    public const string Phq9TotalText = "PHQ-9 total score", Gad7TotalText = "GAD-7 total score", RiskText = "Suicide risk level (C-SSRS screener)";

    /// <summary>The one category of every Observation we emit (a coding and the concept's text).</summary>
    public static readonly (string System, string Code, string Text) SurveyCategory = (FhirCodes.ObservationCategory, "survey", "Survey");

    /// <summary>The note of a prorated total (SPEC: total = round(sum × items / answered)).</summary>
    public const string ProratedNote = "Prorated: one or more items were unanswered; total = round(sum × items / answered).";

    /// <summary>The Firely Observation of <paramref name="f"/>: the reference rendering of our Observations.</summary>
    public static Observation ToObservation(ObservationFacts f)
    {
        var obs = new Observation
        {
            Id = f.Id,
            Meta = MetaOf(new Versioned(f.Status, f.Version, f.LastUpdated)),
            Status = ObservationStatusOf(f.Status),
            Category = [new CodeableConcept(SurveyCategory.System, SurveyCategory.Code, SurveyCategory.Text)],
            Code = new CodeableConcept(Loinc.System, f.Code, f.Text),
            Subject = new ResourceReference($"Patient/{f.PatientId}"),
            Effective = new FhirDateTime(f.Effective),
            DerivedFrom = [new ResourceReference($"QuestionnaireResponse/{f.ResponseId}")],
            Extension = [TimepointExtension(f.Timepoint)],
        };
        if (f.Score is { } score) obs.Value = new Integer(score);
        if (f.Risk is { } risk) obs.Value = RiskCoding(risk);
        if (f.Severity is { } severity) obs.Interpretation = [new CodeableConcept(FhirCodes.SeveritySystem, WireNames.Of(severity), WireNames.Of(severity))];
        if (f.Prorated) obs.Note = [new Annotation { Text = new Markdown(ProratedNote) }];
        return obs;
    }

    private static Extension TimepointExtension(Timepoint tp)
    {
        var ext = new Extension { Url = FhirCodes.TimepointExtension };
        ext.Extension.Add(new Extension("sessionNumber", new Integer(tp.SessionNumber)));
        if (tp.InfusionId is { } infusion) ext.Extension.Add(new Extension("infusionId", new FhirString(infusion.ToString())));
        if (tp.DaysSinceFirstInfusion is { } days) ext.Extension.Add(new Extension("daysSinceFirstInfusion", new Integer(days)));
        if (tp.HoursSinceLastInfusion is { } hours) ext.Extension.Add(new Extension("hoursSinceLastInfusion", new FhirDecimal(hours)));
        return ext;
    }

    /// <summary>
    /// A C-SSRS risk level's coding (LOINC answers for low, moderate and high; our code system for none) and the concept's
    /// text.
    /// </summary>
    public static (string System, string Code, string Text) RiskCode(RiskLevel risk) => risk switch
    {
        RiskLevel.Low => (Loinc.System, Loinc.RiskLow, "Low"),
        RiskLevel.Moderate => (Loinc.System, Loinc.RiskModerate, "Moderate"),
        RiskLevel.High => (Loinc.System, Loinc.RiskHigh, "High"),
        _ => (FhirCodes.RiskSystem, "none", "No risk identified"),
    };

    public static CodeableConcept RiskCoding(RiskLevel risk)
    {
        var (system, code, text) = RiskCode(risk);
        return new CodeableConcept(system, code, text);
    }

    /// <summary>A prepared (not yet stored) submission as the QuestionnaireResponse it will be read back as once stored.</summary>
    public static QuestionnaireResponse Response(Submissions.PreparedSubmission prepared) => prepared switch
    {
        Submissions.PreparedQuestionnaire q => Response(q.Record),
        Submissions.PreparedCheckin c => Response(c.Record),
        _ => throw new ArgumentException($"Not a submission: {prepared.GetType().Name}.", nameof(prepared)),
    };

    public static QuestionnaireResponse Response(QuestionnaireRecord q)
    {
        var qr = ResponseBase(q.Id, q.PatientId, q.CompletedAt, Loinc.Panel(q.Instrument), Versioned.Of(q));
        var codes = Loinc.Items(q.Instrument);
        for (var i = 0; i < codes.Count; i++)
        {
            var item = new QuestionnaireResponse.ItemComponent { LinkId = "/" + codes[i] };
            if (q.Items[i] is { } v)
            {
                var (code, display) = Loinc.FrequencyCodes[v];
                item.Answer.Add(new QuestionnaireResponse.AnswerComponent { Value = Ordinal(code, display, v) });
            }
            qr.Item.Add(item);
        }
        qr.Item.Add(new QuestionnaireResponse.ItemComponent
        {
            LinkId = "/" + Loinc.Total(q.Instrument),
            Answer = [new QuestionnaireResponse.AnswerComponent { Value = new Integer(q.TotalScore) }],
        });
        if (q.Difficulty is { } d)
        {
            var (code, display) = Loinc.DifficultyCodes[d];
            qr.Item.Add(new QuestionnaireResponse.ItemComponent
            {
                LinkId = "/" + Loinc.Phq9Difficulty,
                Answer = [new QuestionnaireResponse.AnswerComponent { Value = new Coding(Loinc.System, code, display) }],
            });
        }
        return qr;
    }

    public static QuestionnaireResponse Response(CheckinRecord c)
    {
        var qr = ResponseBase(c.Id, c.PatientId, c.CompletedAt, Loinc.CssrsPanel, Versioned.Of(c));
        var a = c.Answers;
        void YesNo(string code, bool? value)
        {
            if (value is null) return;
            qr.Item.Add(new QuestionnaireResponse.ItemComponent
            {
                LinkId = "/" + code,
                Answer = [new QuestionnaireResponse.AnswerComponent { Value = value.Value ? new Coding(Loinc.System, Loinc.Yes, "Yes") : new Coding(Loinc.System, Loinc.No, "No") }],
            });
        }
        YesNo(Loinc.CssrsWishToBeDead, a.WishToBeDead);
        YesNo(Loinc.CssrsSuicidalThoughts, a.SuicidalThoughts);
        YesNo(Loinc.CssrsMethod, a.ThoughtsOfMethod);
        YesNo(Loinc.CssrsIntent, a.Intent);
        YesNo(Loinc.CssrsPlan, a.Plan);
        YesNo(Loinc.CssrsBehavior, a.SuicidalBehavior != SuicidalBehavior.None);
        if (a.SuicidalBehavior != SuicidalBehavior.None) YesNo(Loinc.CssrsBehaviorRecent, a.SuicidalBehavior == SuicidalBehavior.Within3Months);
        qr.Item.Add(new QuestionnaireResponse.ItemComponent
        {
            LinkId = "/" + Loinc.CssrsRisk,
            Answer = [new QuestionnaireResponse.AnswerComponent { Value = RiskCoding(c.RiskLevel).Coding[0] }],
        });
        return qr;
    }

    /// <summary>The stored status as FHIR's: final → completed, amended → amended, entered-in-error → entered-in-error.</summary>
    public static QuestionnaireResponse.QuestionnaireResponseStatus StatusOf(RecordStatus status) => status switch
    {
        RecordStatus.Amended => QuestionnaireResponse.QuestionnaireResponseStatus.Amended,
        RecordStatus.EnteredInError => QuestionnaireResponse.QuestionnaireResponseStatus.EnteredInError,
        _ => QuestionnaireResponse.QuestionnaireResponseStatus.Completed,
    };

    /// <summary>
    /// The stored status as an Observation's: final → final, amended → amended, entered-in-error → entered-in-error
    /// (R4 Observation.status, a modifier element: such an Observation is not to be treated as valid).
    /// </summary>
    public static ObservationStatus ObservationStatusOf(RecordStatus status) => status switch
    {
        RecordStatus.Amended => ObservationStatus.Amended,
        RecordStatus.EnteredInError => ObservationStatus.EnteredInError,
        _ => ObservationStatus.Final,
    };

    private static Meta MetaOf(Versioned record) => new()
    {
        VersionId = record.Version.ToString(CultureInfo.InvariantCulture),
        LastUpdated = record.LastUpdated.ToUniversalTime(),
    };

    private static QuestionnaireResponse ResponseBase(Guid id, Guid patientId, DateTimeOffset completedAt, string panel, Versioned record) => new()
    {
        Id = id.ToString(),
        Meta = MetaOf(record),
        Questionnaire = FhirCodes.QuestionnaireCanonical(panel),
        Status = StatusOf(record.Status),
        Subject = new ResourceReference($"Patient/{patientId}"),
        Authored = new FhirDateTime(completedAt).Value,
    };

    private static Coding Ordinal(string code, string display, int value)
    {
        var coding = new Coding(Loinc.System, code, display);
        coding.Extension.Add(new Extension(FhirCodes.OrdinalValueExtension, new FhirDecimal(value)));
        return coding;
    }

    public static string Instant(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", CultureInfo.InvariantCulture);
}
