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
    }

    public IConnectionFactory Connections { get; }

    public ValueTask<T> ReadAsync<T>(Func<DbConnection, CancellationToken, Task<T>> work, CancellationToken ct) =>
        _pipeline.ExecuteAsync(async (state, token) =>
        {
            await using var connection = await state.Connections.OpenAsync(token).ConfigureAwait(false);
            return await state.work(connection, token).ConfigureAwait(false);
        }, (Connections, work), ct);

    public ValueTask<T> WriteAsync<T>(Func<DbConnection, DbTransaction, CancellationToken, Task<T>> work, CancellationToken ct) =>
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
}

/// <summary>The connection failed during COMMIT: the write may or may not have been stored.</summary>
public sealed class CommitOutcomeUnknownException(Exception inner)
    : Exception("The store connection failed while committing; the outcome is unknown.", inner);
