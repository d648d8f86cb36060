using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Hl7.Fhir.Serialization;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>
/// A PHQ-9 or GAD-7 record as FHIR JSON written straight to UTF-8, the 201 body of a FHIR create (issue 24: Firely's
/// serialisation of the mapped POCO was ~5 % of a create's CPU, the largest FHIR-only cost after the strict parse). The
/// bytes are those of <see cref="FhirJson.Serialize"/> of <see cref="FhirMapping.Response(QuestionnaireRecord)"/> — Firely
/// stays the reference, and QuestionnaireResponseJsonWriterProperties checks every shape against it — so a change to the
/// shape is made in <see cref="FhirMapping"/> and here alike. Check-ins and multi-instrument Bundles keep Firely's writer.
/// </summary>
internal static class QuestionnaireResponseJsonWriter
{
    /// <summary>The record as FHIR JSON (UTF-16, as the idempotency store keeps answers).</summary>
    public static string Serialize(QuestionnaireRecord q)
    {
        using var buffer = new PooledBufferWriter(4 * 1024);
        Write(buffer, q);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenMemory.Span);
    }

    /// <summary>Writes <paramref name="q"/> as Firely writes <see cref="FhirMapping.Response(QuestionnaireRecord)"/> of it.</summary>
    public static void Write(IBufferWriter<byte> output, QuestionnaireRecord q)
    {
        Span<char> text = stackalloc char[64];
        using var w = new Utf8JsonWriter(output, FhirJson.WriterOptions);
        w.WriteStartObject();
        w.WriteString(ResourceType, QuestionnaireResponseName);
        w.WriteString(Id, text[..Format(q.Id, text)]);
        w.WriteStartObject(Meta);
        w.WriteString(VersionId, text[..Format(q.Version, text)]);
        w.WriteString(LastUpdated, FhirMapping.Instant(q.LastUpdated));
        w.WriteEndObject();
        w.WriteString(Questionnaire, q.Instrument == Instrument.Phq9 ? Phq9Canonical : Gad7Canonical);
        w.WriteString(Status, StatusText[(int)q.Status]);
        w.WriteStartObject(Subject);
        "Patient/".CopyTo(text);
        w.WriteString(Reference, text[..("Patient/".Length + Format(q.PatientId, text["Patient/".Length..]))]);
        w.WriteEndObject();
        // As FhirMapping sets it: Firely's own text of a FhirDateTime made from the DateTimeOffset, offset as given.
        w.WriteString(Authored, PrimitiveTypeConverter.ConvertTo<string>(q.CompletedAt));
        w.WriteStartArray(Item);
        var links = q.Instrument == Instrument.Phq9 ? Phq9Links : Gad7Links;
        for (var i = 0; i < links.Length; i++)
        {
            w.WriteStartObject();
            w.WriteString(LinkId, links[i]);
            if (q.Items[i] is { } v)
            {
                w.WriteStartArray(Answer);
                w.WriteStartObject();
                w.WriteStartObject(ValueCoding);
                w.WriteStartArray(Extension);
                w.WriteStartObject();
                w.WriteString(Url, OrdinalUrl);
                w.WriteNumber(ValueDecimal, (decimal)v);
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteString(SystemName, LoincSystem);
                w.WriteString(Code, Frequency[v].Code);
                w.WriteString(Display, Frequency[v].Display);
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        w.WriteStartObject();
        w.WriteString(LinkId, q.Instrument == Instrument.Phq9 ? Phq9TotalLink : Gad7TotalLink);
        w.WriteStartArray(Answer);
        w.WriteStartObject();
        w.WriteNumber(ValueInteger, q.TotalScore);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        if (q.Difficulty is { } d)
        {
            w.WriteStartObject();
            w.WriteString(LinkId, DifficultyLink);
            w.WriteStartArray(Answer);
            w.WriteStartObject();
            w.WriteStartObject(ValueCoding);
            w.WriteString(SystemName, LoincSystem);
            w.WriteString(Code, Difficulty[d].Code);
            w.WriteString(Display, Difficulty[d].Display);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static int Format(int value, Span<char> text) => value.TryFormat(text, out var n, default, CultureInfo.InvariantCulture) ? n : throw new FormatException();

    private static int Format(Guid value, Span<char> text) => value.TryFormat(text, out var n) ? n : throw new FormatException();

    private static JsonEncodedText E(string text) => JsonEncodedText.Encode(text, FhirJson.WriterOptions.Encoder);

    private static readonly JsonEncodedText ResourceType = E("resourceType"), QuestionnaireResponseName = E("QuestionnaireResponse"), Id = E("id"),
        Meta = E("meta"), VersionId = E("versionId"), LastUpdated = E("lastUpdated"), Questionnaire = E("questionnaire"), Status = E("status"),
        Subject = E("subject"), Reference = E("reference"), Authored = E("authored"), Item = E("item"), LinkId = E("linkId"), Answer = E("answer"),
        ValueCoding = E("valueCoding"), Extension = E("extension"), Url = E("url"), ValueDecimal = E("valueDecimal"), ValueInteger = E("valueInteger"),
        SystemName = E("system"), Code = E("code"), Display = E("display"),
        LoincSystem = E(Loinc.System), OrdinalUrl = E(FhirCodes.OrdinalValueExtension),
        Phq9Canonical = E(FhirCodes.QuestionnaireCanonical(Loinc.Phq9Panel)), Gad7Canonical = E(FhirCodes.QuestionnaireCanonical(Loinc.Gad7Panel)),
        Phq9TotalLink = E("/" + Loinc.Phq9Total), Gad7TotalLink = E("/" + Loinc.Gad7Total), DifficultyLink = E("/" + Loinc.Phq9Difficulty);

    private static readonly JsonEncodedText[] Phq9Links = Loinc.Phq9Items.Select(c => E("/" + c)).ToArray(), Gad7Links = Loinc.Gad7Items.Select(c => E("/" + c)).ToArray();

    private static readonly (JsonEncodedText Code, JsonEncodedText Display)[] Frequency = Loinc.FrequencyCodes.Select(c => (E(c.Code), E(c.Display))).ToArray(),
        Difficulty = Loinc.DifficultyCodes.Select(c => (E(c.Code), E(c.Display))).ToArray();

    // Indexed by the enum's value: FHIR's QuestionnaireResponse.status literals (FhirMapping.StatusOf).
    private static readonly JsonEncodedText[] StatusText = Enum.GetValues<RecordStatus>()
        .Select(s => E(Hl7.Fhir.Utility.EnumUtility.GetLiteral(FhirMapping.StatusOf(s))!)).ToArray();
}
