using System.Data.Common;
using Polly;
using Polly.Retry;

namespace KetamineOutcomes.Data.Infrastructure;

/// <summary>
/// Runs units of work against the store. Each attempt opens its own connection; a write attempt is one
/// transaction, so retrying a transient failure re-runs the whole unit and can never half-apply it.
/// </summary>
public sealed class Database
{
    private readonly ResiliencePipeline _pipeline;
    private readonly GroupCommitWriter? _groupCommit;

    public Database(IConnectionFactory connections, DatabaseRetryOptions? retry = null)
    {
        Connections = connections;
        retry ??= new DatabaseRetryOptions();
        var builder = new ResiliencePipelineBuilder();
        // Only errors the provider calls transient (SQLite busy/locked) are retried, with jittered exponential backoff.
        if (retry.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(connections.IsTransient),
                MaxRetryAttempts = retry.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = retry.BaseDelay,
            });
        }
        _pipeline = builder.Build();
        if (connections.SingleWriter && retry.GroupCommit) _groupCommit = new GroupCommitWriter(connections, _pipeline);
    }

    /// <summary>True when writes share transactions through group commit (single-writer stores).</summary>
    public bool GroupCommit => _groupCommit is not null;

    public IConnectionFactory Connections { get; }

    public ValueTask<T> ReadAsync<T>(Func<DbConnection, CancellationToken, Task<T>> work, CancellationToken ct) =>
        _pipeline.ExecuteAsync(async (state, token) =>
        {
            await using var connection = await state.Connections.OpenAsync(token).ConfigureAwait(false);
            return await state.work(connection, token).ConfigureAwait(false);
        }, (Connections, work), ct);

    /// <summary>
    /// Runs <paramref name="work"/> as one atomic unit and returns once it is committed. On a single-writer store the
    /// unit shares its transaction (and fsync) with units queued at the same time, inside a savepoint of its own.
    /// </summary>
    public ValueTask<T> WriteAsync<T>(Func<DbConnection, DbTransaction, CancellationToken, Task<T>> work, CancellationToken ct) =>
        _groupCommit is { } group ? new ValueTask<T>(group.WriteAsync(work, ct)) : WriteAloneAsync(work, ct);

    private ValueTask<T> WriteAloneAsync<T>(Func<DbConnection, DbTransaction, CancellationToken, Task<T>> work, CancellationToken ct) =>
        _pipeline.ExecuteAsync(async (state, token) =>
        {
            await using var connection = await state.Connections.OpenAsync(token).ConfigureAwait(false);
            await using var tx = await state.Connections.BeginWriteAsync(connection, token).ConfigureAwait(false);
            var result = await state.work(connection, tx, token).ConfigureAwait(false);
            try
            {
                await tx.CommitAsync(token).ConfigureAwait(false);
            }
            catch (Exception e) when (state.Connections.IsTransient(e))
            {
                // The commit may have landed before the connection failed: re-running the unit could store a twin, so
                // this is never retried here. Clients retry with their Idempotency-Key, which the database settles.
                throw new CommitOutcomeUnknownException(e);
            }
            return result;
        }, (Connections, work), ct);
}

/// <summary>Retry settings of the store pipeline ("Storage:Retry").</summary>
public sealed class DatabaseRetryOptions
{
    public int MaxRetryAttempts { get; set; } = 4;
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Share one transaction among concurrent writes on a single-writer store (SQLite). Off: one transaction each.</summary>
    public bool GroupCommit { get; set; } = true;
}

/// <summary>The connection failed during COMMIT: the write may or may not have been stored.</summary>
public sealed class CommitOutcomeUnknownException(Exception inner)
    : Exception("The store connection failed while committing; the outcome is unknown.", inner);
