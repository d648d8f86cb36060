using System.Reflection;
using Dapper;
using DbUp;
using DbUp.Engine;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace KetamineOutcomes.Data.Infrastructure;

/// <summary>
/// Applies the numbered SQL files of <c>migrations/&lt;provider&gt;/</c> (embedded in this assembly) with DbUp,
/// which records each applied script in its journal table, then the code migrations (<see cref="CodeMigrations"/>),
/// recorded in <c>code_migrations</c>; so running twice is a no-op.
/// </summary>
public static class MigrationRunner
{
    private const string JournalTable = "schema_versions", CodeJournalTable = "code_migrations";
    private static readonly Assembly Scripts = typeof(MigrationRunner).Assembly;

    /// <summary>Names of the migration scripts shipped for a provider, in the order they apply.</summary>
    public static IReadOnlyList<string> ScriptNames(string provider) =>
        Scripts.GetManifestResourceNames()
            .Where(n => n.StartsWith($"migrations.{provider}.", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>Applies what is missing; returns the names of the scripts and code steps applied now (empty when current).</summary>
    public static IReadOnlyList<string> MigrateSqlite(SqliteConnectionFactory factory, ILogger logger)
    {
        // WAL is a property of the file: set it before DbUp opens its own connection.
        using (var connection = new SqliteConnection(factory.ConnectionString))
        {
            connection.Open();
            connection.Execute("PRAGMA journal_mode = WAL;");
        }
        var engine = DeployChanges.To
            .SqliteDatabase(factory.ConnectionString)
            .WithScriptsEmbeddedInAssembly(Scripts, name => name.StartsWith("migrations.sqlite.", StringComparison.Ordinal))
            .JournalToSqliteTable(JournalTable)
            .WithTransactionPerScript()
            .WithVariablesDisabled()
            .LogTo(new QuietUpgradeLog(logger))
            .Build();
        var result = engine.PerformUpgrade();
        if (!result.Successful)
            throw new InvalidOperationException($"Migration {result.ErrorScript?.Name} failed.", result.Error);
        using var codeConnection = new SqliteConnection(factory.ConnectionString);
        codeConnection.Open();
        return [.. result.Scripts.Select(s => s.Name), .. CodeMigrations.Run(codeConnection, c => ((SqliteConnection)c).BeginTransaction(deferred: false), logger)];
    }

    /// <summary>
    /// Applies the PostgreSQL migrations under a session advisory lock, so instances starting together take turns and
    /// the later ones find nothing left to do.
    /// </summary>
    /// <returns>The names of the scripts and code steps applied now (empty when current).</returns>
    public static IReadOnlyList<string> MigratePostgres(NpgsqlConnectionFactory factory, ILogger logger)
    {
        using var lockConnection = factory.DataSource.OpenConnection();
        lockConnection.Execute("SELECT pg_advisory_lock(@key)", new { key = AdvisoryLockKey });
        try
        {
            var engine = DeployChanges.To
                .PostgresqlDatabase(factory.ConnectionString)
                .WithScriptsEmbeddedInAssembly(Scripts, name => name.StartsWith("migrations.postgres.", StringComparison.Ordinal))
                .JournalToPostgresqlTable("public", JournalTable)
                .WithTransactionPerScript()
                .WithVariablesDisabled()
                .LogTo(new QuietUpgradeLog(logger))
                .Build();
            var result = engine.PerformUpgrade();
            if (!result.Successful)
                throw new InvalidOperationException($"Migration {result.ErrorScript?.Name} failed.", result.Error);
            return [.. result.Scripts.Select(s => s.Name), .. CodeMigrations.Run(lockConnection, c => c.BeginTransaction(), logger)];
        }
        finally
        {
            lockConnection.Execute("SELECT pg_advisory_unlock(@key)", new { key = AdvisoryLockKey });
        }
    }

    // Any fixed 64-bit number: "KOMIGRAT" in ASCII.
    private const long AdvisoryLockKey = 0x4B4F4D4947524154;

    /// <summary>Names of the code migrations, in the order they apply (after every SQL script).</summary>
    public static IReadOnlyList<string> CodeStepNames => CodeMigrations.All.Select(m => m.Name).ToArray();

    /// <summary>Scripts, then code steps, of a provider not yet recorded in their journals (empty when the schema is current).</summary>
    public static async Task<IReadOnlyList<string>> PendingAsync(Database db, CancellationToken ct)
    {
        var expected = ScriptNames(db.Connections.Provider).Concat(CodeStepNames);
        var existsSql = db.Connections.Provider == "postgres"
            ? "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = @table"
            : "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @table";
        var applied = await db.ReadAsync(async (c, t) =>
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (table, column) in new[] { (JournalTable, "ScriptName"), (CodeJournalTable, "name") })
            {
                if (await c.ExecuteScalarAsync<long>(new CommandDefinition(existsSql, new { table }, cancellationToken: t)).ConfigureAwait(false) == 0) continue;
                names.UnionWith(await c.QueryAsync<string>(new CommandDefinition($"SELECT {column} FROM {table}", cancellationToken: t)).ConfigureAwait(false));
            }
            return names;
        }, ct).ConfigureAwait(false);
        return expected.Where(n => !applied.Contains(n)).ToArray();
    }
}
