using System.Data.Common;
using Dapper;
using KetamineOutcomes.Data.Migrations;
using Microsoft.Extensions.Logging;

namespace KetamineOutcomes.Data.Infrastructure;

/// <summary>A migration step SQL cannot express (e.g. NFC normalisation, which SQLite lacks), written once for both dialects.</summary>
internal interface ICodeMigration
{
    /// <summary>Recorded in <c>code_migrations</c>; the number says which SQL script it follows.</summary>
    string Name { get; }

    /// <summary>Applies the step inside <paramref name="tx"/>; anything it cannot settle safely goes to <c>migration_reports</c>.</summary>
    void Apply(DbConnection connection, DbTransaction tx, ILogger logger);
}

/// <summary>
/// Runs the code migrations after the SQL scripts (whose 0008 creates <c>code_migrations</c>). Each step runs in one
/// transaction that also records it, and the record is checked inside that transaction, so a step applies once: on
/// SQLite the transaction is BEGIN IMMEDIATE (it holds the write lock before reading the record); on PostgreSQL the
/// runner already holds the migration advisory lock, and the record's primary key refuses a second insert anyway.
/// </summary>
internal static class CodeMigrations
{
    public static readonly IReadOnlyList<ICodeMigration> All = [new NfcIdentifiersMigration(), new RedactedEndpointNamesMigration()];

    /// <returns>The names of the steps applied now.</returns>
    public static IReadOnlyList<string> Run(DbConnection connection, Func<DbConnection, DbTransaction> beginWrite, ILogger logger)
    {
        var applied = new List<string>();
        foreach (var step in All)
        {
            using var tx = beginWrite(connection);
            var done = connection.ExecuteScalar<long>("SELECT COUNT(*) FROM code_migrations WHERE name = @Name", new { step.Name }, tx);
            if (done > 0) continue; // disposing the transaction rolls it back: nothing was written
            step.Apply(connection, tx, logger);
            connection.Execute("INSERT INTO code_migrations (name, applied_at) VALUES (@Name, @now)",
                new { step.Name, now = DbTime.ToDb(DateTimeOffset.UtcNow) }, tx);
            tx.Commit();
            applied.Add(step.Name);
        }
        return applied;
    }
}
