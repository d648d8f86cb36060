using System.Data.Common;
using Dapper;
using DbUp;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace KetamineOutcomes.Data.Tests;

/// <summary>
/// Migration 0021 (issue 24) on a database holding Idempotency-Key records from before it: SQLite rebuilds the table in
/// arrival order with a unique (scope, key) index; every record must survive and keep answering as before (replay, body
/// mismatch, one row per key). Real SQLite file, and a fresh PostgreSQL database when KO_TEST_POSTGRES is set.
/// </summary>
public class IdempotencyArrivalOrderMigrationTests
{
    private sealed record Store(Func<Task<DbConnection>> Open, Action Migrate, Action Cleanup) : IDisposable
    {
        public void Dispose() => Cleanup();
    }

    private static bool Before0021(string script, string provider) =>
        script.StartsWith($"migrations.{provider}.", StringComparison.Ordinal) && string.CompareOrdinal(script, $"migrations.{provider}.0021") < 0;

    private static Store SqliteAsOf0020()
    {
        var dir = Directory.CreateTempSubdirectory("ko-data-").FullName;
        var factory = new SqliteConnectionFactory($"Data Source={Path.Combine(dir, "test.db")}");
        var result = DeployChanges.To.SqliteDatabase(factory.ConnectionString)
            .WithScriptsEmbeddedInAssembly(typeof(MigrationRunner).Assembly, n => Before0021(n, "sqlite"))
            .JournalToSqliteTable("schema_versions").WithTransactionPerScript().WithVariablesDisabled().Build().PerformUpgrade();
        Assert.True(result.Successful, result.Error?.Message);
        return new Store(() => factory.OpenAsync(default), () => MigrationRunner.MigrateSqlite(factory, NullLogger.Instance), () =>
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        });
    }

    private static Store PostgresAsOf0020()
    {
        var scratch = new ScratchPostgres();
        var factory = new NpgsqlConnectionFactory(scratch.ConnectionString);
        var result = DeployChanges.To.PostgresqlDatabase(factory.ConnectionString)
            .WithScriptsEmbeddedInAssembly(typeof(MigrationRunner).Assembly, n => Before0021(n, "postgres"))
            .JournalToPostgresqlTable("public", "schema_versions").WithTransactionPerScript().WithVariablesDisabled().Build().PerformUpgrade();
        Assert.True(result.Successful, result.Error?.Message);
        return new Store(() => factory.OpenAsync(default), () => MigrationRunner.MigratePostgres(factory, NullLogger.Instance), () =>
        {
            factory.DisposeAsync().AsTask().GetAwaiter().GetResult();
            scratch.Dispose();
        });
    }

    private static async Task Records_from_before_survive_and_answer_as_before(Store store)
    {
        const string insert = """
            INSERT INTO idempotency_requests (scope, idempotency_key, request_hash, state, response_status, response_location, response_body, created_at, completed_at, response_etag)
            VALUES (@scope, @key, @hash, @state, @status, @location, @body, @created, @completed, @etag)
            """;
        var now = DateTimeOffset.Parse("2026-11-30T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        await using (var c = await store.Open())
        {
            await c.ExecuteAsync(insert, new { scope = "key-a", key = "k1", hash = "H1", state = "completed", status = 201L, location = "/api/v1/patients/p/questionnaires/q1",
                body = """{"id":"q1"}""", created = DbTime.ToDb(now), completed = DbTime.ToDb(now), etag = (string?)null });
            await c.ExecuteAsync(insert, new { scope = "key-a", key = "k2", hash = "H2", state = "completed", status = 200L, location = (string?)null,
                body = """{"id":"q2"}""", created = DbTime.ToDb(now.AddSeconds(1)), completed = DbTime.ToDb(now.AddSeconds(1)), etag = "W/\"2\"" });
            await c.ExecuteAsync(insert, new { scope = "key-b", key = "k1", hash = "H3", state = "in-flight", status = (long?)null, location = (string?)null,
                body = (string?)null, created = DbTime.ToDb(now.AddSeconds(2)), completed = (long?)null, etag = (string?)null });
        }

        store.Migrate();

        await using (var c = await store.Open())
        {
            Assert.Equal(3, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM idempotency_requests"));
            await using var tx = await c.BeginTransactionAsync();
            var replay = await IdempotencyStore.ReserveAsync(c, tx, "key-a", "k1", "H1", now.AddMinutes(1), TimeSpan.FromMinutes(5), default);
            Assert.Equal(ReservationOutcome.Replay, replay.Outcome);
            Assert.Equal(new StoredResponse(201, "/api/v1/patients/p/questionnaires/q1", """{"id":"q1"}"""), replay.Response);
            var correction = await IdempotencyStore.ReserveAsync(c, tx, "key-a", "k2", "H2", now.AddMinutes(1), TimeSpan.FromMinutes(5), default);
            Assert.Equal(new StoredResponse(200, null, """{"id":"q2"}""", "W/\"2\""), correction.Response);
            Assert.Equal(ReservationOutcome.BodyMismatch, (await IdempotencyStore.ReserveAsync(c, tx, "key-a", "k1", "other", now, TimeSpan.FromMinutes(5), default)).Outcome);
            Assert.Equal(ReservationOutcome.InFlight, (await IdempotencyStore.ReserveAsync(c, tx, "key-b", "k1", "H3", now.AddSeconds(3), TimeSpan.FromMinutes(5), default)).Outcome);
            // A fresh key is reserved once; the same key again finds that row (ON CONFLICT on the new unique index).
            Assert.Equal(ReservationOutcome.Reserved, (await IdempotencyStore.ReserveAsync(c, tx, "key-b", "k9", "H9", now, TimeSpan.FromMinutes(5), default)).Outcome);
            Assert.Equal(ReservationOutcome.InFlight, (await IdempotencyStore.ReserveAsync(c, tx, "key-b", "k9", "H9", now, TimeSpan.FromMinutes(5), default)).Outcome);
            Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM idempotency_requests WHERE scope = 'key-b' AND idempotency_key = 'k9'", transaction: tx));
            await tx.RollbackAsync();
        }
    }

    [Fact]
    public async Task Sqlite_migration_0021_keeps_every_idempotency_record_and_stores_them_in_arrival_order_with_a_unique_key_index()
    {
        using var store = SqliteAsOf0020();
        await Records_from_before_survive_and_answer_as_before(store);
        await using var c = await store.Open();
        var table = await c.ExecuteScalarAsync<string>("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'idempotency_requests'");
        Assert.DoesNotContain("WITHOUT ROWID", table, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT \"unique\" FROM pragma_index_list('idempotency_requests') WHERE name = 'ux_idempotency_requests_scope_key'"));
        // Rows follow arrival (rowid) order, so appended rows fill the table's last page.
        Assert.Equal(["k1", "k2", "k1"], await c.QueryAsync<string>("SELECT idempotency_key FROM idempotency_requests ORDER BY rowid"));
        Assert.Equal("ok", await c.ExecuteScalarAsync<string>("PRAGMA integrity_check"));
    }

    [PostgresFact]
    public async Task Postgres_migration_0021_keeps_every_idempotency_record_and_their_primary_key()
    {
        using var store = PostgresAsOf0020();
        await Records_from_before_survive_and_answer_as_before(store);
        await using var c = await store.Open();
        Assert.Equal(["idempotency_key", "scope"], (await c.QueryAsync<string>("""
            SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
            WHERE i.indrelid = 'idempotency_requests'::regclass AND i.indisprimary
            """)).Order());
    }
}
