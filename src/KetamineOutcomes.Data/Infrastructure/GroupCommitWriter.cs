using System.Data.Common;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using SQLitePCL;
using Polly;

namespace KetamineOutcomes.Data.Infrastructure;

/// <summary>
/// Group commit for a single-writer store (SQLite): units of work from concurrent requests queue here, one loop runs
/// whatever has queued as one transaction — each unit inside its own SAVEPOINT, so a unit that throws is rolled back
/// alone — and commits once. Batches form by themselves: while one runs, the next queues (no added delay at low load).
/// <para>
/// Pipelined durability (WAL files): the writer commits with synchronous=NORMAL (the WAL frames are written, not
/// flushed) and goes straight on to the next batch, while a second thread flushes the WAL file to disk once for every
/// batch committed since its last flush. No unit's result is handed back before a flush that began after its COMMIT
/// returned, so an acknowledged write is as durable as with synchronous=FULL; the flush, which used to stall the
/// writer, now overlaps the next batch. Other connections can see a committed batch before its flush; readers that
/// answer callers therefore wait for <see cref="WaitDurableAsync(CancellationToken)"/>, themselves or through a held
/// answer (see <see cref="Database.ReadAsync{T}"/> and <see cref="Database.HoldAnswerUntilDurable"/>), so no
/// response ever shows data a power cut could take back — as with PostgreSQL, which shows a commit only once flushed.
/// </para>
/// </summary>
internal sealed class GroupCommitWriter : IAsyncDisposable
{
    /// <summary>Upper bound on units per transaction, so one commit never holds the results of too many callers.</summary>
    public const int MaxBatch = 256;

    private static readonly AsyncLocal<bool> InsideUnit = new();

    private readonly SqliteConnectionFactory _connections;
    private readonly ResiliencePipeline _pipeline;
    private readonly HandOffQueue<IUnit> _queue = new();
    private readonly HandOffQueue<CommittedBatch> _committed = new();
    private readonly Action<string> _flushFile;
    private readonly StoreMetrics? _metrics;
    private readonly ILogger? _logger;
    private readonly Task _loop, _syncLoop;
    private WriterConnection? _writer;
    // WAL checkpoints off the writer's thread (WAL mode only; started with the first writer connection).
    private WalCheckpointer? _checkpointer;

    // Batch numbers: _committing is the last batch that reached COMMIT (others may see it from then on), _durable the
    // last one whose WAL frames were flushed (or that failed, leaving nothing behind). Only the writer thread moves the
    // first, only the sync thread the second.
    private long _committing, _durable;
    private TaskCompletionSource _durableMoved = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Set when a flush failed: what was committed may not be on disk, and the writer takes no more work (as PostgreSQL
    // stops on a failed fsync rather than trust a retry the kernel may answer falsely).
    private volatile Exception? _fault;
    // The WAL file the sync thread flushes; null when the store is not in WAL mode (SQLite then syncs on COMMIT itself).
    private volatile string? _walPath;

    /// <param name="logger">Where the checkpoint thread reports a failed checkpoint (<see cref="WalCheckpointer"/>).</param>
    public GroupCommitWriter(SqliteConnectionFactory connections, ResiliencePipeline pipeline, Action<string>? flushFile = null, StoreMetrics? metrics = null,
        ILogger? logger = null)
    {
        _connections = connections;
        _pipeline = pipeline;
        _flushFile = flushFile ?? FlushToDisk;
        _metrics = metrics;
        _logger = logger;
        // A thread of its own: SQLite's calls (fsync included) block, and a thread-pool thread blocked for good would leave
        // request handling one thread short until the pool noticed. Started without the caller's execution context, so
        // the loop never inherits a request's AsyncLocals.
        _loop = StartThread("sqlite-group-commit", Loop);
        // The flush blocks too (it is the point of having it elsewhere).
        _syncLoop = StartThread("sqlite-wal-flush", SyncLoop);
    }

    private static Task StartThread(string name, Action body)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (ExecutionContext.SuppressFlow())
        {
            new Thread(() =>
            {
                try { body(); done.SetResult(); }
                catch (Exception e) { done.SetException(e); }
            }) { IsBackground = true, Name = name }.Start();
        }
        return done.Task;
    }

    /// <summary>
    /// Completes once every batch that had reached COMMIT when this was called is on disk: call it after a read and
    /// before answering with what the read saw. At once when nothing is waiting for its flush.
    /// </summary>
    public Task WaitDurableAsync(CancellationToken ct) => WaitDurableAsync(Committing, ct);

    /// <summary>Completes once batch <paramref name="target"/> and all before it are on disk.</summary>
    public Task WaitDurableAsync(long target, CancellationToken ct) =>
        Volatile.Read(ref _durable) >= target && _fault is null ? Task.CompletedTask : WaitAsync(target, ct);

    /// <summary>The last batch that reached COMMIT (a read made now may have seen it).</summary>
    public long Committing => Volatile.Read(ref _committing);

    /// <summary>The last batch known to be on disk.</summary>
    public long Durable => Volatile.Read(ref _durable);

    private async Task WaitAsync(long target, CancellationToken ct)
    {
        while (true)
        {
            // Signal first, then the number: a flush that lands in between completes the signal taken.
            var moved = Volatile.Read(ref _durableMoved);
            if (_fault is { } fault) throw new CommitOutcomeUnknownException(fault);
            if (Volatile.Read(ref _durable) >= target) return;
            await moved.Task.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Queues <paramref name="work"/> (run with <paramref name="ct"/>). If <paramref name="withdrawOn"/> fires while the
    /// unit still waits — its deadline passed, or its caller went away — the unit is withdrawn, never run, and its task
    /// is cancelled at once; once started it is committed (or rolled back) and answered with its batch.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, CancellationToken, Task<T>> work, CancellationToken ct, CancellationToken withdrawOn)
    {
        // A unit that waited on another unit would wait on its own batch forever.
        if (InsideUnit.Value) throw new InvalidOperationException("A unit of work must not start another write; use the connection and transaction it was given.");
        withdrawOn.ThrowIfCancellationRequested();
        if (_fault is { } fault) return Task.FromException<T>(new CommitOutcomeUnknownException(fault));
        return Enqueue(new Unit<T>(work, ct, withdrawOn)).Task;
    }

    /// <summary>
    /// Append-only rows (the audit trail): the same batching, on the writer connection's compiled statement. Withdrawn,
    /// never run, if <paramref name="deadline"/> passes before the rows are started.
    /// </summary>
    public Task<int> AppendAsync(AppendStatement statement, IReadOnlyList<object?[]> rows, CancellationToken deadline) =>
        Enqueue(new AppendUnit(statement, rows, deadline)).Task;

    private TUnit Enqueue<TUnit>(TUnit unit) where TUnit : IUnit =>
        _queue.TryAdd(unit) ? unit : throw new InvalidOperationException("The group-commit writer has stopped.");

    /// <summary>Finishes what is queued (and its flush), then closes the writer connection.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Complete();
        await _loop.ConfigureAwait(false);
        await _syncLoop.ConfigureAwait(false);
        if (_checkpointer is not null) await _checkpointer.DisposeAsync().ConfigureAwait(false);
        if (_writer is not null) await _writer.DisposeAsync().ConfigureAwait(false);
    }

    private void Loop()
    {
        try
        {
            var batch = new List<IUnit>(MaxBatch);
            var taken = new List<IUnit>(MaxBatch);
            // Waits block this thread (it has nothing else to do) rather than hop to the pool.
            while (_queue.TakeBatch(taken, MaxBatch))
            {
                batch.Clear();
                // Units whose caller stopped waiting (went away, or its deadline passed) were answered already.
                foreach (var unit in taken)
                    if (!unit.Withdrawn) batch.Add(unit);
                taken.Clear();
                if (batch.Count == 0) continue;
                Exception? error = _fault is { } fault ? new CommitOutcomeUnknownException(fault) : null;
                if (error is null)
                {
                    try
                    {
                        // A transient failure (SQLITE_BUSY from another process) re-runs the whole batch: nothing of it was kept.
                        // Blocking on purpose: the batch's work completes synchronously on this thread (SQLite), and a retry's
                        // back-off delay must not move the loop onto a pool thread.
                        _pipeline.ExecuteAsync(static async (state, _) => await state.Item1.RunBatchAsync(state.batch).ConfigureAwait(false),
                            (this, batch), CancellationToken.None).AsTask().GetAwaiter().GetResult();
                    }
                    catch (Exception e)
                    {
                        error = e;
                    }
                    _metrics?.BatchCommitted(batch.Count);
                }
                // Outcomes go out from the sync thread, in batch order, once the flush covering this batch is done.
                _committed.TryAdd(new CommittedBatch(Volatile.Read(ref _committing), batch.ToArray(), error));
            }
        }
        finally
        {
            _committed.Complete();
        }
    }

    /// <summary>Flushes the WAL once for all batches committed since the last flush, then hands their outcomes back.</summary>
    private void SyncLoop()
    {
        var ready = new List<CommittedBatch>();
        while (_committed.TakeBatch(ready, int.MaxValue))
        {
            if (_fault is null && _walPath is { } wal && ready.Exists(b => b.Error is null))
            {
                try
                {
                    var started = Stopwatch.GetTimestamp();
                    _flushFile(wal);
                    _metrics?.Flushed(Stopwatch.GetElapsedTime(started));
                }
                catch (Exception e)
                {
                    _fault = e;
                }
            }
            // Published before any caller hears back, so a caller whose write was acknowledged never waits on its own read.
            Volatile.Write(ref _durable, ready[^1].Sequence);
            Interlocked.Exchange(ref _durableMoved, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).SetResult();
            foreach (var batch in ready)
            {
                var error = batch.Error ?? (_fault is { } fault ? new CommitOutcomeUnknownException(fault) : null);
                foreach (var unit in batch.Units)
                {
                    if (error is null) unit.Deliver();
                    else unit.Fail(error);
                }
            }
            ready.Clear();
        }
    }

    /// <summary>fsync of the WAL file. Opened per flush, so a WAL file SQLite recreated is never missed through a stale handle.</summary>
    internal static void FlushToDisk(string path)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            // SQLite removes the WAL only after checkpointing it into the database file and syncing that: nothing to flush.
            return;
        }
        using (handle) RandomAccess.FlushToDisk(handle);
    }

    private sealed record CommittedBatch(long Sequence, IUnit[] Units, Exception? Error);

    private async Task RunBatchAsync(List<IUnit> batch)
    {
        // After a retry's back-off every caller may have given up (a lock held elsewhere): take no lock for nobody.
        if (batch.TrueForAll(u => u.Withdrawn)) return;
        var writer = _writer ??= await OpenWriterAsync().ConfigureAwait(false);
        try
        {
            await using var tx = await _connections.BeginWriteAsync(writer.Connection.Inner, CancellationToken.None).ConfigureAwait(false);
            foreach (var unit in batch)
            {
                // Once started, a unit is no longer withdrawn by its caller: it is committed (or rolled back) and answered.
                if (!unit.TryStart()) continue;
                // A unit of one statement needs no savepoint: SQLite undoes a failed statement by itself (half the
                // statements an audit row costs the writer).
                var savepoint = !unit.SingleStatement;
                if (savepoint) await writer.SavepointAsync(tx).ConfigureAwait(false);
                try
                {
                    InsideUnit.Value = true;
                    await unit.RunAsync(writer, tx).ConfigureAwait(false);
                    if (savepoint) await writer.ReleaseAsync(tx).ConfigureAwait(false);
                }
                catch (Exception e) when (!_connections.IsTransient(e))
                {
                    // Only this unit's statements are undone; the rest of the batch goes on — unless the error took the
                    // whole transaction with it (disk full, I/O error), which fails the batch.
                    if (savepoint) await writer.RollbackToSavepointAsync(tx).ConfigureAwait(false);
                    else if (raw.sqlite3_get_autocommit(writer.Connection.Inner.Handle) != 0) throw;
                    unit.Failed(e);
                }
                finally
                {
                    InsideUnit.Value = false;
                }
            }
            try
            {
                // Numbered before COMMIT: from inside it on, readers may see this batch and must wait for its flush.
                Volatile.Write(ref _committing, _committing + 1);
                await tx.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                _checkpointer?.Committed();
            }
            catch (Exception e) when (_connections.IsTransient(e))
            {
                // Same rule as a unit's own transaction: a failed COMMIT is never retried; callers retry with their key.
                throw new CommitOutcomeUnknownException(e);
            }
        }
        catch
        {
            // Start the next batch on a fresh connection rather than one in an unknown state.
            _writer = null;
            await writer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Opens the writer's connection. In WAL mode it commits without flushing (synchronous=NORMAL), the sync thread
    /// flushing the WAL file instead, and leaves checkpoints to <see cref="WalCheckpointer"/>; in any other journal mode
    /// it keeps the factory's synchronous=FULL.
    /// </summary>
    private async Task<WriterConnection> OpenWriterAsync()
    {
        var writer = await WriterConnection.OpenAsync(_connections).ConfigureAwait(false);
        try
        {
            await using var command = writer.Connection.Inner.CreateCommand();
            // The pooled handle may have served as a reader with a small cache (ReaderPool). The writer keeps 16 MB, not
            // SQLite's 2 MB default: each submission dirties index pages of its own patient (scores, audit), and with 2 MB
            // even 200 patients' pages no longer fit, so they were read back and re-created for every batch (issue 24:
            // writer CPU per submission −5 % at 200 patients, interleaved; more with more patients).
            command.CommandText = "PRAGMA cache_size = -16384";
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            command.CommandText = "PRAGMA journal_mode";
            var wal = string.Equals(await command.ExecuteScalarAsync().ConfigureAwait(false) as string, "wal", StringComparison.OrdinalIgnoreCase);
            command.CommandText = "SELECT file FROM pragma_database_list WHERE name = 'main'";
            var file = await command.ExecuteScalarAsync().ConfigureAwait(false) as string;
            if (wal && !string.IsNullOrEmpty(file))
            {
                command.CommandText = "PRAGMA synchronous = NORMAL";
                await command.ExecuteNonQueryAsync().ConfigureAwait(false);
                command.CommandText = $"PRAGMA wal_autocheckpoint = {WalCheckpointer.WriterFallbackFrames}";
                await command.ExecuteNonQueryAsync().ConfigureAwait(false);
                _checkpointer ??= new WalCheckpointer(_connections, _metrics, _logger);
                _walPath = file + "-wal";
            }
            else
            {
                _walPath = null;
            }
            return writer;
        }
        catch
        {
            await writer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The loop's own connection (compiled statements kept), with its savepoint commands.</summary>
    private sealed class WriterConnection : IAsyncDisposable
    {
        private readonly DbCommand _save, _release, _rollback;

        private WriterConnection(SqliteConnection connection)
        {
            Connection = new StatementCachingConnection(connection);
            _save = Command("SAVEPOINT unit");
            _release = Command("RELEASE unit");
            _rollback = Command("ROLLBACK TO unit; RELEASE unit");
        }

        /// <summary>What units get: the connection with its compiled statements kept.</summary>
        public StatementCachingConnection Connection { get; }

        public static async Task<WriterConnection> OpenAsync(SqliteConnectionFactory factory) =>
            new((SqliteConnection)await factory.OpenAsync(CancellationToken.None).ConfigureAwait(false));

        public Task<int> SavepointAsync(DbTransaction tx) => Run(_save, tx);
        public Task<int> ReleaseAsync(DbTransaction tx) => Run(_release, tx);
        public Task<int> RollbackToSavepointAsync(DbTransaction tx) => Run(_rollback, tx);

        private static Task<int> Run(DbCommand command, DbTransaction tx)
        {
            command.Transaction = tx;
            return command.ExecuteNonQueryAsync();
        }

        private DbCommand Command(string sql)
        {
            var command = Connection.CreateCommand();
            command.CommandText = sql;
            return command;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var c in new[] { _save, _release, _rollback }) await c.DisposeAsync().ConfigureAwait(false);
            await Connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private interface IUnit
    {
        /// <summary>Runs exactly one statement (atomic by itself, so it needs no savepoint).</summary>
        bool SingleStatement { get; }
        /// <summary>The caller stopped waiting before the unit started: it is skipped, never run.</summary>
        bool Withdrawn { get; }
        /// <summary>Claims the unit for this attempt (false once withdrawn); clears what an earlier, rolled-back attempt left.</summary>
        bool TryStart();
        Task RunAsync(WriterConnection writer, DbTransaction tx);
        void Failed(Exception e);
        void Deliver();
        void Fail(Exception e);
    }

    /// <summary>
    /// Queued → started, or queued → withdrawn, decided once under one compare-and-swap: a caller whose token fires while
    /// its unit waits (behind a lock another process holds, say) is answered at once and the unit never runs; a unit
    /// already started is answered with its batch. So "cancelled" always means "not stored". A transient failure rolls
    /// the whole batch back and retries it: its units return to queued and can be withdrawn again.
    /// </summary>
    private abstract class UnitState<T>
    {
        private const int Queued = 0, Started = 1, WithdrawnState = 2;
        private readonly CancellationTokenRegistration _registration;
        private int _state;

        protected UnitState(CancellationToken ct)
        {
            Token = ct;
            if (ct.CanBeCanceled) _registration = ct.UnsafeRegister(static s => ((UnitState<T>)s!).Withdraw(), this);
        }

        protected TaskCompletionSource<T> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        protected CancellationToken Token { get; }
        public Task<T> Task => Done.Task;
        public bool Withdrawn => Volatile.Read(ref _state) == WithdrawnState;

        public bool TryStart()
        {
            // A retried batch finds its units started by the rolled-back attempt: queue them again first.
            Interlocked.CompareExchange(ref _state, Queued, Started);
            if (Interlocked.CompareExchange(ref _state, Started, Queued) != Queued) return false;
            Clear();
            return true;
        }

        private void Withdraw()
        {
            if (Interlocked.CompareExchange(ref _state, WithdrawnState, Queued) == Queued) Done.TrySetCanceled(Token);
        }

        protected abstract void Clear();

        protected void Settle() => _registration.Dispose();
    }

    /// <summary>One caller's unit: its work, and its outcome held back until the batch's COMMIT settles.</summary>
    private sealed class Unit<T>(Func<DbConnection, DbTransaction, CancellationToken, Task<T>> work, CancellationToken ct, CancellationToken withdrawOn)
        : UnitState<T>(withdrawOn), IUnit
    {
        private T? _result;
        private Exception? _error;

        public bool SingleStatement => false;

        protected override void Clear() => (_result, _error) = (default, null);

        public async Task RunAsync(WriterConnection writer, DbTransaction tx) => _result = await work(writer.Connection, tx, ct).ConfigureAwait(false);

        public void Failed(Exception e) => _error = e;

        public void Deliver()
        {
            Settle();
            if (_error is not null) Done.TrySetException(_error);
            else Done.TrySetResult(_result!);
        }

        public void Fail(Exception e)
        {
            Settle();
            Done.TrySetException(e);
        }
    }

    /// <summary>
    /// Rows for an append-only table (the audit trail). Its token is the store's write deadline, not the request's: an
    /// audit row is written even if its caller went away, but not after the caller was told the store is unavailable.
    /// </summary>
    private sealed class AppendUnit(AppendStatement statement, IReadOnlyList<object?[]> rows, CancellationToken deadline) : UnitState<int>(deadline), IUnit
    {
        private Exception? _error;

        public bool SingleStatement => rows.Count == 1;

        protected override void Clear() => _error = null;

        public Task RunAsync(WriterConnection writer, DbTransaction tx) => statement.ExecuteAsync(writer.Connection, tx, rows, CancellationToken.None);

        public void Failed(Exception e) => _error = e;

        public void Deliver()
        {
            Settle();
            if (_error is not null) Done.TrySetException(_error);
            else Done.TrySetResult(rows.Count);
        }

        public void Fail(Exception e)
        {
            Settle();
            Done.TrySetException(e);
        }
    }
}
