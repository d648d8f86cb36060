using CsCheck;
using KetamineOutcomes.Api.Fhir;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Tests.Fhir;

/// <summary>
/// The created QuestionnaireResponse's direct writer (issue 24) against Firely, the reference: for random PHQ-9 and GAD-7
/// records — any answers unanswered, PHQ-9 with and without difficulty, every status, any version, instants with and
/// without fractions, completion times with any offset — its text equals <see cref="FhirJson.Serialize"/> of
/// <see cref="FhirMapping.Response(QuestionnaireRecord)"/>.
/// </summary>
public class QuestionnaireResponseJsonWriterProperties
{
    private static readonly Gen<DateTimeOffset> Instant = Gen.OneOf(
        Gen.Long[0, 4_000_000_000_000_000L],
        Gen.Long[0, 4_000_000_000L].Select(s => s * 1_000_000)) // whole seconds: no fraction at all
        .Select(DbTime.FromDb);

    // As a sender's authored arrives (FieldRules.Instant keeps its offset): any whole-minute offset FHIR allows.
    private static readonly Gen<DateTimeOffset> Completed = Gen.Select(Instant, Gen.Int[-14 * 60, 14 * 60])
        .Select((at, minutes) => at.ToOffset(TimeSpan.FromMinutes(minutes)));

    private static readonly Gen<QuestionnaireRecord> Record =
        Gen.Select(Gen.Guid, Gen.Guid, Gen.Enum<Instrument>(), Completed, Gen.Int[-1, 3].Array[9], Gen.Int[-1, 3], Gen.Int[0, 27], Gen.Enum<Severity>())
        .SelectMany(t => Gen.Select(Gen.Bool, Instant, Gen.Enum<RecordStatus>(), Gen.Int[1, 1000], Instant).Select((prorated, created, status, version, updated) =>
        {
            var (id, patient, instrument, completed, answers, difficulty, total, severity) = t;
            var items = answers.Take(instrument == Instrument.Phq9 ? 9 : 7).Select(a => a < 0 ? (int?)null : a).ToArray();
            return new QuestionnaireRecord(id, patient, instrument, completed, items, instrument == Instrument.Phq9 && difficulty >= 0 ? difficulty : null,
                "fhir", total, severity, prorated, created, status) { Version = version, LastUpdated = version == 1 ? created : updated };
        }));

    [Fact]
    public void The_direct_text_equals_Firelys_serialisation_of_the_mapped_POCO_for_every_shape()
    {
        Record.Sample(q => Assert.Equal(FhirJson.Serialize(FhirMapping.Response(q)), QuestionnaireResponseJsonWriter.Serialize(q)), iter: 2_000);
    }

    [Fact]
    public void A_PHQ9_with_every_answer_and_difficulty_is_written_in_full_and_as_Firely_writes_it()
    {
        // Pins that the property above really compared answered items, the ordinal extension and the difficulty.
        var q = new QuestionnaireRecord(Guid.NewGuid(), Guid.NewGuid(), Instrument.Phq9, new DateTimeOffset(2026, 3, 2, 9, 30, 0, TimeSpan.FromHours(2)),
            [3, 2, 1, 0, 3, 2, 1, 0, 1], 2, "fhir", 13, Severity.Moderate, false, DbTime.FromDb(1_767_000_000_123_456), RecordStatus.Amended) { Version = 2 };
        var text = QuestionnaireResponseJsonWriter.Serialize(q);
        Assert.Equal(FhirJson.Serialize(FhirMapping.Response(q)), text);
        Assert.Contains("\"valueDecimal\":3", text, StringComparison.Ordinal);
        Assert.Contains("\"linkId\":\"/69722-7\"", text, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"amended\"", text, StringComparison.Ordinal);
        Assert.Contains("\"authored\":\"2026-03-02T09:30:00+02:00\"", text, StringComparison.Ordinal);
    }
}
