using System.Reflection;
using Dapper;
using DbUp;
using DbUp.Engine;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace KetamineOutcomes.Data.Infrastructure;

/// <summary>
/// Applies the numbered SQL files of <c>migrations/&lt;provider&gt;/</c> (embedded in this assembly) with DbUp,
/// which records each applied script in its journal table, so running twice is a no-op.
/// </summary>
public static class MigrationRunner
{
    private const string JournalTable = "schema_versions";
    private static readonly Assembly Scripts = typeof(MigrationRunner).Assembly;

    /// <summary>Names of the migration scripts shipped for a provider, in the order they apply.</summary>
    public static IReadOnlyList<string> ScriptNames(string provider) =>
        Scripts.GetManifestResourceNames()
            .Where(n => n.StartsWith($"migrations.{provider}.", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();

    public static void MigrateSqlite(SqliteConnectionFactory factory, ILogger logger)
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
            .LogTo(logger)
            .Build();
        var result = engine.PerformUpgrade();
        if (!result.Successful)
            throw new InvalidOperationException($"Migration {result.ErrorScript?.Name} failed.", result.Error);
    }

    /// <summary>Scripts of a provider not yet recorded in the journal (empty when the schema is current).</summary>
    public static async Task<IReadOnlyList<string>> PendingAsync(Database db, CancellationToken ct)
    {
        var expected = ScriptNames(db.Connections.Provider);
        var applied = await db.ReadAsync(async (c, t) =>
        {
            var exists = await c.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @JournalTable",
                new { JournalTable }, cancellationToken: t)).ConfigureAwait(false);
            if (exists == 0) return [];
            return (await c.QueryAsync<string>(new CommandDefinition(
                $"SELECT ScriptName FROM {JournalTable}", cancellationToken: t)).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        }, ct).ConfigureAwait(false);
        return expected.Where(n => !applied.Contains(n)).ToArray();
    }
}
