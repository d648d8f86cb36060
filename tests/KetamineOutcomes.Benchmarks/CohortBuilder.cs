using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Patients;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;
using Microsoft.Extensions.Logging.Abstractions;

namespace KetamineOutcomes.Benchmarks;

/// <summary>
/// Bulk-loads a deterministic synthetic cohort (fixed seed) through the real migrations and stores, in large
/// transactions: ~6 infusions and ~30 PHQ-9/GAD-7 assessments per patient; patient 0 has 100 assessments
/// (the trend patient; submissions under load go to patients 1–1,000 so it stays at 100).
/// </summary>
internal static class CohortBuilder
{
    public sealed record Cohort(Guid HundredAssessmentPatient, IReadOnlyList<Guid> SubmissionPatients, int Patients, int Infusions, int Assessments);

    /// <param name="sites">Patients are spread over site-1 … site-<paramref name="sites"/> in turn (1: one site holds them all).</param>
    /// <param name="setbacks">
    /// Every fifth patient's last six assessments climb back to about 80 % of baseline: with the cohort's responders and
    /// remitters that puts about a tenth of the site on the response watch (losses of response and relapses) beside those
    /// the score noise puts there. The random stream is the same either way, so the rest of the cohort is unchanged.
    /// </param>
    public static async Task<Cohort> BuildAsync(string dbPath, int patients, int seed = 20261123, int sites = 3, bool setbacks = false)
    {
        var factory = new SqliteConnectionFactory($"Data Source={dbPath}");
        MigrationRunner.MigrateSqlite(factory, NullLogger.Instance);
        var db = new Database(factory);
        var rng = new Random(seed);
        var start = new DateTimeOffset(2025, 1, 6, 9, 0, 0, TimeSpan.Zero);
        Guid first = default;
        var submissionPatients = new List<Guid>();
        int infusionCount = 0, assessmentCount = 0;
        const int batch = 500;
        for (var offset = 0; offset < patients; offset += batch)
        {
            var (i, a, f) = await db.WriteAsync(async (c, tx, ct) =>
            {
                int inf = 0, asm = 0;
                Guid firstId = default;
                for (var n = offset; n < Math.Min(patients, offset + batch); n++)
                {
                    var id = Guid.CreateVersion7();
                    if (n == 0) firstId = id;
                    else if (n <= 1000) submissionPatients.Add(id);
                    var course = start.AddDays(rng.Next(0, 600)).AddHours(rng.Next(0, 8));
                    var diagnoses = new[] { Diagnosis.Trd }.Concat(rng.Next(3) == 0 ? [(Diagnosis)rng.Next(1, 7)] : []).Distinct().ToArray();
                    await PatientStore.InsertAsync(c, tx, factory, new PatientRecord(id, $"site-{n % sites + 1}", $"BENCH-{n:D6}", 1940 + rng.Next(0, 65),
                        (Sex)rng.Next(0, 4), diagnoses, rng.Next(10) != 0, course, course), ct);
                    var esketamine = rng.Next(5) == 0;
                    var sessions = 4 + rng.Next(0, 5); // 4–8 infusions, mean 6
                    for (var s = 0; s < sessions; s++)
                    {
                        await InfusionStore.InsertAsync(c, tx, new InfusionRecord(Guid.CreateVersion7(), id, course.AddDays(s * 2.5),
                            esketamine ? AdministrationRoute.Intranasal : AdministrationRoute.Iv, esketamine ? Drug.Esketamine : Drug.Ketamine,
                            esketamine ? 56 : 35, esketamine ? null : 0.5, 40, null, [], null, course), ct);
                        inf++;
                    }
                    var count = n == 0 ? 100 : 20 + rng.Next(0, 21); // mean 30
                    var baseline = 10 + rng.Next(0, 15);
                    var response = rng.NextDouble();
                    var setbackFrom = setbacks && n % 5 == 1 ? count - 6 : int.MaxValue;
                    for (var q = 0; q < count; q++)
                    {
                        var at = course.AddDays(-2 + q * 1.7);
                        var instrument = q % 5 == 4 ? Instrument.Gad7 : Instrument.Phq9;
                        var def = InstrumentDefinition.For(instrument);
                        var share = q >= setbackFrom ? 0.8 : 1 - response * Math.Min(1, q / 8.0);
                        var target = Math.Clamp((int)Math.Round(baseline * share) + rng.Next(-2, 3), 0, def.MaxTotal);
                        var items = Spread(target, def.ItemCount, rng);
                        var score = QuestionnaireScoring.Score(instrument, items);
                        await QuestionnaireStore.InsertAsync(c, tx, new QuestionnaireRecord(Guid.CreateVersion7(), id, instrument, at, items, null, "bench",
                            score.Total, score.Severity, score.Prorated, course), ct);
                        asm++;
                    }
                }
                return (inf, asm, firstId);
            }, CancellationToken.None);
            infusionCount += i;
            assessmentCount += a;
            if (offset == 0) first = f;
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        return new Cohort(first, submissionPatients, patients, infusionCount, assessmentCount);
    }

    // Answers summing to the target, item 9 kept at 0 so the load raises no alerts.
    private static int?[] Spread(int total, int count, Random rng)
    {
        var items = new int?[count];
        for (var i = 0; i < count; i++) items[i] = 0;
        var slots = count == 9 ? 8 : count;
        for (var left = Math.Min(total, slots * 3); left > 0;)
        {
            var i = rng.Next(slots);
            if (items[i] < 3) { items[i]++; left--; }
        }
        return items;
    }
}
