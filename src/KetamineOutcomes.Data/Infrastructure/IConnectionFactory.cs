using System.Data.Common;

namespace KetamineOutcomes.Data.Infrastructure;

/// <summary>Opens a ready-to-use connection to the configured store (one per operation, pooled underneath).</summary>
public interface IConnectionFactory
{
    /// <summary>Provider name: "sqlite" or "postgres" (selects the few provider-specific statements).</summary>
    string Provider { get; }

    Task<DbConnection> OpenAsync(CancellationToken ct);

    /// <summary>
    /// Begins the write transaction this provider needs (SQLite: BEGIN IMMEDIATE, so writers queue up front). With
    /// <paramref name="lockWait"/>, each wait for a lock another connection holds is bounded by it (SQLite: the busy
    /// timeout of BEGIN IMMEDIATE, in whole seconds, at least 1, then SQLITE_BUSY; PostgreSQL: SET LOCAL lock_timeout,
    /// then 55P03).
    /// </summary>
    Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct, TimeSpan? lockWait = null);

    /// <summary>True when a statement gave up waiting for a lock (the lockWait of <see cref="BeginWriteAsync"/>): nothing of the transaction stays.</summary>
    bool IsLockTimeout(Exception exception);

    /// <summary>True for errors that a fresh attempt of the whole transaction may clear.</summary>
    bool IsTransient(Exception exception);

    /// <summary>True when a unique constraint or index refused the write.</summary>
    bool IsUniqueViolation(Exception exception);
}

/// <summary>The one SQL construct whose spelling differs between the providers for Dapper list parameters.</summary>
public static class SqlDialect
{
    /// <summary>
    /// "column in the list": Dapper expands <c>IN @list</c> for SQLite, but passes a PostgreSQL array as one parameter,
    /// which needs <c>= ANY(@list)</c>. Two fixed texts per call site, so Dapper's query cache stays bounded.
    /// </summary>
    public static string InList(DbConnection connection, string column, string parameter) =>
        connection is Npgsql.NpgsqlConnection ? $"{column} = ANY(@{parameter})" : $"{column} IN @{parameter}";
}
