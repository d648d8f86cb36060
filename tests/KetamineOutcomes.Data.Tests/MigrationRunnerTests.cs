using Dapper;
using KetamineOutcomes.Data.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace KetamineOutcomes.Data.Tests;

public class MigrationRunnerTests
{
    [Fact]
    public void Every_shipped_migration_is_embedded_and_ordered()
    {
        var names = MigrationRunner.ScriptNames("sqlite");
        Assert.NotEmpty(names);
        Assert.Equal("migrations.sqlite.0001_initial.sql", names[0]);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
    }

    [Fact]
    public async Task Running_migrations_twice_is_a_no_op_and_nothing_is_pending()
    {
        using var db = new TempDatabase();
        await using (var c = new SqliteConnection(db.Factory.ConnectionString))
        {
            await c.ExecuteAsync("INSERT INTO patients (id, research_consent, created_at, updated_at) VALUES ('x', 1, 0, 0)");
        }
        MigrationRunner.MigrateSqlite(db.Factory, NullLogger.Instance);
        await using var check = new SqliteConnection(db.Factory.ConnectionString);
        Assert.Equal(MigrationRunner.ScriptNames("sqlite").Count, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_versions"));
        Assert.Equal(1, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM patients"));
        Assert.Empty(await MigrationRunner.PendingAsync(db.Db, CancellationToken.None));
    }

    [Fact]
    public async Task Fresh_file_reports_every_migration_pending()
    {
        var dir = Directory.CreateTempSubdirectory("ko-data-").FullName;
        try
        {
            var factory = new SqliteConnectionFactory($"Data Source={Path.Combine(dir, "empty.db")}");
            var pending = await MigrationRunner.PendingAsync(new Database(factory), CancellationToken.None);
            Assert.Equal(MigrationRunner.ScriptNames("sqlite").Concat(MigrationRunner.CodeStepNames), pending);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task Connections_use_wal_foreign_keys_and_full_synchronous_commits()
    {
        using var db = new TempDatabase();
        await using var c = await db.Factory.OpenAsync(CancellationToken.None);
        Assert.Equal("wal", await c.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("PRAGMA foreign_keys"));
        Assert.Equal(2, await c.ExecuteScalarAsync<long>("PRAGMA synchronous")); // 2 = FULL
    }

    [Fact]
    public async Task Strict_tables_refuse_a_value_of_the_wrong_type()
    {
        using var db = new TempDatabase();
        await using var c = await db.Factory.OpenAsync(CancellationToken.None);
        var e = await Assert.ThrowsAsync<SqliteException>(() => c.ExecuteAsync(
            "INSERT INTO patients (id, research_consent, created_at, updated_at) VALUES ('p', 1, '2026-01-01 00:00:00+00:00', 0)"));
        Assert.Equal(19, e.SqliteErrorCode); // SQLITE_CONSTRAINT (datatype)
    }

    [Fact]
    public async Task Foreign_keys_refuse_a_questionnaire_for_a_missing_patient()
    {
        using var db = new TempDatabase();
        await using var c = await db.Factory.OpenAsync(CancellationToken.None);
        var e = await Assert.ThrowsAsync<SqliteException>(() => c.ExecuteAsync("""
            INSERT INTO questionnaires (id, patient_id, instrument, completed_at, items, total_score, severity, prorated, created_at)
            VALUES ('q', 'nobody', 'phq9', 0, '[]', 0, 'minimal', 0, 0)
            """));
        Assert.Equal(19, e.SqliteErrorCode);
    }
}
