using System.Data.Common;
using Npgsql;

namespace KetamineOutcomes.Data.Infrastructure;

/// <summary>
/// PostgreSQL through one pooled <see cref="NpgsqlDataSource"/>, for several stateless instances over one database.
/// Same SQL as SQLite (bigint microsecond times, 0/1 flags); only the differences below are provider-specific.
/// </summary>
public sealed class NpgsqlConnectionFactory : IConnectionFactory, IAsyncDisposable
{
    private const string UniqueViolation = "23505", LockNotAvailable = "55P03";

    /// <param name="lockTimeout">
    /// Bounds every statement's wait for a lock another transaction holds (a table lock taken by ALTER TABLE, VACUUM
    /// FULL, REINDEX; a row lock): 55P03 after it, which the API answers 503 — never a hang (SPEC v2 Security,
    /// continued). Set on the pooled connections only; migrations use <see cref="ConnectionString"/> and may wait.
    /// </param>
    public NpgsqlConnectionFactory(string connectionString, TimeSpan? lockTimeout = null)
    {
        SqliteTypeHandlers.Register();
        ConnectionString = connectionString;
        var pooled = new NpgsqlConnectionStringBuilder(connectionString);
        if (lockTimeout is { } wait)
            pooled.Options = $"{pooled.Options} -c lock_timeout={Math.Max(1, (long)wait.TotalMilliseconds)}".Trim();
        DataSource = NpgsqlDataSource.Create(pooled.ConnectionString);
    }

    public string Provider => "postgres";

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    public async Task<DbConnection> OpenAsync(CancellationToken ct) => await DataSource.OpenConnectionAsync(ct).ConfigureAwait(false);

    public async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct, TimeSpan? lockWait = null)
    {
        // Read committed: rows are claimed with row locks (FOR UPDATE SKIP LOCKED) and unique constraints settle races.
        var tx = await ((NpgsqlConnection)connection).BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct).ConfigureAwait(false);
        if (lockWait is not { } wait) return tx;
        try
        {
            await using var command = new NpgsqlCommand(
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"SET LOCAL lock_timeout = {Math.Max(1, (long)wait.TotalMilliseconds)}"),
                (NpgsqlConnection)connection, tx);
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return tx;
        }
        catch
        {
            await tx.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public bool IsLockTimeout(Exception exception) => IsLockNotAvailable(exception);

    /// <summary>55P03: a statement gave up waiting for a lock (lock_timeout). Nothing of its transaction stays.</summary>
    public static bool IsLockNotAvailable(Exception exception) => exception is PostgresException { SqlState: LockNotAvailable };

    /// <summary>Connection failures, serialization failures (40001), deadlocks (40P01), shutdowns: Npgsql's own classification.</summary>
    public bool IsTransient(Exception exception) => exception is NpgsqlException { IsTransient: true };

    public bool IsUniqueViolation(Exception exception) => exception is PostgresException { SqlState: UniqueViolation };

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
