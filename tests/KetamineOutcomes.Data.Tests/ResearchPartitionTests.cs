using Dapper;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Patients;
using KetamineOutcomes.Core.Research;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace KetamineOutcomes.Data.Tests;

/// <summary>Research reads split the cohort by patient id into partitions read side by side: together they are the cohort, once.</summary>
public class ResearchPartitionTests
{
    private const int Patients = 1_200; // enough for two partitions (500 patients per part at least)

    private static readonly DateTimeOffset Start = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset At(int patient) => Start.AddDays(patient % 7).AddMinutes(patient);

    private static async Task SeedAsync(IConnectionFactory factory)
    {
        var db = new Database(factory);
        var at = Start;
        await db.WriteAsync(async (c, tx, ct) =>
        {
            for (var n = 0; n < Patients; n++)
            {
                var id = Guid.NewGuid(); // random ids: partitions must follow the store's id order, not insertion order
                await PatientStore.InsertAsync(c, tx, factory, new PatientRecord(id, "north", $"P-{n}", 1980, Sex.Female, [Diagnosis.Trd],
                    ResearchConsent: n % 3 != 0, at, at), ct);
                int?[] items = [1, 1, 1, 1, 1, 1, 1, 1, 0];
                // Each patient's one score is told apart by its minute; every other patient has an infusion.
                await QuestionnaireStore.InsertAsync(c, tx, new QuestionnaireRecord(Guid.NewGuid(), id, Instrument.Phq9, At(n), items, null, null,
                    8, Severity.Mild, false, at), ct);
                if (n % 2 == 0)
                {
                    await InfusionStore.InsertAsync(c, tx, new InfusionRecord(Guid.NewGuid(), id, at.AddDays(-1), AdministrationRoute.Iv, Drug.Ketamine,
                        35, 0.5, 40, null, [], null, at), ct);
                }
            }
            return 0;
        }, CancellationToken.None);
        await db.DisposeAsync();
    }

    private static async Task<List<string>> PseudoIdsAsync(IConnectionFactory factory, ResearchStore.Partition partition)
    {
        var ids = new List<string>();
        var filter = new ResearchFilter(null, null, null, null);
        await foreach (var p in ResearchStore.StreamCohortAsync(factory, Instrument.Phq9, filter, partition, CancellationToken.None))
        {
            Assert.Single(p.Assessments);
            ids.Add(p.PseudoId);
        }
        return ids;
    }

    private static async Task AssertPartitionsCoverTheCohortOnceAsync(IConnectionFactory factory)
    {
        await SeedAsync(factory);
        var whole = await PseudoIdsAsync(factory, ResearchStore.Partition.All);
        Assert.Equal(Patients - (Patients + 2) / 3, whole.Count); // every third patient declined research

        var partitions = await ResearchStore.PartitionsAsync(factory, 4, CancellationToken.None);
        Assert.Equal(2, partitions.Count); // 1,200 patients: two parts of ≥ 500
        var parts = new List<List<string>>();
        foreach (var partition in partitions) parts.Add(await PseudoIdsAsync(factory, partition));

        Assert.All(parts, part => Assert.InRange(part.Count, whole.Count / 4, whole.Count));
        var together = parts.SelectMany(p => p).ToList();
        Assert.Equal(whole.Count, together.Count);
        Assert.Equal(whole.Order(StringComparer.Ordinal), together.Order(StringComparer.Ordinal));
        Assert.Equal([ResearchStore.Partition.All], await ResearchStore.PartitionsAsync(factory, 1, CancellationToken.None));

        // The statistics read, partitioned the same way: each consenting patient once, with its own score and infusions.
        var scored = new List<(long[] InfusionTicks, TimedScore[] Scores)>();
        foreach (var partition in partitions)
        {
            var collector = new CourseCollector();
            await ResearchStore.ReadCohortScoresAsync(factory, Instrument.Phq9, new ResearchFilter(null, null, null, null), partition, collector, CancellationToken.None);
            scored.AddRange(collector.Patients);
        }
        Assert.Equal(whole.Count, scored.Count);
        var patients = Enumerable.Range(0, Patients).Where(n => n % 3 != 0).ToDictionary(n => At(n).UtcTicks);
        Assert.Equal(patients.Keys.Order(), scored.Select(p => Assert.Single(p.Scores).CompletedAtTicks).Order());
        Assert.All(scored, p => Assert.Equal(patients[p.Scores[0].CompletedAtTicks] % 2 == 0 ? 1 : 0, p.InfusionTicks.Length));
    }

    [Fact]
    public async Task Sqlite_partitions_together_are_the_cohort_each_patient_once()
    {
        using var db = new TempDatabase();
        await AssertPartitionsCoverTheCohortOnceAsync(db.Factory);
    }

    [PostgresFact]
    public async Task Postgres_partitions_together_are_the_cohort_each_patient_once()
    {
        var admin = Environment.GetEnvironmentVariable("KO_TEST_POSTGRES")!;
        var name = $"ko_part_{Guid.NewGuid():N}";
        await using (var c = new NpgsqlConnection(admin))
        {
            await c.OpenAsync();
            await c.ExecuteAsync($"CREATE DATABASE {name}");
        }
        try
        {
            await using var factory = new NpgsqlConnectionFactory(new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString);
            MigrationRunner.MigratePostgres(factory, NullLogger.Instance);
            await AssertPartitionsCoverTheCohortOnceAsync(factory);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var c = new NpgsqlConnection(admin);
            await c.OpenAsync();
            await c.ExecuteAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        }
    }
}
