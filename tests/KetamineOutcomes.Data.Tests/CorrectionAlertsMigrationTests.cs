using System.Data.Common;
using Dapper;
using DbUp;
using KetamineOutcomes.Data.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace KetamineOutcomes.Data.Tests;

/// <summary>
/// Migration 0014 (issue 20) on a database holding rows from before it: a patient, a PHQ-9 with its alert, the alert's
/// outbox event and a delivery. The SQLite outbox table is rebuilt under a foreign key from webhook_deliveries; every
/// row must survive, each event gain its patient, and the relaxed rules hold afterwards. Real SQLite file, and a fresh
/// PostgreSQL database when KO_TEST_POSTGRES is set.
/// </summary>
public class CorrectionAlertsMigrationTests
{
    private sealed record Store(Func<Task<DbConnection>> Open, Action Migrate, bool IsSqlite, Action Cleanup) : IDisposable
    {
        public void Dispose() => Cleanup();
    }

    private static bool Before0014(string script, string provider) =>
        script.StartsWith($"migrations.{provider}.", StringComparison.Ordinal) && string.CompareOrdinal(script, $"migrations.{provider}.0014") < 0;

    private static Store SqliteAsOf0013()
    {
        var dir = Directory.CreateTempSubdirectory("ko-data-").FullName;
        var factory = new SqliteConnectionFactory($"Data Source={Path.Combine(dir, "test.db")}");
        var result = DeployChanges.To.SqliteDatabase(factory.ConnectionString)
            .WithScriptsEmbeddedInAssembly(typeof(MigrationRunner).Assembly, n => Before0014(n, "sqlite"))
            .JournalToSqliteTable("schema_versions").WithTransactionPerScript().WithVariablesDisabled().Build().PerformUpgrade();
        Assert.True(result.Successful, result.Error?.Message);
        return new Store(() => factory.OpenAsync(default), () => MigrationRunner.MigrateSqlite(factory, NullLogger.Instance), true, () =>
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        });
    }

    private static Store PostgresAsOf0013()
    {
        var scratch = new ScratchPostgres();
        var factory = new NpgsqlConnectionFactory(scratch.ConnectionString);
        var result = DeployChanges.To.PostgresqlDatabase(factory.ConnectionString)
            .WithScriptsEmbeddedInAssembly(typeof(MigrationRunner).Assembly, n => Before0014(n, "postgres"))
            .JournalToPostgresqlTable("public", "schema_versions").WithTransactionPerScript().WithVariablesDisabled().Build().PerformUpgrade();
        Assert.True(result.Successful, result.Error?.Message);
        return new Store(() => factory.OpenAsync(default), () => MigrationRunner.MigratePostgres(factory, NullLogger.Instance), false, () =>
        {
            factory.DisposeAsync().AsTask().GetAwaiter().GetResult();
            scratch.Dispose();
        });
    }

    private static async Task Rows_from_before_survive_and_events_and_alerts_follow_the_new_rules(Store store)
    {
        var (patient, questionnaire, alert, evt, delivery) = (Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7());
        await using (var c = await store.Open())
        {
            await c.ExecuteAsync("INSERT INTO patients (id, site_id, mrn, research_consent, created_at, updated_at) VALUES (@patient, 'north', 'MRN-1', 1, 7, 7)", new { patient });
            await c.ExecuteAsync("""
                INSERT INTO questionnaires (id, patient_id, instrument, completed_at, items, total_score, severity, prorated, item9, created_at, last_updated)
                VALUES (@questionnaire, @patient, 'phq9', 7, '[1,1,1,1,1,1,1,1,2]', 10, 'moderate', 0, 2, 7, 7)
                """, new { questionnaire, patient });
            await c.ExecuteAsync("""
                INSERT INTO safety_alerts (id, patient_id, level, trigger, questionnaire_id, status, created_at)
                VALUES (@alert, @patient, 2, 'phq9-item9', @questionnaire, 'open', 7)
                """, new { alert, patient, questionnaire });
            await c.ExecuteAsync("INSERT INTO outbox_events (id, type, alert_id, payload, created_at) VALUES (@evt, 'safety-alert.created', @alert, '{\"x\":1}', 7)", new { evt, alert });
            await c.ExecuteAsync("""
                INSERT INTO webhook_deliveries (id, event_id, endpoint_name, status, attempts, next_attempt_at, created_at, updated_at)
                VALUES (@delivery, @evt, 'ehr-inbox', 'pending', 1, 7, 7, 7)
                """, new { delivery, evt });
        }

        store.Migrate();

        await using var m = await store.Open();
        Assert.Equal((patient, "safety-alert.created", "{\"x\":1}"),
            await m.QuerySingleAsync<(Guid, string, string)>("SELECT patient_id, type, payload FROM outbox_events WHERE id = @evt", new { evt }));
        Assert.Equal(evt, await m.QuerySingleAsync<Guid>("SELECT event_id FROM webhook_deliveries WHERE id = @delivery", new { delivery }));
        Assert.Equal(1, await m.QuerySingleAsync<long>("SELECT source_version FROM safety_alerts WHERE id = @alert", new { alert }));
        if (store.IsSqlite)
        {
            Assert.Empty(await m.QueryAsync("PRAGMA foreign_key_check"));
            Assert.Equal(0, await m.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM sqlite_master WHERE name = 'outbox_events_before_0014'"));
        }

        // An assessment event has no alert; an alert event must have one.
        await m.ExecuteAsync("INSERT INTO outbox_events (id, type, alert_id, patient_id, payload, created_at) VALUES (@id, 'assessment.amended', NULL, @patient, '{}', 8)",
            new { id = Guid.CreateVersion7(), patient });
        await Assert.ThrowsAnyAsync<DbException>(() => m.ExecuteAsync(
            "INSERT INTO outbox_events (id, type, alert_id, patient_id, payload, created_at) VALUES (@id, 'safety-alert.created', NULL, @patient, '{}', 8)",
            new { id = Guid.CreateVersion7(), patient }));
        // The deliveries still reference events: one of a missing event is refused.
        await Assert.ThrowsAnyAsync<DbException>(() => m.ExecuteAsync("""
            INSERT INTO webhook_deliveries (id, event_id, endpoint_name, status, attempts, next_attempt_at, created_at, updated_at)
            VALUES (@id, @missing, 'ehr-inbox', 'pending', 0, 7, 7, 7)
            """, new { id = Guid.CreateVersion7(), missing = Guid.CreateVersion7() }));
        // A second alert of the same record at another level is allowed, and (0018) at the same level by another version;
        // at the same level by the same version it is not.
        await m.ExecuteAsync("""
            INSERT INTO safety_alerts (id, patient_id, level, trigger, questionnaire_id, status, created_at, source_version)
            VALUES (@id, @patient, 3, 'phq9-item9', @questionnaire, 'open', 8, 2)
            """, new { id = Guid.CreateVersion7(), patient, questionnaire });
        await m.ExecuteAsync("""
            INSERT INTO safety_alerts (id, patient_id, level, trigger, questionnaire_id, status, created_at, source_version)
            VALUES (@id, @patient, 3, 'phq9-item9', @questionnaire, 'open', 9, 4)
            """, new { id = Guid.CreateVersion7(), patient, questionnaire });
        await Assert.ThrowsAnyAsync<DbException>(() => m.ExecuteAsync("""
            INSERT INTO safety_alerts (id, patient_id, level, trigger, questionnaire_id, status, created_at, source_version)
            VALUES (@id, @patient, 3, 'phq9-item9', @questionnaire, 'open', 9, 2)
            """, new { id = Guid.CreateVersion7(), patient, questionnaire }));
        Assert.Equal(0, await m.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM idempotency_requests WHERE response_etag IS NOT NULL"));
    }

    [Fact]
    public async Task Sqlite_migration_0014_keeps_every_event_and_delivery_and_relaxes_the_outbox_and_alert_rules()
    {
        using var store = SqliteAsOf0013();
        await Rows_from_before_survive_and_events_and_alerts_follow_the_new_rules(store);
    }

    [PostgresFact]
    public async Task Postgres_migration_0014_keeps_every_event_and_delivery_and_relaxes_the_outbox_and_alert_rules()
    {
        using var store = PostgresAsOf0013();
        await Rows_from_before_survive_and_events_and_alerts_follow_the_new_rules(store);
    }
}
