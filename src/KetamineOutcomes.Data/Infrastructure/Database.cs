using System.Data.Common;
using Polly;
using Polly.Retry;

namespace KetamineOutcomes.Data.Infrastructure;

/// <summary>
/// Runs units of work against the store. Each attempt opens its own connection; a write attempt is one
/// transaction, so retrying a transient failure re-runs the whole unit and can never half-apply it.
/// </summary>
public sealed class Database : IAsyncDisposable
{
    private readonly ResiliencePipeline _pipeline;
    private readonly GroupCommitWriter? _groupCommit;
    private readonly ReaderPool? _readers;

    public Database(IConnectionFactory connections, DatabaseRetryOptions? retry = null) : this(connections, retry, null) { }

    /// <param name="flushFile">Tests only: stands in for the WAL flush of group commit.</param>
    internal Database(IConnectionFactory connections, DatabaseRetryOptions? retry, Action<string>? flushFile)
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
        // SQLite admits one writer at a time: batch concurrent writes. PostgreSQL runs them side by side (and groups its own WAL flushes).
        if (connections is SqliteConnectionFactory sqlite)
        {
            if (retry.GroupCommit) _groupCommit = new GroupCommitWriter(sqlite, _pipeline, flushFile);
            _readers = new ReaderPool(sqlite, ReaderPoolCapacity);
        }
    }

    /// <summary>Idle SQLite read connections kept open (with their compiled statements); more are opened when needed.</summary>
    private const int ReaderPoolCapacity = 16;

    /// <summary>True when writes share transactions through group commit (single-writer stores).</summary>
    public bool GroupCommit => _groupCommit is not null;

    public IConnectionFactory Connections { get; }

    /// <summary>Stops the group-commit writer after the writes already queued, then closes idle readers (the host disposes this at shutdown).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_groupCommit is not null) await _groupCommit.DisposeAsync().ConfigureAwait(false);
        if (_readers is not null) await _readers.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a read for a caller's answer. With group commit it returns only once everything the read could have seen is
    /// on disk, so no response shows a write a power cut could still take back (a wait of at most one WAL flush, and
    /// none when no write is in flight) — unless the answer is held (<see cref="HoldAnswerUntilDurable"/>): then the
    /// read only notes what it could have seen, and the holder waits once for all of its reads.
    /// </summary>
    public async ValueTask<T> ReadAsync<T>(Func<DbConnection, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        var result = await ReadUnsettledAsync(work, ct).ConfigureAwait(false);
        if (AnswerHeld.Value is { } hold) hold.Saw(_groupCommit?.Committing ?? 0);
        else await DurableAsync(ct).ConfigureAwait(false);
        return result;
    }

    private static readonly AsyncLocal<AnswerHold?> AnswerHeld = new();

    /// <summary>
    /// For the code that sends a request's answer: while the returned scope is open, reads on this async flow do not
    /// wait for the WAL flush themselves; the scope notes what they could have seen and what later acknowledged writes
    /// already cover, and the caller holds the whole answer back until <see cref="DurableAsync(AnswerHold, CancellationToken)"/>
    /// or a write acknowledged after those reads. The audit trail uses it: one wait instead of one per read.
    /// </summary>
    public static AnswerHold HoldAnswerUntilDurable() => AnswerHeld.Value = new AnswerHold();

    internal static void ReleaseHold() => AnswerHeld.Value = null;

    /// <summary>Completes once everything the held answer's reads could have seen is on disk.</summary>
    public Task DurableAsync(AnswerHold hold, CancellationToken ct) =>
        _groupCommit is { } group && hold.Uncovered is { } target ? group.WaitDurableAsync(target, ct) : Task.CompletedTask;

    /// <summary>
    /// A read that may see committed writes whose WAL flush is still running. Only for results that never reach a
    /// caller except through a later write (whose acknowledgement waits for a later flush, which covers them) or as an
    /// access decision; anything shown to a caller goes through <see cref="ReadAsync{T}"/>.
    /// </summary>
    public ValueTask<T> ReadUnsettledAsync<T>(Func<DbConnection, CancellationToken, Task<T>> work, CancellationToken ct) =>
        _readers is { } readers
            ? _pipeline.ExecuteAsync(async (state, token) =>
            {
                var connection = await state.readers.RentAsync(token).ConfigureAwait(false);
                T result;
                try
                {
                    result = await state.work(connection, token).ConfigureAwait(false);
                }
                catch
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
                await state.readers.ReturnAsync(connection).ConfigureAwait(false);
                return result;
            }, (readers, work), ct)
            : _pipeline.ExecuteAsync(async (state, token) =>
            {
                await using var connection = await state.Connections.OpenAsync(token).ConfigureAwait(false);
                return await state.work(connection, token).ConfigureAwait(false);
            }, (Connections, work), ct);

    /// <summary>
    /// Returns once every write committed so far is on disk: for reads made on connections of their own (research
    /// streams), before they answer. At once without group commit, where a commit is durable when it returns.
    /// </summary>
    public Task DurableAsync(CancellationToken ct) => _groupCommit?.WaitDurableAsync(ct) ?? Task.CompletedTask;

    /// <summary>
    /// Runs <paramref name="work"/> as one atomic unit and returns once it is committed. On a single-writer store the
    /// unit shares its transaction (and fsync) with units queued at the same time, inside a savepoint of its own.
    /// </summary>
    public ValueTask<T> WriteAsync<T>(Func<DbConnection, DbTransaction, CancellationToken, Task<T>> work, CancellationToken ct) =>
        _groupCommit is { } group
            ? AnswerHeld.Value is { } hold ? WriteHeldAsync(group, hold, work, ct) : new ValueTask<T>(group.WriteAsync(work, ct))
            : WriteAloneAsync(work, ct);

    // Acknowledged after a flush that covers its batch and every batch before it: the held answer's earlier reads too.
    private static async ValueTask<T> WriteHeldAsync<T>(GroupCommitWriter group, AnswerHold hold, Func<DbConnection, DbTransaction, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        var result = await group.WriteAsync(work, ct).ConfigureAwait(false);
        hold.Covered(group.Durable);
        return result;
    }

    /// <summary>
    /// Appends rows to an append-only table and returns once they are committed. With group commit they ride along in
    /// the current batch through one prepared statement; otherwise they are a unit of their own.
    /// </summary>
    public Task<int> AppendAsync(AppendStatement statement, IReadOnlyList<object?[]> rows, CancellationToken ct) =>
        _groupCommit is { } group
            ? group.AppendAsync(statement, rows)
            : WriteAloneAsync((c, tx, t) => statement.ExecuteAsync(c, tx, rows, t), ct).AsTask();

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

/// <summary>What a held answer's reads could have seen (batch numbers), and what acknowledged writes already cover.</summary>
public sealed class AnswerHold : IDisposable
{
    private readonly Lock _gate = new();
    private long _seen, _covered;

    internal void Saw(long batch)
    {
        lock (_gate) _seen = Math.Max(_seen, batch);
    }

    internal void Covered(long batch)
    {
        lock (_gate) _covered = Math.Max(_covered, batch);
    }

    /// <summary>The batch still to wait for, or null when acknowledged writes already cover every read.</summary>
    internal long? Uncovered
    {
        get { lock (_gate) return _seen > _covered ? _seen : null; }
    }

    /// <summary>Ends the hold on the async flow that opened it.</summary>
    public void Dispose() => Database.ReleaseHold();
}

/// <summary>An INSERT into an append-only table, its parameters named in the order rows give their values.</summary>
public sealed class AppendStatement(string sql, params string[] parameterNames)
{
    public string Sql { get; } = sql;
    public IReadOnlyList<string> ParameterNames { get; } = parameterNames;

    /// <summary>Inserts the rows with one command (on the group-commit writer, its compiled statement is reused).</summary>
    public async Task<int> ExecuteAsync(DbConnection c, DbTransaction tx, IReadOnlyList<object?[]> rows, CancellationToken ct)
    {
        await using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = Sql;
        foreach (var name in ParameterNames)
        {
            var p = command.CreateParameter();
            p.ParameterName = "@" + name;
            command.Parameters.Add(p);
        }
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++) command.Parameters[i].Value = row[i] ?? DBNull.Value;
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        return rows.Count;
    }
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
