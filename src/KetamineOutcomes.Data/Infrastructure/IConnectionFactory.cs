using System.Data.Common;

namespace KetamineOutcomes.Data.Infrastructure;

/// <summary>Opens a ready-to-use connection to the configured store (one per operation, pooled underneath).</summary>
public interface IConnectionFactory
{
    /// <summary>Provider name: "sqlite" or "postgres" (selects the few provider-specific statements).</summary>
    string Provider { get; }

    Task<DbConnection> OpenAsync(CancellationToken ct);

    /// <summary>Begins the write transaction this provider needs (SQLite: BEGIN IMMEDIATE, so writers queue up front).</summary>
    Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct);

    /// <summary>True for errors that a fresh attempt of the whole transaction may clear.</summary>
    bool IsTransient(Exception exception);

    /// <summary>True when a unique constraint or index refused the write.</summary>
    bool IsUniqueViolation(Exception exception);
}
