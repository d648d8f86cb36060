using System.Data.Common;
using System.Threading.Channels;
using Polly;

namespace KetamineOutcomes.Data.Infrastructure;

/// <summary>
/// Group commit for a single-writer store (SQLite): units of work from concurrent requests queue here, one loop runs
/// whatever has queued as one transaction — each unit inside its own SAVEPOINT, so a unit that throws is rolled back
/// alone — and commits once. No unit's result is handed back before the COMMIT that made it durable returns, so an
/// acknowledged write is exactly as durable as with a transaction of its own; the fsync is shared. Batches form by
/// themselves: while one commits, the next queues (no added delay at low load).
/// </summary>
internal sealed class GroupCommitWriter
{
    /// <summary>Upper bound on units per transaction, so one commit never holds the results of too many callers.</summary>
    public const int MaxBatch = 256;

    private static readonly AsyncLocal<bool> InsideUnit = new();

    private readonly IConnectionFactory _connections;
    private readonly ResiliencePipeline _pipeline;
    private readonly Channel<IUnit> _queue = Channel.CreateUnbounded<IUnit>(new UnboundedChannelOptions { SingleReader = true });

    public GroupCommitWriter(IConnectionFactory connections, ResiliencePipeline pipeline)
    {
        _connections = connections;
        _pipeline = pipeline;
        // Started without the caller's execution context, so the loop never inherits a request's AsyncLocals.
        using (ExecutionContext.SuppressFlow()) _ = Task.Run(LoopAsync);
    }

    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        // A unit that waited on another unit would wait on its own batch forever.
        if (InsideUnit.Value) throw new InvalidOperationException("A unit of work must not start another write; use the connection and transaction it was given.");
        ct.ThrowIfCancellationRequested();
        var unit = new Unit<T>(work, ct);
        if (!_queue.Writer.TryWrite(unit)) throw new InvalidOperationException("The group-commit writer has stopped.");
        return unit.Task;
    }

    private async Task LoopAsync()
    {
        var batch = new List<IUnit>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
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
                await _pipeline.ExecuteAsync(static async (state, _) => await state.Item1.RunBatchAsync(state.batch).ConfigureAwait(false),
                    (this, batch), CancellationToken.None).ConfigureAwait(false);
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
        await using var connection = await _connections.OpenAsync(CancellationToken.None).ConfigureAwait(false);
        await using var tx = await _connections.BeginWriteAsync(connection, CancellationToken.None).ConfigureAwait(false);
        foreach (var unit in batch)
        {
            unit.Reset();
            if (unit.CancellationToken.IsCancellationRequested)
            {
                unit.Cancelled();
                continue;
            }
            await tx.SaveAsync("unit").ConfigureAwait(false);
            try
            {
                InsideUnit.Value = true;
                await unit.RunAsync(connection, tx).ConfigureAwait(false);
                await tx.ReleaseAsync("unit").ConfigureAwait(false);
            }
            catch (Exception e) when (!_connections.IsTransient(e))
            {
                // Only this unit's statements are undone; the rest of the batch goes on.
                await tx.RollbackAsync("unit").ConfigureAwait(false);
                await tx.ReleaseAsync("unit").ConfigureAwait(false);
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

    private interface IUnit
    {
        CancellationToken CancellationToken { get; }
        void Reset();
        Task RunAsync(DbConnection connection, DbTransaction tx);
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

        public async Task RunAsync(DbConnection connection, DbTransaction tx) => _result = await work(connection, tx, ct).ConfigureAwait(false);

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
}
