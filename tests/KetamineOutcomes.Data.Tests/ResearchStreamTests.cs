using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Patients;
using KetamineOutcomes.Core.Research;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Data.Tests;

/// <summary>
/// The research stream reads SQLite rows straight from the statement and shares one string between equal texts of
/// consecutive rows: what it yields must still be exactly what was written, when values repeat and when they change.
/// </summary>
public class ResearchStreamTests
{
    private static readonly DateTimeOffset At = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    // Values chosen so consecutive rows repeat, change to a longer or shorter text, share a prefix, or are null.
    private static readonly Sex?[] Sexes = [Sex.Female, Sex.Female, null, Sex.Male, Sex.Other, null];
    private static readonly AdministrationRoute[] Routes =
        [AdministrationRoute.Iv, AdministrationRoute.Iv, AdministrationRoute.Im, AdministrationRoute.Intranasal, AdministrationRoute.Iv];
    private static readonly Drug[] Drugs = [Drug.Ketamine, Drug.Esketamine, Drug.Esketamine, Drug.Ketamine];
    private static readonly Diagnosis[][] DiagnosisSets =
        [[Diagnosis.Trd], [Diagnosis.Trd, Diagnosis.Ptsd], [Diagnosis.Mdd], [Diagnosis.BipolarDepression, Diagnosis.ChronicPain, Diagnosis.Ocd]];

    private sealed record Written(Guid Id, Sex? Sex, int? BirthYear, Diagnosis[] Diagnoses, InfusionRecord[] Infusions, QuestionnaireRecord[] Assessments);

    private static async Task<List<Written>> SeedAsync(IConnectionFactory factory)
    {
        var written = new List<Written>();
        for (var n = 0; n < 12; n++)
        {
            var id = Guid.NewGuid();
            var infusions = Enumerable.Range(0, n % 4).Select(k => new InfusionRecord(Guid.NewGuid(), id, At.AddDays(7 * k).AddMinutes(n),
                Routes[(n + k) % Routes.Length], Drugs[(n * 3 + k) % Drugs.Length], 35, 0.5, 40, null, [], null, At)).ToArray();
            var assessments = Enumerable.Range(0, n % 5).Select(k =>
            {
                int?[] items = [k % 4, 3, n % 4, null, 1, 2, 0, 1, k % 2];
                return new QuestionnaireRecord(Guid.NewGuid(), id, Instrument.Phq9, At.AddDays(3 * k - 2).AddSeconds(n), items, null, null,
                    items.Sum(i => i ?? 0), Severity.Mild, Prorated: k % 2 == 1, At);
            }).ToArray();
            written.Add(new Written(id, Sexes[n % Sexes.Length], n % 5 == 0 ? null : 1960 + n, DiagnosisSets[n % DiagnosisSets.Length], infusions, assessments));
        }
        await using var db = new Database(factory);
        await db.WriteAsync(async (c, tx, ct) =>
        {
            foreach (var w in written)
            {
                await PatientStore.InsertAsync(c, tx, factory, new PatientRecord(w.Id, "north", $"M-{w.Id:N}", w.BirthYear, w.Sex, w.Diagnoses, true, At, At), ct);
                foreach (var i in w.Infusions) await InfusionStore.InsertAsync(c, tx, i, ct);
                foreach (var q in w.Assessments) await QuestionnaireStore.InsertAsync(c, tx, q, ct);
            }
            return 0;
        }, CancellationToken.None);
        return written;
    }

    [Fact]
    public async Task Every_streamed_field_is_what_was_written_when_values_repeat_change_or_are_null()
    {
        using var temp = new TempDatabase();
        var written = (await SeedAsync(temp.Factory)).OrderBy(w => w.Id.ToString("D").ToUpperInvariant(), StringComparer.Ordinal).ToList();

        var streamed = new List<ResearchCohortPatient>();
        await foreach (var p in ResearchStore.StreamCohortAsync(temp.Factory, Instrument.Phq9, new ResearchFilter(null, null, null, null), CancellationToken.None))
            streamed.Add(p);

        Assert.Equal(written.Count, streamed.Count);
        Assert.Equal(written.Count, streamed.Select(p => p.PseudoId).Distinct().Count());
        foreach (var (w, p) in written.Zip(streamed))
        {
            Assert.Equal(w.Sex, p.Sex);
            Assert.Equal(w.BirthYear, p.BirthYear);
            Assert.Equal(w.Diagnoses.Order(), p.Diagnoses);
            Assert.Equal(w.Infusions.Select(i => (i.Id, i.AdministeredAt, i.Route, i.Drug)), p.Infusions.Select(i => (i.Id, i.AdministeredAt, i.Route, i.Drug)));
            Assert.Equal(w.Assessments.Select(a => (a.CompletedAt, a.TotalScore, a.Prorated, string.Join(",", a.Items))),
                p.Assessments.Select(a => (a.CompletedAt, a.TotalScore, a.Prorated, string.Join(",", a.Items))));
        }
    }

    public static TheoryData<string?, Diagnosis?, AdministrationRoute?, Drug?> Filters => new()
    {
        { null, null, null, null },
        { "north", Diagnosis.Trd, null, null },
        { null, null, AdministrationRoute.Im, null },
        { null, Diagnosis.Mdd, null, Drug.Esketamine },
        { "south", null, null, null },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task The_statistics_read_hands_over_each_scored_patient_the_infusions_and_scores_the_full_stream_has(
        string? site, Diagnosis? diagnosis, AdministrationRoute? route, Drug? drug)
    {
        using var temp = new TempDatabase();
        var written = await SeedAsync(temp.Factory);
        // A patient who declined research, with infusions and scores: in neither read.
        var declined = written[7] with { Id = Guid.NewGuid() };
        await using (var db = new Database(temp.Factory))
        {
            await db.WriteAsync(async (c, tx, ct) =>
            {
                await PatientStore.InsertAsync(c, tx, temp.Factory, new PatientRecord(declined.Id, "north", "M-declined", null, null, [Diagnosis.Trd], false, At, At), ct);
                foreach (var i in declined.Infusions) await InfusionStore.InsertAsync(c, tx, i with { Id = Guid.NewGuid(), PatientId = declined.Id }, ct);
                foreach (var q in declined.Assessments) await QuestionnaireStore.InsertAsync(c, tx, q with { Id = Guid.NewGuid(), PatientId = declined.Id }, ct);
                return 0;
            }, CancellationToken.None);
        }
        var filter = new ResearchFilter(site, diagnosis, route, drug);

        var expected = new List<(long[], TimedScore[])>();
        await foreach (var p in ResearchStore.StreamCohortAsync(temp.Factory, Instrument.Phq9, filter, CancellationToken.None))
        {
            if (p.Assessments.Count == 0) continue; // nothing to add to any statistic
            expected.Add((p.Infusions.Select(i => i.AdministeredAt.UtcTicks).ToArray(),
                p.Assessments.Select(a => new TimedScore(a.CompletedAt.UtcTicks, a.TotalScore)).ToArray()));
        }
        var collector = new CourseCollector();
        await ResearchStore.ReadCohortScoresAsync(temp.Factory, Instrument.Phq9, filter, ResearchStore.Partition.All, collector, CancellationToken.None);

        Assert.Equal(expected.Count, collector.Patients.Count);
        foreach (var ((infusions, scores), actual) in expected.Zip(collector.Patients))
        {
            Assert.Equal(infusions, actual.InfusionTicks);
            Assert.Equal(scores, actual.Scores);
        }
        if (site is null && diagnosis is null && route is null && drug is null)
            Assert.Equal(written.Count(w => w.Assessments.Length > 0), collector.Patients.Count);
    }
}
