using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace KetamineOutcomes.Data.Infrastructure;

/// <summary>
/// Rows of an append-only table whose caller does not wait for them to be durable (issue 24,
/// <c>Audit:ReadDurability=deferred</c>: the audit rows of reads). SQLite with group commit: each entry is handed at once
/// to the group-commit queue and rides in the next batch (and its WAL flush). Otherwise (PostgreSQL, or SQLite without
/// group commit): one background loop writes whatever has queued — up to <see cref="MaxBatch"/> entries — in one
/// transaction, whose COMMIT is durable when it returns.
/// <para>
/// Never a silent drop: an entry that fails to be written is retried (with back-off) until it is written; while any
/// write of deferred rows is failing, while the oldest pending entry is older than the stall bound (the writer is not
/// getting through: a lock held elsewhere), or while the pending rows would pass the capacity, <see cref="TryAdd"/>
/// refuses and the caller writes its rows itself and waits (fails closed, as strict mode). Rows are given up only when
/// the store's own writer faulted (a failed WAL flush or COMMIT: their outcome is unknown) or when a shutdown's drain
/// bound passes; each such row is counted (<c>ketamine_outcomes.audit.deferred.lost</c>) and its label (the request id)
/// logged at Error.
/// </para>
/// </summary>
internal sealed partial class DeferredAppends : IAsyncDisposable
{
    /// <summary>Entries per background transaction (PostgreSQL).</summary>
    public const int MaxBatch = 256;

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);

    private readonly Func<IReadOnlyList<Entry>, Task> _write;
    private readonly Channel<Entry>? _queue;
    private readonly Task _loop = Task.CompletedTask;
    private readonly int _capacity;
    private readonly TimeSpan _stalledAfter, _drainFor;
    private readonly StoreMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly LinkedList<Entry> _pending = new();
    private int _pendingRows;
    private bool _failing, _closed;
    private long _drainDeadline = long.MaxValue;
    private TaskCompletionSource? _drained;
    private long _maxLagTicks;

    /// <param name="write">Writes the entries' rows in one transaction; completes once they are durable.</param>
    /// <param name="perEntry">True: each entry is written on its own as it arrives (group commit batches them); false: a background loop batches.</param>
    /// <param name="capacity">Rows that may wait at once; more are refused (the caller writes them itself).</param>
    /// <param name="stalledAfter">An oldest pending entry older than this refuses new ones (the store's write timeout).</param>
    /// <param name="drainFor">How long <see cref="DisposeAsync"/> keeps trying to write what is pending.</param>
    public DeferredAppends(Func<IReadOnlyList<Entry>, Task> write, bool perEntry, int capacity, TimeSpan stalledAfter, TimeSpan drainFor,
        StoreMetrics metrics, ILogger? logger)
    {
        (_write, _capacity, _stalledAfter, _drainFor, _metrics) = (write, capacity, stalledAfter, drainFor, metrics);
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        metrics.ObserveDeferred(PendingRows, OldestAgeSeconds, TakeMaxLagSeconds);
        if (!perEntry)
        {
            _queue = Channel.CreateUnbounded<Entry>(new UnboundedChannelOptions { SingleReader = true });
            _loop = Task.Run(LoopAsync);
        }
    }

    /// <summary>One caller's rows, with when they were handed over.</summary>
    internal sealed class Entry(AppendStatement statement, IReadOnlyList<object?[]> rows, string label)
    {
        public AppendStatement Statement { get; } = statement;
        public IReadOnlyList<object?[]> Rows { get; } = rows;
        public string Label { get; } = label;
        public long HandedOver { get; } = Stopwatch.GetTimestamp();
        public LinkedListNode<Entry>? Node { get; set; }
    }

    /// <summary>
    /// Takes the rows to be written without the caller waiting, or refuses (false: the caller must write them itself):
    /// stopping, a deferred write failing, the oldest pending entry stalled, or the capacity reached.
    /// </summary>
    public bool TryAdd(AppendStatement statement, IReadOnlyList<object?[]> rows, string label)
    {
        var entry = new Entry(statement, rows, label);
        lock (_gate)
        {
            if (_closed || _failing || _pendingRows + rows.Count > _capacity
                || _pending.First is { } oldest && Stopwatch.GetElapsedTime(oldest.Value.HandedOver) > _stalledAfter)
            {
                _metrics.DeferredFellBack(rows.Count);
                return false;
            }
            entry.Node = _pending.AddLast(entry);
            _pendingRows += rows.Count;
        }
        if (_queue is { } queue) queue.Writer.TryWrite(entry);
        else _ = WriteAsync([entry]);
        return true;
    }

    /// <summary>A caller's own (waited-for) append got through: the store takes rows again.</summary>
    public void StoreTookRows()
    {
        if (!Volatile.Read(ref _failing)) return;
        lock (_gate) _failing = false;
    }

    private async Task LoopAsync()
    {
        var batch = new List<Entry>(MaxBatch);
        while (await _queue!.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var entry)) batch.Add(entry);
            await WriteAsync(batch).ConfigureAwait(false);
            batch.Clear();
        }
    }

    // Retries until written; gives up only on an unknown outcome (a retry could store a twin, and a faulted writer takes
    // nothing more) or once a shutdown's drain bound has passed.
    private async Task WriteAsync(IReadOnlyList<Entry> entries)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await _write(entries).ConfigureAwait(false);
                Written(entries);
                return;
            }
            catch (Exception e) when (e is not CommitOutcomeUnknownException && Stopwatch.GetTimestamp() < Volatile.Read(ref _drainDeadline))
            {
                Failing(e);
                await Task.Delay(Backoff(attempt)).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Lost(entries, e);
                return;
            }
        }
    }

    private static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 25 * Math.Pow(2, Math.Min(attempt, 10))));

    private void Written(IReadOnlyList<Entry> entries)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            foreach (var entry in entries)
            {
                var lag = now - entry.HandedOver;
                _metrics.DeferredWritten(Stopwatch.GetElapsedTime(entry.HandedOver, now));
                if (lag > _maxLagTicks) _maxLagTicks = lag;
                Remove(entry);
            }
            if (_failing) LogRecovered(_logger);
            _failing = false;
            SignalIfDrained();
        }
    }

    private void Failing(Exception e)
    {
        lock (_gate)
        {
            if (!_failing) LogFailing(_logger, e.GetType().Name, _pendingRows);
            _failing = true;
        }
    }

    private void Lost(IReadOnlyList<Entry> entries, Exception e)
    {
        lock (_gate)
        {
            var rows = 0;
            foreach (var entry in entries)
            {
                rows += entry.Rows.Count;
                Remove(entry);
            }
            _failing = true;
            _metrics.DeferredLost(rows);
            LogLost(_logger, rows, e.GetType().Name, string.Join(", ", entries.Select(x => x.Label)));
            SignalIfDrained();
        }
    }

    private void Remove(Entry entry)
    {
        if (entry.Node is not { List: not null } node) return;
        _pending.Remove(node);
        _pendingRows -= entry.Rows.Count;
    }

    private void SignalIfDrained()
    {
        if (_closed && _pending.Count == 0) _drained?.TrySetResult();
    }

    private long PendingRows()
    {
        lock (_gate) return _pendingRows;
    }

    /// <summary>Age of the oldest row handed over and not yet durable; 0 when none is pending.</summary>
    internal double OldestAgeSeconds()
    {
        lock (_gate) return _pending.First is { } oldest ? Stopwatch.GetElapsedTime(oldest.Value.HandedOver).TotalSeconds : 0;
    }

    // The longest hand-over-to-durable lag since the previous reading (each scrape starts a new window).
    private double TakeMaxLagSeconds()
    {
        lock (_gate)
        {
            var max = _maxLagTicks;
            _maxLagTicks = 0;
            return (double)max / Stopwatch.Frequency;
        }
    }

    /// <summary>
    /// Refuses new entries, then waits until every pending one is written — retrying failures until the drain bound
    /// passes, after which what is left is logged and counted as lost. The store closes only after this.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Task drained;
        lock (_gate)
        {
            _closed = true;
            Volatile.Write(ref _drainDeadline, Stopwatch.GetTimestamp() + (long)(_drainFor.TotalSeconds * Stopwatch.Frequency));
            _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            SignalIfDrained();
            drained = _drained.Task;
        }
        _queue?.Writer.TryComplete();
        await drained.ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 93, Level = LogLevel.Warning,
        Message = "Deferred audit rows could not be written ({ErrorType}; {Rows} row(s) pending): retrying; meanwhile reads write their audit rows themselves and fail closed")]
    private static partial void LogFailing(ILogger logger, string errorType, int rows);

    [LoggerMessage(EventId = 94, Level = LogLevel.Information, Message = "Deferred audit rows are being written again")]
    private static partial void LogRecovered(ILogger logger);

    [LoggerMessage(EventId = 95, Level = LogLevel.Error,
        Message = "Deferred audit rows lost ({ErrorType}): {Rows} row(s) of answered reads, requests {RequestIds}")]
    private static partial void LogLost(ILogger logger, int rows, string errorType, string requestIds);
}
