#nullable disable warnings // Firely POCOs are loosely annotated.
using CsCheck;
using Hl7.Fhir.Model;
using KetamineOutcomes.Api.Fhir;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Safety;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;
using Microsoft.AspNetCore.Http;

namespace KetamineOutcomes.Api.Tests.Fhir;

/// <summary>
/// The Observation searchset's direct writer (issue 24) against Firely, the reference: for random summaries — PHQ-9 and
/// GAD-7 totals (each severity, prorated or not), item 9 (0–3), each C-SSRS risk level including none, every status,
/// any version, instants with and without fractions, every timepoint variant (infusion id, days and hours present or
/// absent, hours with and without a decimal), with or without a next link, empty pages — its bytes equal
/// <see cref="FhirJson.WriteTo"/> of <see cref="FhirSearchset.Create"/> over <see cref="FhirMapping.ToObservation"/>.
/// </summary>
public class ObservationJsonProperties
{
    private static readonly Gen<DateTimeOffset> Instant = Gen.OneOf(
        Gen.Long[0, 4_000_000_000_000_000L],
        Gen.Long[0, 4_000_000_000L].Select(s => s * 1_000_000)) // whole seconds: no fraction at all
        .Select(DbTime.FromDb);

    private static readonly Gen<Timepoint> AnyTimepoint = Gen.Select(Gen.Int[0, 60], Gen.Bool, Gen.Guid, Gen.Int[-1, 3000], Gen.Int[-1, 200_000], Gen.Int[0, 1])
        .Select((session, hasInfusion, infusion, days, hours, scale) => new Timepoint(
            session, hasInfusion ? infusion : null, days < 0 ? null : days, hours < 0 ? null : new decimal(hours, 0, 0, false, (byte)scale)));

    private static readonly Gen<RecordStatus> Status = Gen.Enum<RecordStatus>();

    private static readonly Gen<QuestionnaireSummary> Questionnaire =
        Gen.Select(Gen.Guid, Gen.Enum<Instrument>(), Instant, Gen.Int[0, 27], Gen.Enum<Severity>(), Gen.Bool, Gen.Int[-1, 3], Status)
        .SelectMany(t => Gen.Select(Gen.Int[1, 1000], Instant).Select((version, updated) => new QuestionnaireSummary(
            t.Item1, Patient, t.Item2, t.Item3, t.Item4, t.Item5, t.Item6, t.Item2 == Instrument.Phq9 && t.Item7 >= 0 ? t.Item7 : null, t.Item8, version, updated)));

    private static readonly Gen<CheckinSummary> Checkin = Gen.Select(Gen.Guid, Instant, Gen.Enum<RiskLevel>(), Status, Gen.Int[1, 1000], Instant)
        .Select((id, at, risk, status, version, updated) => new CheckinSummary(id, Patient, at, risk, status, version, updated));

    private static readonly Guid Patient = Guid.Parse("0b6a9a52-54c5-4f3e-9a35-4d2f0c6f1e11");

    /// <summary>One record's Observations (as the search maps them), each with a timepoint of its own.</summary>
    private static readonly Gen<ObservationFacts[]> RecordFacts = Gen.OneOf(
            Questionnaire.Select(q => FhirMapping.Observations(q, Empty).ToArray()),
            Checkin.Select(c => new[] { FhirMapping.RiskObservation(c, Empty) }))
        .SelectMany(entries => AnyTimepoint.Array[entries.Length].Select(tps => entries.Select((e, i) => e.Facts() with { Timepoint = tps[i] }).ToArray()));

    private static readonly InfusionTimeline Empty = new([]);

    private static readonly string[] Queries =
    [
        "?patient=Patient/{p}",
        "?patient={p}&_count=50",
        "?patient={p}&code=http://loinc.org|44261-6,44260-8&_sort=-date&date=ge2026-01-01T00:00:00+01:00&_lastUpdated=gt2025-12-31",
        "?patient={p}&category=survey&_count=0",
    ];

    [Fact]
    public void Searchset_bytes_equal_Firelys_serialisation_of_the_POCOs_for_every_shape()
    {
        Gen.Select(RecordFacts.Array[0, 8], Gen.Int[0, 100_000], Gen.Bool, Gen.Bool, Instant, Gen.Int[0, 500], Gen.Int[0, Queries.Length - 1], Gen.Bool)
            .Sample((records, total, hasNext, descending, cursorAt, count, queryIndex, otherBase) =>
            {
                var facts = records.SelectMany(r => r).ToList();
                var fhirBase = otherBase ? "http://127.0.0.1:5080/fhir/r4" : "https://clinic.example/fhir/r4";
                var query = Query(Queries[queryIndex].Replace("{p}", Patient.ToString()));
                var next = hasNext ? new FhirCursor(descending, cursorAt, facts.Count > 0 ? facts[^1].Id : "x-total") : null;

                var reference = new PooledBufferWriter();
                FhirJson.WriteTo(reference, FhirSearchset.Create(fhirBase, "Observation", query, total, facts.Select(f => (Resource)FhirMapping.ToObservation(f)), next, count));
                var direct = new PooledBufferWriter();
                ObservationJson.WriteSearchset(direct, fhirBase, query, total, facts, next, count);
                try
                {
                    Assert.Equal(System.Text.Encoding.UTF8.GetString(reference.WrittenMemory.Span), System.Text.Encoding.UTF8.GetString(direct.WrittenMemory.Span));
                    Assert.True(reference.WrittenMemory.Span.SequenceEqual(direct.WrittenMemory.Span));
                }
                finally
                {
                    reference.Dispose();
                    direct.Dispose();
                }
            }, iter: 2_000);
    }

    [Fact]
    public void The_prorated_note_and_item9_question_are_escaped_as_Firely_escapes_them()
    {
        // "×" in the note is not ASCII: both writers must escape it alike (the property above covers it; this pins that
        // a page holding it really was compared).
        var q = new QuestionnaireSummary(Guid.NewGuid(), Patient, Instrument.Phq9, DbTime.FromDb(1_767_000_000_123_456), 12, Severity.Moderate, true, 2,
            RecordStatus.Amended, 3, DbTime.FromDb(1_768_000_000_000_000));
        var facts = FhirMapping.Observations(q, Empty).Select(e => e.Facts()).ToList();
        Assert.Equal(2, facts.Count);
        var query = Query($"?patient={Patient}");
        using var reference = new PooledBufferWriter();
        FhirJson.WriteTo(reference, FhirSearchset.Create("https://clinic.example/fhir/r4", "Observation", query, 2, facts.Select(f => (Resource)FhirMapping.ToObservation(f)), null, 50));
        using var direct = new PooledBufferWriter();
        ObservationJson.WriteSearchset(direct, "https://clinic.example/fhir/r4", query, 2, facts, null, 50);
        var text = System.Text.Encoding.UTF8.GetString(direct.WrittenMemory.Span);
        Assert.Contains("\"note\":[{\"text\":\"Prorated:", text, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"amended\"", text, StringComparison.Ordinal);
        Assert.Contains("\"versionId\":\"3\"", text, StringComparison.Ordinal);
        Assert.True(reference.WrittenMemory.Span.SequenceEqual(direct.WrittenMemory.Span));
    }

    private static FhirSearchQuery Query(string queryString)
    {
        var http = new DefaultHttpContext();
        http.Request.QueryString = new QueryString(queryString);
        var query = FhirSearchQuery.Read(http.Request, "Observation", FhirEndpoints.ObservationParameters);
        foreach (var name in FhirEndpoints.ObservationParameters) query.All(name); // as the endpoint reads them: each applied
        return query;
    }
}
