using System.Buffers;
using System.Globalization;
using System.Text.Json;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Timepoints;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>
/// The Observation searchset written straight to UTF-8 from <see cref="ObservationFacts"/>, with every fixed name and
/// text encoded once (issue 24: building a page's 50 Firely POCOs and serialising them took ~820 of a search's ~2,260 µs
/// in-process). The bytes are those of <see cref="FhirJson.WriteTo"/> of <see cref="FhirSearchset.Create"/> over
/// <see cref="FhirMapping.ToObservation"/> — Firely stays the reference, and ObservationJsonProperties checks every shape
/// against it — so a change to the Observation shape is made in <see cref="FhirMapping"/> and here alike.
/// </summary>
internal static class ObservationJson
{
    /// <summary>A 200 answer of one searchset page, as <see cref="FhirJson.Result"/> of the Firely Bundle would be.</summary>
    public static IResult Searchset(string fhirBase, FhirSearchQuery query, int total, IReadOnlyList<FhirMapping.ObservationEntry> page, FhirCursor? next, int count) =>
        FhirJson.Result(output => WriteSearchset(output, fhirBase, query, total, page.Select(e => e.Facts()), next, count));

    /// <summary>Writes the searchset Bundle of <paramref name="page"/> (see <see cref="FhirSearchset.Create"/>).</summary>
    public static void WriteSearchset(IBufferWriter<byte> output, string fhirBase, FhirSearchQuery query, int total, IEnumerable<ObservationFacts> page, FhirCursor? next, int count)
    {
        using var w = new Utf8JsonWriter(output, FhirJson.WriterOptions);
        w.WriteStartObject();
        w.WriteString(ResourceType, Bundle);
        w.WriteString(Type, SearchsetText);
        w.WriteNumber(Total, total);
        w.WriteStartArray(Link);
        foreach (var (relation, url) in FhirSearchset.Links(fhirBase, "Observation", query, next, count))
        {
            w.WriteStartObject();
            w.WriteString(Relation, relation);
            w.WriteString(Url, url);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        var any = false;
        foreach (var f in page)
        {
            if (!any) w.WriteStartArray(Entry);
            any = true;
            w.WriteStartObject();
            w.WriteString(FullUrl, FhirSearchset.FullUrl(fhirBase, "Observation", f.Id));
            w.WritePropertyName(Resource);
            WriteObservation(w, f);
            w.WriteStartObject(Search);
            w.WriteString(Mode, Match);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        if (any) w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>One Observation, as Firely writes <see cref="FhirMapping.ToObservation"/> of <paramref name="f"/>.</summary>
    public static void WriteObservation(Utf8JsonWriter w, ObservationFacts f)
    {
        Span<char> text = stackalloc char[64];
        w.WriteStartObject();
        w.WriteString(ResourceType, ObservationName);
        w.WriteString(Id, f.Id);
        w.WriteStartObject(Meta);
        w.WriteString(VersionId, text[..Format(f.Version, text)]);
        w.WriteString(LastUpdated, text[..FormatInstant(f.LastUpdated, text)]);
        w.WriteEndObject();
        WriteTimepoint(w, f.Timepoint, text);
        w.WriteString(Status, StatusText[(int)f.Status]);
        w.WriteStartArray(Category);
        WriteConcept(w, SurveySystem, SurveyCode, SurveyText);
        w.WriteEndArray();
        w.WritePropertyName(Code);
        WriteConcept(w, LoincSystem, Encoded(f.Code), Encoded(f.Text));
        w.WriteStartObject(Subject);
        w.WriteString(Reference, text[..Prefixed("Patient/", f.PatientId, text)]);
        w.WriteEndObject();
        w.WriteString(EffectiveDateTime, text[..FormatInstant(f.Effective, text)]);
        if (f.Score is { } score) w.WriteNumber(ValueInteger, score);
        if (f.Risk is { } risk)
        {
            var (system, code, riskText) = FhirMapping.RiskCode(risk);
            w.WritePropertyName(ValueCodeableConcept);
            WriteConcept(w, Encoded(system), Encoded(code), Encoded(riskText));
        }
        if (f.Severity is { } severity)
        {
            var band = SeverityText[(int)severity];
            w.WriteStartArray(Interpretation);
            WriteConcept(w, SeveritySystem, band, band);
            w.WriteEndArray();
        }
        if (f.Prorated)
        {
            w.WriteStartArray(Note);
            w.WriteStartObject();
            w.WriteString(Text, ProratedNote);
            w.WriteEndObject();
            w.WriteEndArray();
        }
        w.WriteStartArray(DerivedFrom);
        w.WriteStartObject();
        w.WriteString(Reference, text[..Prefixed("QuestionnaireResponse/", f.ResponseId, text)]);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteTimepoint(Utf8JsonWriter w, Timepoint tp, Span<char> text)
    {
        w.WriteStartArray(Extension);
        w.WriteStartObject();
        w.WriteStartArray(Extension);
        w.WriteStartObject();
        w.WriteString(Url, SessionNumber);
        w.WriteNumber(ValueInteger, tp.SessionNumber);
        w.WriteEndObject();
        if (tp.InfusionId is { } infusion)
        {
            w.WriteStartObject();
            w.WriteString(Url, InfusionId);
            infusion.TryFormat(text, out var n);
            w.WriteString(ValueString, text[..n]);
            w.WriteEndObject();
        }
        if (tp.DaysSinceFirstInfusion is { } days)
        {
            w.WriteStartObject();
            w.WriteString(Url, DaysSinceFirstInfusion);
            w.WriteNumber(ValueInteger, days);
            w.WriteEndObject();
        }
        if (tp.HoursSinceLastInfusion is { } hours)
        {
            w.WriteStartObject();
            w.WriteString(Url, HoursSinceLastInfusion);
            w.WriteNumber(ValueDecimal, hours);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString(Url, TimepointUrl);
        w.WriteEndObject();
        w.WriteEndArray();
    }

    // As Firely writes new CodeableConcept(system, code, text): one coding without a display, and the text.
    private static void WriteConcept(Utf8JsonWriter w, JsonEncodedText system, JsonEncodedText code, JsonEncodedText text)
    {
        w.WriteStartObject();
        w.WriteStartArray(Coding);
        w.WriteStartObject();
        w.WriteString(System, system);
        w.WriteString(CodeName, code);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString(Text, text);
        w.WriteEndObject();
    }

    private static int Format(int value, Span<char> text) => value.TryFormat(text, out var n, default, CultureInfo.InvariantCulture) ? n : throw new FormatException();

    // As Firely writes a FhirDateTime made from a DateTimeOffset and an instant (meta.lastUpdated): FhirMapping.Instant's format.
    private static int FormatInstant(DateTimeOffset at, Span<char> text) =>
        at.ToUniversalTime().TryFormat(text, out var n, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", CultureInfo.InvariantCulture) ? n : throw new FormatException();

    private static int Prefixed(string prefix, Guid id, Span<char> text)
    {
        prefix.CopyTo(text);
        id.TryFormat(text[prefix.Length..], out var n);
        return prefix.Length + n;
    }

    // Codes, texts and risk codings are a handful of constants (FhirMapping): each encoded once.
    private static JsonEncodedText Encoded(string text) => Known.TryGetValue(text, out var encoded) ? encoded : E(text);

    private static readonly Dictionary<string, JsonEncodedText> Known = new[]
        {
            Loinc.Phq9Total, Loinc.Gad7Total, Loinc.Phq9Item9, Loinc.CssrsRisk,
            FhirMapping.Phq9TotalText, FhirMapping.Gad7TotalText, Core.Safety.TriggeringAnswers.Phq9Item9Question, FhirMapping.RiskText,
        }
        .Concat(Enum.GetValues<Core.Safety.RiskLevel>().Select(FhirMapping.RiskCode).SelectMany(r => new[] { r.System, r.Code, r.Text }))
        .Distinct(StringComparer.Ordinal)
        .ToDictionary(t => t, E, StringComparer.Ordinal);

    private static JsonEncodedText E(string text) => JsonEncodedText.Encode(text, FhirJson.WriterOptions.Encoder);

    private static readonly JsonEncodedText ResourceType = E("resourceType"), Bundle = E("Bundle"), Type = E("type"), SearchsetText = E("searchset"),
        Total = E("total"), Link = E("link"), Relation = E("relation"), Url = E("url"), Entry = E("entry"), FullUrl = E("fullUrl"),
        Resource = E("resource"), Search = E("search"), Mode = E("mode"), Match = E("match"), ObservationName = E("Observation"), Id = E("id"),
        Meta = E("meta"), VersionId = E("versionId"), LastUpdated = E("lastUpdated"), Extension = E("extension"), Status = E("status"),
        Category = E("category"), Code = E("code"), CodeName = E("code"), Subject = E("subject"), Reference = E("reference"),
        EffectiveDateTime = E("effectiveDateTime"), ValueInteger = E("valueInteger"), ValueString = E("valueString"), ValueDecimal = E("valueDecimal"),
        ValueCodeableConcept = E("valueCodeableConcept"), Interpretation = E("interpretation"), Note = E("note"), Text = E("text"),
        DerivedFrom = E("derivedFrom"), Coding = E("coding"), System = E("system"),
        SessionNumber = E("sessionNumber"), InfusionId = E("infusionId"), DaysSinceFirstInfusion = E("daysSinceFirstInfusion"),
        HoursSinceLastInfusion = E("hoursSinceLastInfusion"), TimepointUrl = E(FhirCodes.TimepointExtension),
        SurveySystem = E(FhirMapping.SurveyCategory.System), SurveyCode = E(FhirMapping.SurveyCategory.Code), SurveyText = E(FhirMapping.SurveyCategory.Text),
        LoincSystem = E(Loinc.System), SeveritySystem = E(FhirCodes.SeveritySystem), ProratedNote = E(FhirMapping.ProratedNote);

    // Indexed by the enum's value; the texts are FHIR's (ObservationStatus literals) and our wire names.
    private static readonly JsonEncodedText[] StatusText = Enum.GetValues<RecordStatus>()
        .Select(s => E(Hl7.Fhir.Utility.EnumUtility.GetLiteral(FhirMapping.ObservationStatusOf(s))!)).ToArray();

    private static readonly JsonEncodedText[] SeverityText = Enum.GetValues<Severity>().Select(s => E(WireNames.Of(s))).ToArray();
}
