using KetamineOutcomes.Data.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace KetamineOutcomes.Data.Tests;

/// <summary>A migrated SQLite file in a fresh temp folder, deleted on dispose.</summary>
public sealed class TempDatabase : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ko-data-").FullName;

    public TempDatabase(string extra = "", int retries = 4, bool groupCommit = true, Action<string>? flushFile = null, string? journalMode = null, TimeSpan? writeTimeout = null,
        int deferredRows = 0)
    {
        Path = System.IO.Path.Combine(_dir, "test.db");
        Factory = new SqliteConnectionFactory($"Data Source={Path};{extra}");
        MigrationRunner.MigrateSqlite(Factory, NullLogger.Instance);
        if (journalMode is not null)
        {
            using var c = new SqliteConnection(Factory.ConnectionString);
            c.Open();
            using var pragma = c.CreateCommand();
            pragma.CommandText = $"PRAGMA journal_mode = {journalMode}";
            pragma.ExecuteNonQuery();
        }
        Db = new Database(Factory, new DatabaseRetryOptions { MaxRetryAttempts = retries, BaseDelay = TimeSpan.FromMilliseconds(20), GroupCommit = groupCommit,
            WriteTimeout = writeTimeout ?? TimeSpan.FromSeconds(5), DeferredAppendRows = deferredRows }, flushFile);
    }

    public string Path { get; }
    public SqliteConnectionFactory Factory { get; }
    public Database Db { get; }

    public void Dispose()
    {
        Db.DisposeAsync().AsTask().GetAwaiter().GetResult(); // stops the group-commit writer thread
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
