using Dapper;
using KetamineOutcomes.Data.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace KetamineOutcomes.Data.Tests;

/// <summary>Runs when KO_TEST_POSTGRES names a server (CI sets it); without it the test is reported skipped, never silently passed.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("KO_TEST_POSTGRES")))
            Skip = SkipReason;
    }

    /// <summary>Why, and how to run it: printed by <c>dotnet test</c> (VSTestVerbosity in tests/Directory.Build.props).</summary>
    public const string SkipReason = "KO_TEST_POSTGRES is not set. To run: KO_TEST_POSTGRES=\"Host=127.0.0.1;Port=5433;Username=postgres;Database=postgres\" dotnet test " +
        "(a PostgreSQL server where tests may create databases; .ci/run starts one and sets it).";
}

public class PostgresTests
{
    private static (string Admin, string Database, string ConnectionString) NewDatabase()
    {
        var admin = Environment.GetEnvironmentVariable("KO_TEST_POSTGRES")!;
        var name = $"ko_data_{Guid.NewGuid():N}";
        using var c = new NpgsqlConnection(admin);
        c.Open();
        c.Execute($"CREATE DATABASE {name}");
        return (admin, name, new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString);
    }

    private static void Drop(string admin, string name)
    {
        NpgsqlConnection.ClearAllPools();
        using var c = new NpgsqlConnection(admin);
        c.Open();
        c.Execute($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    }

    [PostgresFact]
    public async Task Instances_starting_together_migrate_once_under_the_advisory_lock()
    {
        var (admin, name, cs) = NewDatabase();
        try
        {
            var factories = Enumerable.Range(0, 4).Select(_ => new NpgsqlConnectionFactory(cs)).ToArray();
            await Task.WhenAll(factories.Select(f => Task.Run(() => MigrationRunner.MigratePostgres(f, NullLogger.Instance))));
            await using var c = await factories[0].OpenAsync(default);
            Assert.Equal(MigrationRunner.ScriptNames("postgres").Count, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_versions"));
            Assert.Empty(await MigrationRunner.PendingAsync(new Database(factories[0]), default));
            foreach (var f in factories) await f.DisposeAsync();
        }
        finally
        {
            Drop(admin, name);
        }
    }

    [PostgresFact]
    public async Task A_write_waiting_on_a_table_lock_gives_up_at_the_write_timeout_with_nothing_stored()
    {
        var (admin, name, cs) = NewDatabase();
        try
        {
            await using var f = new NpgsqlConnectionFactory(cs);
            MigrationRunner.MigratePostgres(f, NullLogger.Instance);
            var db = new Database(f, new DatabaseRetryOptions { MaxRetryAttempts = 4, BaseDelay = TimeSpan.FromMilliseconds(20), WriteTimeout = TimeSpan.FromMilliseconds(500) });
            var id = Guid.CreateVersion7();
            await using (var blocker = await f.OpenAsync(default))
            {
                await blocker.ExecuteAsync("BEGIN; LOCK TABLE patients IN EXCLUSIVE MODE");
                var e = await Assert.ThrowsAsync<StoreUnavailableException>(async () => await db.WriteAsync((c, tx, ct) =>
                    c.ExecuteAsync(new CommandDefinition("INSERT INTO patients (id, research_consent, created_at, updated_at) VALUES (@id, 0, 0, 0)", new { id }, tx, cancellationToken: ct)),
                    CancellationToken.None));
                Assert.True(f.IsLockTimeout(e.InnerException!) || e.InnerException is OperationCanceledException, e.InnerException?.GetType().Name);
                Assert.True(db.Writes.Failing);
                await blocker.ExecuteAsync("ROLLBACK");
            }
            await using var check = await f.OpenAsync(default);
            Assert.Equal(0, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM patients WHERE id = @id", new { id }));
            // Readiness' probe takes the lock every audited call needs; with nothing held it gets it. It proves nothing of
            // other tables, so only a write that gets through ends the give-up.
            Assert.True(await db.CanWriteAsync(TimeSpan.FromMilliseconds(500)));
            Assert.True(db.Writes.Failing);
            await db.WriteAsync((c, tx, ct) =>
                c.ExecuteAsync(new CommandDefinition("INSERT INTO patients (id, research_consent, created_at, updated_at) VALUES (@id, 0, 0, 0)", new { id }, tx, cancellationToken: ct)),
                CancellationToken.None);
            Assert.False(db.Writes.Failing);
        }
        finally
        {
            Drop(admin, name);
        }
    }

    [PostgresFact]
    public async Task Readiness_probe_cannot_take_the_audit_table_lock_while_another_transaction_holds_it()
    {
        var (admin, name, cs) = NewDatabase();
        try
        {
            await using var f = new NpgsqlConnectionFactory(cs);
            MigrationRunner.MigratePostgres(f, NullLogger.Instance);
            var db = new Database(f, new DatabaseRetryOptions { WriteTimeout = TimeSpan.FromMilliseconds(500) });
            await using var blocker = await f.OpenAsync(default);
            await blocker.ExecuteAsync("BEGIN; LOCK TABLE audit_events IN EXCLUSIVE MODE");
            Assert.False(await db.CanWriteAsync(TimeSpan.FromMilliseconds(300)));
            await blocker.ExecuteAsync("ROLLBACK");
        }
        finally
        {
            Drop(admin, name);
        }
    }

    [PostgresFact]
    public async Task A_deadlock_is_retried_as_a_whole_transaction_and_both_writes_land_once()
    {
        var (admin, name, cs) = NewDatabase();
        try
        {
            await using var f = new NpgsqlConnectionFactory(cs);
            MigrationRunner.MigratePostgres(f, NullLogger.Instance);
            var db = new Database(f, new DatabaseRetryOptions { MaxRetryAttempts = 4, BaseDelay = TimeSpan.FromMilliseconds(20) });
            Guid a = Guid.CreateVersion7(), b = Guid.CreateVersion7();
            await using (var c = await f.OpenAsync(default))
            {
                await c.ExecuteAsync("INSERT INTO patients (id, research_consent, created_at, updated_at) VALUES (@a, 0, 0, 0), (@b, 0, 0, 0)", new { a, b });
            }
            var attempts = 0;
            var bothLocked = new Barrier(2);
            // Two transactions lock the same rows in opposite order: PostgreSQL aborts one with 40P01, which is retried.
            Task<int> Writer(Guid first, Guid second, string mark) => db.WriteAsync(async (c, tx, ct) =>
            {
                var attempt = Interlocked.Increment(ref attempts);
                await c.ExecuteAsync(new CommandDefinition("UPDATE patients SET updated_at = updated_at + 1 WHERE id = @first", new { first }, tx, cancellationToken: ct));
                if (attempt <= 2) bothLocked.SignalAndWait(TimeSpan.FromSeconds(5), ct);
                await c.ExecuteAsync(new CommandDefinition("UPDATE patients SET updated_at = updated_at + 1 WHERE id = @second", new { second }, tx, cancellationToken: ct));
                return await c.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO patient_diagnoses (patient_id, diagnosis) VALUES (@first, @mark)", new { first, mark }, tx, cancellationToken: ct));
            }, default).AsTask();
            await Task.WhenAll(Task.Run(() => Writer(a, b, "trd")), Task.Run(() => Writer(b, a, "mdd")));

            Assert.True(attempts >= 3, $"one writer should have been retried after the deadlock (attempts: {attempts})");
            await using var check = await f.OpenAsync(default);
            Assert.Equal(2, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM patient_diagnoses")); // each write once, no twin
            Assert.Equal(4, await check.ExecuteScalarAsync<long>("SELECT SUM(updated_at) FROM patients"));
        }
        finally
        {
            Drop(admin, name);
        }
    }

    [PostgresFact]
    public async Task Instants_and_ids_round_trip_through_postgres_like_sqlite()
    {
        var (admin, name, cs) = NewDatabase();
        try
        {
            await using var f = new NpgsqlConnectionFactory(cs);
            MigrationRunner.MigratePostgres(f, NullLogger.Instance);
            var at = DateTimeOffset.Parse("2026-03-02T09:30:00.1234567+05:30", System.Globalization.CultureInfo.InvariantCulture);
            var id = Guid.CreateVersion7();
            await using var c = await f.OpenAsync(default);
            await c.ExecuteAsync("INSERT INTO patients (id, research_consent, created_at, updated_at) VALUES (@id, 1, @at, @at)", new { id, at = DbTime.ToDb(at) });
            Assert.Equal(DbTime.Normalize(at), await c.QuerySingleAsync<DateTimeOffset>("SELECT created_at FROM patients WHERE id = @id", new { id }));
            Assert.Equal(id, await c.QuerySingleAsync<Guid>("SELECT id FROM patients"));
        }
        finally
        {
            Drop(admin, name);
        }
    }
}

/// <summary>Which PostgreSQL errors the store retries: pure classification, no server needed.</summary>
public class PostgresErrorClassificationTests
{
    private static readonly NpgsqlConnectionFactory Factory = new("Host=127.0.0.1;Port=1;Username=nobody");

    [Theory]
    [InlineData("40001", true)]  // serialization_failure
    [InlineData("40P01", true)]  // deadlock_detected
    [InlineData("57P01", true)]  // admin_shutdown
    [InlineData("23505", false)] // unique_violation: never retried, it is an answer
    [InlineData("23503", false)] // foreign_key_violation
    public void Serialization_failures_deadlocks_and_shutdowns_are_transient_constraint_errors_are_not(string sqlState, bool transient)
    {
        var e = new PostgresException("test", "ERROR", "ERROR", sqlState);
        Assert.Equal(transient, Factory.IsTransient(e));
        Assert.Equal(sqlState == "23505", Factory.IsUniqueViolation(e));
    }
}
