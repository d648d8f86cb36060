using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Polly;

namespace KetamineOutcomes.Data.Infrastructure;

/// <summary>
/// Group commit for a single-writer store (SQLite): units of work from concurrent requests queue here, one loop runs
/// whatever has queued as one transaction — each unit inside its own SAVEPOINT, so a unit that throws is rolled back
/// alone — and commits once. No unit's result is handed back before the COMMIT that made it durable returns, so an
/// acknowledged write is exactly as durable as with a transaction of its own; the fsync is shared. Batches form by
/// themselves: while one commits, the next queues (no added delay at low load).
/// </summary>
internal sealed class GroupCommitWriter : IAsyncDisposable
{
    /// <summary>Upper bound on units per transaction, so one commit never holds the results of too many callers.</summary>
    public const int MaxBatch = 256;

    private static readonly AsyncLocal<bool> InsideUnit = new();

    private readonly SqliteConnectionFactory _connections;
    private readonly ResiliencePipeline _pipeline;
    private readonly Channel<IUnit> _queue = Channel.CreateUnbounded<IUnit>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private WriterConnection? _writer;

    public GroupCommitWriter(SqliteConnectionFactory connections, ResiliencePipeline pipeline)
    {
        _connections = connections;
        _pipeline = pipeline;
        // A thread of its own: SQLite's calls (fsync included) block, and a thread-pool thread blocked for good would leave
        // request handling one thread short until the pool noticed. Started without the caller's execution context, so
        // the loop never inherits a request's AsyncLocals.
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _loop = done.Task;
        using (ExecutionContext.SuppressFlow())
        {
            new Thread(() =>
            {
                try { Loop(); done.SetResult(); }
                catch (Exception e) { done.SetException(e); }
            }) { IsBackground = true, Name = "sqlite-group-commit" }.Start();
        }
    }

    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        // A unit that waited on another unit would wait on its own batch forever.
        if (InsideUnit.Value) throw new InvalidOperationException("A unit of work must not start another write; use the connection and transaction it was given.");
        ct.ThrowIfCancellationRequested();
        return Enqueue(new Unit<T>(work, ct)).Task;
    }

    /// <summary>Append-only rows (the audit trail): the same batching, on the writer connection's compiled statement.</summary>
    public Task<int> AppendAsync(AppendStatement statement, IReadOnlyList<object?[]> rows) => Enqueue(new AppendUnit(statement, rows)).Task;

    private TUnit Enqueue<TUnit>(TUnit unit) where TUnit : IUnit =>
        _queue.Writer.TryWrite(unit) ? unit : throw new InvalidOperationException("The group-commit writer has stopped.");

    /// <summary>Finishes what is queued, then closes the writer connection.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        if (_writer is not null) await _writer.DisposeAsync().ConfigureAwait(false);
    }

    private void Loop()
    {
        var batch = new List<IUnit>(MaxBatch);
        // Waits block this thread (it has nothing else to do) rather than hop to the pool.
        while (_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var unit))
            {
                if (unit.CancellationToken.IsCancellationRequested) unit.Cancel();
                else batch.Add(unit);
            }
            if (batch.Count == 0) continue;
            try
            {
                // A transient failure (SQLITE_BUSY from another process) re-runs the whole batch: nothing of it was kept.
                // Blocking on purpose: the batch's work completes synchronously on this thread (SQLite), and a retry's
                // back-off delay must not move the loop onto a pool thread.
                _pipeline.ExecuteAsync(static async (state, _) => await state.Item1.RunBatchAsync(state.batch).ConfigureAwait(false),
                    (this, batch), CancellationToken.None).AsTask().GetAwaiter().GetResult();
                foreach (var unit in batch) unit.Deliver();
            }
            catch (Exception e)
            {
                foreach (var unit in batch) unit.Fail(e);
            }
        }
    }

    private async Task RunBatchAsync(List<IUnit> batch)
    {
        var writer = _writer ??= await WriterConnection.OpenAsync(_connections).ConfigureAwait(false);
        try
        {
            await using var tx = await _connections.BeginWriteAsync(writer.Connection.Inner, CancellationToken.None).ConfigureAwait(false);
            foreach (var unit in batch)
            {
                unit.Reset();
                if (unit.CancellationToken.IsCancellationRequested)
                {
                    unit.Cancelled();
                    continue;
                }
                await writer.SavepointAsync(tx).ConfigureAwait(false);
                try
                {
                    InsideUnit.Value = true;
                    await unit.RunAsync(writer, tx).ConfigureAwait(false);
                    await writer.ReleaseAsync(tx).ConfigureAwait(false);
                }
                catch (Exception e) when (!_connections.IsTransient(e))
                {
                    // Only this unit's statements are undone; the rest of the batch goes on.
                    await writer.RollbackToSavepointAsync(tx).ConfigureAwait(false);
                    unit.Failed(e);
                }
                finally
                {
                    InsideUnit.Value = false;
                }
            }
            try
            {
                await tx.CommitAsync(CancellationToken.None).ConfigureAwait(false);
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
        CancellationToken CancellationToken { get; }
        void Reset();
        Task RunAsync(WriterConnection writer, DbTransaction tx);
        void Failed(Exception e);
        void Cancelled();
        void Cancel();
        void Deliver();
        void Fail(Exception e);
    }

    /// <summary>One caller's unit: its work, and its outcome held back until the batch's COMMIT settles.</summary>
    private sealed class Unit<T>(Func<DbConnection, DbTransaction, CancellationToken, Task<T>> work, CancellationToken ct) : IUnit
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;
        private Exception? _error;
        private bool _cancelled;

        public Task<T> Task => _done.Task;
        public CancellationToken CancellationToken => ct;

        public void Reset() => (_result, _error, _cancelled) = (default, null, false);

        public async Task RunAsync(WriterConnection writer, DbTransaction tx) => _result = await work(writer.Connection, tx, ct).ConfigureAwait(false);

        public void Failed(Exception e) => _error = e;
        public void Cancelled() => _cancelled = true;
        public void Cancel() => _done.TrySetCanceled(ct);

        public void Deliver()
        {
            if (_cancelled) _done.TrySetCanceled(ct);
            else if (_error is not null) _done.TrySetException(_error);
            else _done.TrySetResult(_result!);
        }

        public void Fail(Exception e) => _done.TrySetException(e);
    }

    /// <summary>Rows for an append-only table; not cancellable (an audit row is written even if its caller went away).</summary>
    private sealed class AppendUnit(AppendStatement statement, IReadOnlyList<object?[]> rows) : IUnit
    {
        private readonly TaskCompletionSource<int> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Exception? _error;

        public Task<int> Task => _done.Task;
        public CancellationToken CancellationToken => CancellationToken.None;

        public void Reset() => _error = null;

        public Task RunAsync(WriterConnection writer, DbTransaction tx) => statement.ExecuteAsync(writer.Connection, tx, rows, CancellationToken.None);

        public void Failed(Exception e) => _error = e;
        public void Cancelled() { }
        public void Cancel() { }

        public void Deliver()
        {
            if (_error is not null) _done.TrySetException(_error);
            else _done.TrySetResult(rows.Count);
        }

        public void Fail(Exception e) => _done.TrySetException(e);
    }
}
