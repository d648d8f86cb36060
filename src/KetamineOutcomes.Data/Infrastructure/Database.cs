using System.Data.Common;
using System.Diagnostics.Metrics;
using Dapper;
using Microsoft.Extensions.Logging;
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
    private readonly DeferredAppends? _deferred;

    /// <param name="meters">The host's meter factory for <see cref="Metrics"/>; null: a meter of this instance's own.</param>
    /// <param name="logger">Where deferred appends report failures and losses (<see cref="TryAppendDeferred"/>); null: nowhere.</param>
    /// <param name="storeLogger">Where the SQLite store reports its own background trouble (a failed WAL checkpoint); null: nowhere.</param>
    public Database(IConnectionFactory connections, DatabaseRetryOptions? retry = null, IMeterFactory? meters = null, ILogger? logger = null, ILogger? storeLogger = null)
        : this(connections, retry, null, meters, logger, storeLogger) { }

    /// <param name="flushFile">Tests only: stands in for the WAL flush of group commit.</param>
    internal Database(IConnectionFactory connections, DatabaseRetryOptions? retry, Action<string>? flushFile, IMeterFactory? meters = null, ILogger? logger = null,
        ILogger? storeLogger = null)
    {
        Connections = connections;
        Metrics = new StoreMetrics(meters);
        retry ??= new DatabaseRetryOptions();
        WriteTimeout = retry.WriteTimeout;
        var builder = new ResiliencePipelineBuilder();
        // Only errors the provider calls transient (SQLite busy/locked) are retried, with jittered exponential backoff.
        if (retry.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                // A lock wait that timed out is not retried: the caller was promised an answer within WriteTimeout.
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => connections.IsTransient(e) && !connections.IsLockTimeout(e)),
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
            if (retry.GroupCommit) _groupCommit = new GroupCommitWriter(sqlite, _pipeline, flushFile, Metrics, storeLogger);
            _readers = new ReaderPool(sqlite, ReaderPoolCapacity);
        }
        if (retry.DeferredAppendRows > 0)
        {
            // With group commit each entry joins the next batch at once; otherwise a background loop batches them into
            // one transaction (PostgreSQL: one COMMIT, durable when it returns, for many rows).
            _deferred = _groupCommit is { } group
                ? new DeferredAppends(entries => group.AppendAsync(entries[0].Statement, entries[0].Rows, CancellationToken.None), perEntry: true,
                    retry.DeferredAppendRows, WriteTimeout, 2 * WriteTimeout, Metrics, logger)
                : new DeferredAppends(WriteDeferredAsync, perEntry: false, retry.DeferredAppendRows, WriteTimeout, 2 * WriteTimeout, Metrics, logger);
        }
    }

    // One transaction of the entries' rows; its lock waits bounded by WriteTimeout (a failure is retried by DeferredAppends).
    private async Task WriteDeferredAsync(IReadOnlyList<DeferredAppends.Entry> entries)
    {
        using var deadline = new CancellationTokenSource(WriteTimeout);
        await WriteAloneAsync(async (c, tx, t) =>
        {
            foreach (var entry in entries) await entry.Statement.ExecuteAsync(c, tx, entry.Rows, t).ConfigureAwait(false);
            return entries.Count;
        }, CancellationToken.None, deadline.Token).ConfigureAwait(false);
    }

    /// <summary>Idle SQLite read connections kept open (with their compiled statements); more are opened when needed.</summary>
    private const int ReaderPoolCapacity = 16;

    /// <summary>
    /// How long a write (or an audit row) may wait for the store before it is given up with nothing stored
    /// (<see cref="StoreUnavailableException"/>): a lock another process holds, an exhausted connection pool.
    /// </summary>
    public TimeSpan WriteTimeout { get; }

    /// <summary>When a write last gave up for want of the store, and when one last got through (readiness reads them).</summary>
    public WriteOutcomes Writes { get; } = new();

    /// <summary>Group-commit batch sizes and flush times, and writes given up (README "Metrics").</summary>
    public StoreMetrics Metrics { get; }

    /// <summary>True when writes share transactions through group commit (single-writer stores).</summary>
    public bool GroupCommit => _groupCommit is not null;

    public IConnectionFactory Connections { get; }

    /// <summary>
    /// Writes the deferred rows still pending (up to twice <see cref="WriteTimeout"/>), stops the group-commit writer after
    /// the writes already queued, then closes idle readers (the host disposes this at shutdown).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_deferred is not null) await _deferred.DisposeAsync().ConfigureAwait(false);
        if (_groupCommit is not null) await _groupCommit.DisposeAsync().ConfigureAwait(false);
        if (_readers is not null) await _readers.DisposeAsync().ConfigureAwait(false);
        Metrics.Dispose();
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
    public async ValueTask<T> ReadUnsettledAsync<T>(Func<DbConnection, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        try
        {
            return await ReadCoreAsync(work, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (Connections.IsLockTimeout(e))
        {
            // A table lock held elsewhere (PostgreSQL lock_timeout): 503 with Retry-After, never a hang; readiness hears of it.
            Writes.GaveUp();
            throw new StoreUnavailableException(WriteTimeout, e);
        }
    }

    private ValueTask<T> ReadCoreAsync<T>(Func<DbConnection, CancellationToken, Task<T>> work, CancellationToken ct) =>
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
    /// Fails closed (SPEC v2 Security, continued): a unit that cannot reach the store within <see cref="WriteTimeout"/>,
    /// or that still meets a transient error after the retries, is abandoned with nothing stored and throws
    /// <see cref="StoreUnavailableException"/> — never a hang.
    /// </summary>
    public async ValueTask<T> WriteAsync<T>(Func<DbConnection, DbTransaction, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        using var deadline = Deadline(ct);
        try
        {
            var result = _groupCommit is { } group
                ? AnswerHeld.Value is { } hold
                    ? await WriteHeldAsync(group, hold, work, ct, deadline.Token).ConfigureAwait(false)
                    : await group.WriteAsync(work, ct, deadline.Token).ConfigureAwait(false)
                : await WriteAloneAsync(work, ct, deadline.Token).ConfigureAwait(false);
            Writes.Succeeded();
            return result;
        }
        catch (Exception e) when (Unavailable(e, deadline, ct) is { } unavailable)
        {
            throw unavailable;
        }
    }

    private CancellationTokenSource Deadline(CancellationToken ct)
    {
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(WriteTimeout);
        return deadline;
    }

    // The deadline (not the caller) withdrew the unit, a lock wait timed out, or the store stayed busy through every
    // retry: nothing of the unit was stored.
    private StoreUnavailableException? Unavailable(Exception e, CancellationTokenSource deadline, CancellationToken ct)
    {
        if (e is OperationCanceledException && deadline.IsCancellationRequested && !ct.IsCancellationRequested
            || Connections.IsLockTimeout(e) || Connections.IsTransient(e))
        {
            Writes.GaveUp();
            Metrics.WriteGaveUp();
            return new StoreUnavailableException(WriteTimeout, e);
        }
        return null;
    }

    /// <summary>
    /// Readiness: whether a write could take the store's write lock within <paramref name="within"/> — SQLite's one
    /// writer lock (BEGIN IMMEDIATE), or on PostgreSQL the lock every audited call needs on the audit table. Stores
    /// nothing. Concurrent probes share one attempt, and a result is reused for a second, so a flood of probes costs
    /// at most one lock attempt at a time.
    /// </summary>
    public Task<bool> CanWriteAsync(TimeSpan within)
    {
        lock (_probeGate)
        {
            if (_probe is { } running && (!running.IsCompleted || Environment.TickCount64 - _probeStarted < 1000)) return running;
            _probeStarted = Environment.TickCount64;
            return _probe = ProbeAsync(within);
        }
    }

    private readonly Lock _probeGate = new();
    private Task<bool>? _probe;
    private long _probeStarted;

    private async Task<bool> ProbeAsync(TimeSpan within)
    {
        using var deadline = new CancellationTokenSource(within);
        Func<DbConnection, DbTransaction, CancellationToken, Task<int>> probe = Connections.Provider == "postgres"
            ? (c, tx, t) => c.ExecuteAsync(new CommandDefinition("LOCK TABLE audit_events IN ROW EXCLUSIVE MODE", transaction: tx, cancellationToken: t))
            : (_, _, _) => Task.FromResult(0);
        try
        {
            _ = _groupCommit is { } group
                ? await group.WriteAsync(probe, CancellationToken.None, deadline.Token).ConfigureAwait(false)
                : await WriteAloneAsync(probe, CancellationToken.None, deadline.Token, within).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException && deadline.IsCancellationRequested || Connections.IsLockTimeout(e) || Connections.IsTransient(e))
        {
            return false;
        }
    }

    // Acknowledged after a flush that covers its batch and every batch before it: the held answer's earlier reads too.
    private static async ValueTask<T> WriteHeldAsync<T>(
        GroupCommitWriter group, AnswerHold hold, Func<DbConnection, DbTransaction, CancellationToken, Task<T>> work, CancellationToken ct, CancellationToken deadline)
    {
        var result = await group.WriteAsync(work, ct, deadline).ConfigureAwait(false);
        hold.Covered(group.Durable);
        return result;
    }

    /// <summary>True when <see cref="TryAppendDeferred"/> may take rows (<see cref="DatabaseRetryOptions.DeferredAppendRows"/> above 0).</summary>
    public bool DefersAppends => _deferred is not null;

    /// <summary>
    /// Hands rows of an append-only table to the store's writer without waiting for them (issue 24: the audit rows of
    /// reads with <c>Audit:ReadDurability=deferred</c>): with group commit they join the next batch, otherwise a background
    /// writer batches them. False — nothing taken, the caller must use <see cref="AppendAsync"/> and wait — when deferral is
    /// off, the pending rows would exceed <see cref="DatabaseRetryOptions.DeferredAppendRows"/>, a deferred write is failing,
    /// the oldest pending row is older than <see cref="WriteTimeout"/>, or the store is stopping. Taken rows are retried
    /// until written; <paramref name="label"/> (a request id, never patient data) names them in the log if they are lost.
    /// </summary>
    public bool TryAppendDeferred(AppendStatement statement, IReadOnlyList<object?[]> rows, string label) =>
        _deferred?.TryAdd(statement, rows, label) ?? false;

    /// <summary>
    /// Appends rows to an append-only table and returns once they are committed. With group commit they ride along in
    /// the current batch through one prepared statement; otherwise they are a unit of their own.
    /// </summary>
    /// Bounded like <see cref="WriteAsync{T}"/>: rows that cannot be written within <see cref="WriteTimeout"/> are not
    /// written, and <see cref="StoreUnavailableException"/> says so. <paramref name="ct"/> cancels the wait (the rows
    /// of a caller that went away are still written).
    public async Task<int> AppendAsync(AppendStatement statement, IReadOnlyList<object?[]> rows, CancellationToken ct)
    {
        using var deadline = Deadline(CancellationToken.None);
        try
        {
            var written = await (_groupCommit is { } group
                ? group.AppendAsync(statement, rows, deadline.Token).WaitAsync(ct)
                : WriteAloneAsync((c, tx, t) => statement.ExecuteAsync(c, tx, rows, t), CancellationToken.None, deadline.Token).AsTask().WaitAsync(ct)).ConfigureAwait(false);
            _deferred?.StoreTookRows();
            return written;
        }
        catch (Exception e) when (Unavailable(e, deadline, ct) is { } unavailable)
        {
            throw unavailable;
        }
    }

    /// <summary>
    /// One transaction of its own (PostgreSQL, or SQLite without group commit). <paramref name="deadline"/> bounds the
    /// wait for a connection and the retries; inside the transaction each lock wait is bounded by
    /// <paramref name="lockWait"/> (default <see cref="WriteTimeout"/>), while the work itself runs under the caller's
    /// <paramref name="ct"/> — a slow unit that holds its locks is not cut short, one that waits on another's is.
    /// </summary>
    private ValueTask<T> WriteAloneAsync<T>(
        Func<DbConnection, DbTransaction, CancellationToken, Task<T>> work, CancellationToken ct, CancellationToken deadline, TimeSpan? lockWait = null) =>
        _pipeline.ExecuteAsync(async (state, token) =>
        {
            await using var connection = await state.Connections.OpenAsync(token).ConfigureAwait(false);
            await using var tx = await state.Connections.BeginWriteAsync(connection, token, state.lockWait).ConfigureAwait(false);
            var result = await state.work(connection, tx, state.ct).ConfigureAwait(false);
            try
            {
                // Not cancellable: a COMMIT cut short by the deadline or a departing caller would leave its outcome unknown.
                await tx.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (state.Connections.IsTransient(e))
            {
                // The commit may have landed before the connection failed: re-running the unit could store a twin, so
                // this is never retried here. Clients retry with their Idempotency-Key, which the database settles.
                throw new CommitOutcomeUnknownException(e);
            }
            return result;
        }, (Connections, work, ct, lockWait: lockWait ?? WriteTimeout), deadline);
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

/// <summary>Retry and timeout settings of the store pipeline (from the "Storage" section).</summary>
public sealed class DatabaseRetryOptions
{
    /// <summary>How long a write may wait for the store before it fails closed (<see cref="Database.WriteTimeout"/>).</summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public int MaxRetryAttempts { get; set; } = 4;
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Share one transaction among concurrent writes on a single-writer store (SQLite). Off: one transaction each.</summary>
    public bool GroupCommit { get; set; } = true;

    /// <summary>
    /// Rows that <see cref="Database.TryAppendDeferred"/> may hold pending at once (the API sets it from
    /// <c>Audit:DeferredRowsQueued</c> when <c>Audit:ReadDurability=deferred</c>); 0: no deferral, every append is waited for.
    /// </summary>
    public int DeferredAppendRows { get; set; }
}

/// <summary>
/// The store could not take a write within <see cref="Database.WriteTimeout"/> (a lock held by another process or
/// transaction, an exhausted pool) or stayed busy through every retry. Nothing of the write was stored: the caller may
/// retry it (the API answers 503 with Retry-After).
/// </summary>
public sealed class StoreUnavailableException(TimeSpan waited, Exception inner)
    : Exception($"The store could not take the write within {waited.TotalSeconds:0.###} s; nothing was stored.", inner)
{
    public TimeSpan Waited { get; } = waited;
}

/// <summary>
/// When writes last gave up for want of the store and last got through: while the latest outcome is a give-up, the store
/// is not taking writes, and readiness says so (a load balancer or operator sees it before callers do).
/// </summary>
public sealed class WriteOutcomes
{
    /// <summary>How long a give-up keeps readiness degraded without a write getting through since.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    private long _lastGaveUp = long.MinValue, _lastSucceeded = long.MinValue;

    internal void GaveUp() => Volatile.Write(ref _lastGaveUp, Environment.TickCount64);

    /// <summary>A caller's write unit committed (not an audit row, not a readiness probe: those prove nothing of other tables).</summary>
    internal void Succeeded()
    {
        // Most writes succeed: skip the write to a shared cache line when nothing has failed since the last one.
        if (Volatile.Read(ref _lastSucceeded) <= Volatile.Read(ref _lastGaveUp)) Volatile.Write(ref _lastSucceeded, Environment.TickCount64);
    }

    /// <summary>True when a write gave up for want of the store within <see cref="Window"/> and none has got through since.</summary>
    public bool Failing
    {
        get
        {
            var gaveUp = Volatile.Read(ref _lastGaveUp);
            return gaveUp > Volatile.Read(ref _lastSucceeded) && Environment.TickCount64 - gaveUp < (long)Window.TotalMilliseconds;
        }
    }
}

/// <summary>The connection failed during COMMIT: the write may or may not have been stored.</summary>
public sealed class CommitOutcomeUnknownException(Exception inner)
    : Exception("The store connection failed while committing; the outcome is unknown.", inner);
