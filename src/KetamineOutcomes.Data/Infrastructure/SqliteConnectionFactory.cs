using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Data.Infrastructure;

/// <summary>
/// SQLite connections with the service's durability settings: WAL journal (set by the migration runner, it
/// persists in the file), foreign keys on, synchronous=FULL so an acknowledged write survives a power cut.
/// </summary>
public sealed class SqliteConnectionFactory : IConnectionFactory
{
    // SQLITE_BUSY and SQLITE_LOCKED: another writer holds the lock longer than the busy timeout.
    private const int SqliteBusy = 5, SqliteLocked = 6, SqliteConstraint = 19;
    private const int ConstraintUnique = 2067, ConstraintPrimaryKey = 1555;

    public SqliteConnectionFactory(string connectionString)
    {
        SqliteTypeHandlers.Register();
        var builder = new SqliteConnectionStringBuilder(connectionString)
        {
            ForeignKeys = true,
            Pooling = true,
            Mode = SqliteOpenMode.ReadWriteCreate,
        };
        // Busy handler wait before SQLITE_BUSY surfaces; the Polly pipeline retries beyond it.
        if (builder.DefaultTimeout == 30) builder.DefaultTimeout = 5;
        ConnectionString = builder.ToString();
        DataSource = builder.DataSource;
    }

    public string Provider => "sqlite";

    public string ConnectionString { get; }

    /// <summary>The database file path (never logged with the rest of the connection string).</summary>
    public string DataSource { get; }

    public async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA synchronous = FULL;";
            await pragma.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct, TimeSpan? lockWait = null)
    {
        var sqlite = (SqliteConnection)connection;
        // BEGIN IMMEDIATE waits for the write lock under the busy timeout, which is this connection object's command timeout.
        if (lockWait is { } wait) sqlite.DefaultTimeout = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        // deferred: false → BEGIN IMMEDIATE: take the write lock at the start, so a transaction never fails
        // half-way when upgrading from a read lock (that BUSY is not covered by the busy handler).
        return await Task.FromResult(sqlite.BeginTransaction(deferred: false)).ConfigureAwait(false);
    }

    public bool IsLockTimeout(Exception exception) => false;

    public bool IsTransient(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked };

    public bool IsUniqueViolation(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: SqliteConstraint } e
        && e.SqliteExtendedErrorCode is ConstraintUnique or ConstraintPrimaryKey;
}
