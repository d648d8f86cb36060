using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;
using Dapper;
using DbUp;
using KetamineOutcomes.Data.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace KetamineOutcomes.Data.Tests;

/// <summary>
/// Migration 0011 (issue 18): deliveries written before it lose their stored receiver URLs (the column is dropped), and
/// names that were full URLs become the redacted URL. Each test builds a database as of 0010 with DbUp, seeds it, then
/// runs the service's migrations, on a real SQLite file and, when KO_TEST_POSTGRES is set, on a fresh PostgreSQL database.
/// </summary>
public class WebhookUrlsMigrationTests
{
    private static readonly string[] Secrets = ["userinfo-secret-1", "query-secret-2", "defaulted-secret-3", "twin-secret-4", "twin-secret-5"];

    /// <summary>One delivery as stored before 0011: its event, name and URL → its name after.</summary>
    private static readonly (string Label, int Event, string Name, string Url, string After)[] Deliveries =
    [
        ("named", 1, "ehr-inbox", "https://hookuser:userinfo-secret-1@ehr.example.org/hook?token=query-secret-2", "ehr-inbox"),
        ("defaulted", 1, "https://EHR.example.org:443/alerts?token=defaulted-secret-3#x", "https://EHR.example.org:443/alerts?token=defaulted-secret-3#x", "https://ehr.example.org/alerts"),
        // Two unnamed endpoints of one event that differed only in their token stay apart (which gets "(2)" follows id order).
        ("twin-a", 2, "https://h.example/a?token=twin-secret-4", "https://h.example/a?token=twin-secret-4", "https://h.example/a"),
        ("twin-b", 2, "https://h.example/a?token=twin-secret-5", "https://h.example/a?token=twin-secret-5", "https://h.example/a (2)"),
    ];

    private sealed record Store(string Provider, Func<Task<DbConnection>> Open, Action<ILogger> Migrate, string? File, Action Cleanup) : IDisposable
    {
        public void Dispose() => Cleanup();
    }

    private static bool Before0011(string script, string provider) =>
        script.StartsWith($"migrations.{provider}.", StringComparison.Ordinal) && string.CompareOrdinal(script, $"migrations.{provider}.0011") < 0;

    private static Store SqliteAsOf0010()
    {
        var dir = Directory.CreateTempSubdirectory("ko-data-").FullName;
        var factory = new SqliteConnectionFactory($"Data Source={Path.Combine(dir, "test.db")}");
        using (var c = new SqliteConnection(factory.ConnectionString))
        {
            c.Open();
            c.Execute("PRAGMA journal_mode = WAL;");
        }
        var result = DeployChanges.To.SqliteDatabase(factory.ConnectionString)
            .WithScriptsEmbeddedInAssembly(typeof(MigrationRunner).Assembly, n => Before0011(n, "sqlite"))
            .JournalToSqliteTable("schema_versions").WithTransactionPerScript().WithVariablesDisabled().Build().PerformUpgrade();
        Assert.True(result.Successful, result.Error?.Message);
        return new Store("sqlite", async () =>
        {
            var c = new SqliteConnection(factory.ConnectionString);
            await c.OpenAsync();
            await c.ExecuteAsync("PRAGMA foreign_keys = OFF"); // deliveries of events not seeded
            return c;
        }, l => MigrationRunner.MigrateSqlite(factory, l), factory.DataSource, () =>
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        });
    }

    private static Store PostgresAsOf0010()
    {
        var scratch = new ScratchPostgres();
        var factory = new NpgsqlConnectionFactory(scratch.ConnectionString);
        var result = DeployChanges.To.PostgresqlDatabase(factory.ConnectionString)
            .WithScriptsEmbeddedInAssembly(typeof(MigrationRunner).Assembly, n => Before0011(n, "postgres"))
            .JournalToPostgresqlTable("public", "schema_versions").WithTransactionPerScript().WithVariablesDisabled().Build().PerformUpgrade();
        Assert.True(result.Successful, result.Error?.Message);
        return new Store("postgres", async () =>
        {
            var c = await factory.OpenAsync(default);
            await c.ExecuteAsync("SET session_replication_role = replica"); // deliveries of events not seeded
            return c;
        }, l => MigrationRunner.MigratePostgres(factory, l), null, () =>
        {
            factory.DisposeAsync().AsTask().GetAwaiter().GetResult();
            scratch.Dispose();
        });
    }

    private static async Task<Dictionary<string, Guid>> SeedAsync(Store store)
    {
        var ids = Deliveries.ToDictionary(d => d.Label, _ => Guid.CreateVersion7());
        var events = new[] { Guid.CreateVersion7(), Guid.CreateVersion7() };
        await using var c = await store.Open();
        foreach (var d in Deliveries)
        {
            await c.ExecuteAsync("""
                INSERT INTO webhook_deliveries (id, event_id, endpoint_name, endpoint_url, status, attempts, next_attempt_at, created_at, updated_at)
                VALUES (@id, @eventId, @Name, @Url, 'pending', 1, 7, 7, 7)
                """, new { id = ids[d.Label], eventId = events[d.Event - 1], d.Name, d.Url });
        }
        return ids;
    }

    private static async Task Existing_deliveries_lose_their_urls_and_names_that_were_urls_are_redacted(Store store)
    {
        var ids = await SeedAsync(store);
        var log = new ListLogger();
        store.Migrate(log);

        await using (var c = await store.Open())
        {
            var names = new List<(string Label, string Name)>();
            foreach (var d in Deliveries)
                names.Add((d.Label, await c.QuerySingleAsync<string>("SELECT endpoint_name FROM webhook_deliveries WHERE id = @id", new { id = ids[d.Label] })));
            Assert.Equal(Deliveries.Where(d => !d.Label.StartsWith("twin", StringComparison.Ordinal)).Select(d => (d.Label, d.After)),
                names.Where(n => !n.Label.StartsWith("twin", StringComparison.Ordinal)));
            Assert.Equal(Deliveries.Where(d => d.Label.StartsWith("twin", StringComparison.Ordinal)).Select(d => d.After).Order(StringComparer.Ordinal),
                names.Where(n => n.Label.StartsWith("twin", StringComparison.Ordinal)).Select(n => n.Name).Order(StringComparer.Ordinal));
            var rows = (await c.QueryAsync("SELECT * FROM webhook_deliveries")).Cast<IDictionary<string, object?>>().ToArray();
            Assert.Equal(Deliveries.Length, rows.Length);
            Assert.All(rows, r => Assert.DoesNotContain("endpoint_url", r.Keys));
            var values = rows.SelectMany(r => r.Values).Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToArray();
            foreach (var secret in Secrets) Assert.DoesNotContain(values, v => v.Contains(secret, StringComparison.Ordinal));
            Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM code_migrations WHERE name = '0011_redacted_endpoint_names'"));
        }
        Assert.Contains(log.Lines, l => l.Contains("redacted the endpoint name of 3 webhook deliveries", StringComparison.Ordinal));
        foreach (var secret in Secrets) Assert.DoesNotContain(log.Lines, l => l.Contains(secret, StringComparison.Ordinal));

        if (store.File is null) return;
        // Not even a freed page of the SQLite file (or its log) still holds an old URL.
        SqliteConnection.ClearAllPools();
        foreach (var path in new[] { store.File, store.File + "-wal" }.Where(File.Exists))
        {
            var bytes = await File.ReadAllBytesAsync(path);
            foreach (var secret in Secrets)
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, $"{Path.GetFileName(path)} still holds {secret}");
        }
    }

    [Fact]
    public async Task Sqlite_migration_drops_stored_receiver_urls_and_redacts_names_that_were_urls_leaving_no_trace_in_the_file()
    {
        using var store = SqliteAsOf0010();
        await Existing_deliveries_lose_their_urls_and_names_that_were_urls_are_redacted(store);
    }

    [PostgresFact]
    public async Task Postgres_migration_drops_stored_receiver_urls_and_redacts_names_that_were_urls()
    {
        using var store = PostgresAsOf0010();
        await Existing_deliveries_lose_their_urls_and_names_that_were_urls_are_redacted(store);
    }

    private sealed class ListLogger : ILogger
    {
        public ConcurrentQueue<string> Lines { get; } = new();
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue($"{logLevel} {formatter(state, exception)}");
    }
}
