using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.Json;
using Dapper;
using KetamineOutcomes.Data.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace KetamineOutcomes.Data.Tests;

/// <summary>
/// The code migration 0008_nfc_identifiers (SPEC v2 Boundaries): stored identifiers become NFC; MRNs of one site that
/// would collide once normalised, and values holding refused characters, are left unchanged and reported by row id.
/// Each test runs on a real SQLite file and, when KO_TEST_POSTGRES is set, on a fresh PostgreSQL database.
/// </summary>
public class NfcIdentifiersMigrationTests
{
    private const string Nfd = "MRN-0042-E\u0301", Nfc = "MRN-0042-\u00C9";

    /// <summary>One rows-before / rows-after case: patient (site, MRN as stored) → MRN after the migration.</summary>
    private static readonly (string Label, string? Site, string Mrn, string After)[] Patients =
    [
        ("nfd", "north", Nfd, Nfc),                                   // normalised
        ("nfd-other-site", "east", Nfd, Nfc),                         // the same MRN in another site is no collision
        ("collides-nfd", "south", Nfd, Nfd),                          // with the next row: both unchanged
        ("collides-nfc", "south", Nfc, Nfc),
        ("kelvin-sign", "west", "MRN-\u212A", "MRN-\u212A"),          // U+212A KELVIN SIGN is "K" in NFC: collides with MRN-K
        ("ascii-k", "west", "MRN-K", "MRN-K"),
        ("zero-width", "north", "MRN-9\u200B", "MRN-9\u200B"),        // refused character: unchanged, reported
        ("no-site-nfd", null, "A\u030A", "\u00C5"),                   // A + COMBINING RING ABOVE → Å
        ("plain", "north", "MRN-1", "MRN-1"),
    ];

    private sealed class Store(string provider, Func<Task<DbConnection>> open, Action<ILogger> migrate, Action cleanup) : IDisposable
    {
        public bool IsPostgres => provider == "postgres";
        public Task<DbConnection> OpenAsync() => open();
        public void Migrate(ILogger logger) => migrate(logger);
        public void Dispose() => cleanup();
    }

    private static Store Sqlite()
    {
        var db = new TempDatabase();
        return new Store("sqlite", async () => await db.Factory.OpenAsync(default), l => MigrationRunner.MigrateSqlite(db.Factory, l), db.Dispose);
    }

    private static Store Postgres()
    {
        var scratch = new ScratchPostgres();
        var factory = new NpgsqlConnectionFactory(scratch.ConnectionString);
        MigrationRunner.MigratePostgres(factory, NullLogger.Instance);
        return new Store("postgres", async () => await factory.OpenAsync(default), l => MigrationRunner.MigratePostgres(factory, l), () =>
        {
            factory.DisposeAsync().AsTask().GetAwaiter().GetResult();
            scratch.Dispose();
        });
    }

    /// <summary>Stores the rows as a database written before this migration would hold them, and forgets the step ran.</summary>
    private static async Task<Dictionary<string, Guid>> SeedAsOfBeforeTheStepAsync(Store store)
    {
        var ids = Patients.ToDictionary(p => p.Label, _ => Guid.CreateVersion7());
        await using var c = await store.OpenAsync();
        foreach (var p in Patients)
        {
            await c.ExecuteAsync("INSERT INTO patients (id, site_id, mrn, research_consent, created_at, updated_at) VALUES (@id, @Site, @Mrn, 1, 7, 7)",
                new { id = ids[p.Label], p.Site, p.Mrn });
        }
        await c.ExecuteAsync("INSERT INTO api_keys (id, name, role, site_id, key_hash, key_prefix, created_at) VALUES (@a, @nfd, 'portal', 'north', @h1, 'ko_a', 0), (@b, @bidi, 'portal', NULL, @h2, 'ko_b', 0)",
            new { a = ids["key-nfd"] = Guid.CreateVersion7(), b = ids["key-bidi"] = Guid.CreateVersion7(), nfd = "Cre\u0301teil portal", bidi = "\u202Elatrop", h1 = new byte[] { 1 }, h2 = new byte[] { 2 } });
        await c.ExecuteAsync("DELETE FROM code_migrations");
        return ids;
    }

    private static async Task<string[]> SnapshotAsync(DbConnection c) =>
        (await c.QueryAsync<string>("SELECT COALESCE(site_id, '-') || '|' || mrn || '|' || updated_at FROM patients ORDER BY mrn, site_id"))
        .Concat(await c.QueryAsync<string>("SELECT COALESCE(site_id, '-') || '|' || name FROM api_keys ORDER BY name")).ToArray();

    private static async Task Migration_normalises_stored_identifiers_leaves_collisions_and_refused_text_and_reports_them(Store store)
    {
        var ids = await SeedAsOfBeforeTheStepAsync(store);
        var log = new ListLogger();
        store.Migrate(log);

        await using var c = await store.OpenAsync();
        foreach (var p in Patients)
        {
            var row = await c.QuerySingleAsync<(string? Mrn, long UpdatedAt)>("SELECT mrn, updated_at FROM patients WHERE id = @id", new { id = ids[p.Label] });
            Assert.True(row.Mrn == p.After, $"{p.Label}: {Escape(row.Mrn)} instead of {Escape(p.After)}");
            Assert.Equal(7, row.UpdatedAt);
        }
        Assert.Equal("Cr\u00E9teil portal", await c.QuerySingleAsync<string>("SELECT name FROM api_keys WHERE id = @id", new { id = ids["key-nfd"] }));
        Assert.Equal("\u202Elatrop", await c.QuerySingleAsync<string>("SELECT name FROM api_keys WHERE id = @id", new { id = ids["key-bidi"] }));

        var reports = (await c.QueryAsync<(string Migration, string Kind, string Table, string Column, string RowIds, string Detail)>(
            "SELECT migration, kind, table_name, column_name, row_ids, detail FROM migration_reports")).ToList();
        string[] Rows(params string[] labels) => labels.Select(l => ids[l]).Order().Select(g => g.ToString()).ToArray();
        string[] Reported(string rowIds) => JsonSerializer.Deserialize<string[]>(rowIds)!.Select(Guid.Parse).Order().Select(g => g.ToString()).ToArray();
        Assert.All(reports, r => Assert.Equal("0008_nfc_identifiers", r.Migration));
        Assert.Equal(
            new[]
            {
                ("nfc-collision", "patients", "mrn", Rows("collides-nfd", "collides-nfc")),
                ("nfc-collision", "patients", "mrn", Rows("kelvin-sign", "ascii-k")),
                ("refused-characters", "api_keys", "name", Rows("key-bidi")),
                ("refused-characters", "patients", "mrn", Rows("zero-width")),
            }.Select(r => $"{r.Item1} {r.Item2}.{r.Item3} {string.Join(",", r.Item4)}").Order(StringComparer.Ordinal),
            reports.Select(r => $"{r.Kind} {r.Table}.{r.Column} {string.Join(",", Reported(r.RowIds))}").Order(StringComparer.Ordinal));
        Assert.Contains(reports, r => r.Detail.StartsWith("U+200B ZERO WIDTH SPACE (format character, Cf) at index 5", StringComparison.Ordinal));
        Assert.Contains(reports, r => r.Detail.StartsWith("U+202E RIGHT-TO-LEFT OVERRIDE", StringComparison.Ordinal));

        // Logged by id, never by MRN (PHI), nor by any key name.
        Assert.Equal(4, log.Lines.Count(l => l.StartsWith("Warning", StringComparison.Ordinal)));
        Assert.Contains(log.Lines, l => l.Contains(ids["zero-width"].ToString(), StringComparison.OrdinalIgnoreCase));
        foreach (var secret in Patients.Select(p => p.Mrn).Append("latrop").Append("portal"))
            Assert.DoesNotContain(log.Lines, l => l.Contains(secret, StringComparison.Ordinal));
    }

    private static async Task Migration_run_again_changes_nothing_and_reports_nothing_new(Store store)
    {
        await SeedAsOfBeforeTheStepAsync(store);
        store.Migrate(NullLogger.Instance);
        await using var c = await store.OpenAsync();
        var (rows, reports, steps) = (await SnapshotAsync(c), await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM migration_reports"),
            await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM code_migrations"));
        var log = new ListLogger();
        store.Migrate(log);
        Assert.Equal(rows, await SnapshotAsync(c));
        Assert.Equal(reports, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM migration_reports"));
        Assert.Equal(steps, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM code_migrations"));
        Assert.DoesNotContain(log.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sqlite_migration_normalises_stored_identifiers_leaves_collisions_and_refused_text_and_reports_them()
    {
        using var store = Sqlite();
        await Migration_normalises_stored_identifiers_leaves_collisions_and_refused_text_and_reports_them(store);
    }

    [PostgresFact]
    public async Task Postgres_migration_normalises_stored_identifiers_leaves_collisions_and_refused_text_and_reports_them()
    {
        using var store = Postgres();
        await Migration_normalises_stored_identifiers_leaves_collisions_and_refused_text_and_reports_them(store);
    }

    [Fact]
    public async Task Sqlite_migration_run_again_changes_nothing_and_reports_nothing_new()
    {
        using var store = Sqlite();
        await Migration_run_again_changes_nothing_and_reports_nothing_new(store);
    }

    [PostgresFact]
    public async Task Postgres_migration_run_again_changes_nothing_and_reports_nothing_new()
    {
        using var store = Postgres();
        await Migration_run_again_changes_nothing_and_reports_nothing_new(store);
    }

    [PostgresFact]
    public async Task Postgres_instances_starting_together_apply_the_step_once_and_report_once()
    {
        using var store = Postgres();
        await SeedAsOfBeforeTheStepAsync(store);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => store.Migrate(NullLogger.Instance))));
        await using var c = await store.OpenAsync();
        // Each step recorded once (the primary key would refuse a second record anyway; the reports would not).
        Assert.Equal(MigrationRunner.CodeStepNames.Order(StringComparer.Ordinal), await c.QueryAsync<string>("SELECT name FROM code_migrations ORDER BY name"));
        Assert.Equal(4, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM migration_reports"));
    }

    private static string Escape(string? s) => s is null ? "null" : string.Concat(s.Select(ch => ch < 128 ? ch.ToString() : $"\\u{(int)ch:X4}"));

    private sealed class ListLogger : ILogger
    {
        public ConcurrentQueue<string> Lines { get; } = new();
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue($"{logLevel} {formatter(state, exception)}");
    }
}
