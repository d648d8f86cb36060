using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using SQLitePCL;

namespace KetamineOutcomes.Data.Infrastructure;

/// <summary>
/// Checkpoints the WAL of the group-commit writer's database on a thread and connection of its own, so the writer never
/// copies pages back into the database file nor waits for that file's fsync (SQLite's automatic checkpoint runs on the
/// committing connection, inside its COMMIT). The writer's connection has <c>wal_autocheckpoint</c> off; this thread
/// runs a PASSIVE checkpoint (it waits for no reader or writer) at most every <see cref="Interval"/> while batches are
/// committed. A page rewritten by many batches in between is copied once, not once per 1,000 frames.
/// <para>
/// Durability is SQLite's own ordering, unchanged: a checkpoint syncs the WAL before copying frames into the database
/// and syncs the database before the WAL may be restarted (this connection keeps synchronous=FULL). The writer restarts
/// the WAL from its start once a checkpoint has copied every frame and no reader needs them; the sync thread flushes
/// that same file, so nothing acknowledged depends on this thread.
/// </para>
/// <para>
/// A failed checkpoint is counted (<see cref="StoreMetrics"/>, <c>ketamine_outcomes.sqlite.checkpoint.failures</c>) and
/// logged with the exception's type and SQLite error code only — no path, no SQL, nothing from a row.
/// </para>
/// </summary>
internal sealed partial class WalCheckpointer : IAsyncDisposable
{
    /// <summary>
    /// Longest pause between checkpoints while writes come in. Measured (issue 24): at ~4,000 submissions/s the WAL grows
    /// by ~17,000 frames/s, which the automatic checkpoint copied back ~17 times a second on the writer's thread.
    /// </summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    /// <summary>Frames after which the writer checkpoints by itself all the same (about 160 MB at 4 KB pages): only if this thread fell far behind.</summary>
    public const int WriterFallbackFrames = 40_000;

    private readonly SqliteConnectionFactory _connections;
    private readonly StoreMetrics? _metrics;
    private readonly ILogger? _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _committed = new(0, 1);
    private readonly Thread _thread;
    private int _signalled;

    /// <param name="metrics">Where failed checkpoints are counted; null: not counted.</param>
    /// <param name="logger">Where a failed checkpoint is logged (a warning); null: not logged.</param>
    public WalCheckpointer(SqliteConnectionFactory connections, StoreMetrics? metrics = null, ILogger? logger = null)
    {
        _connections = connections;
        _metrics = metrics;
        _logger = logger;
        using (ExecutionContext.SuppressFlow())
        {
            _thread = new Thread(Loop) { IsBackground = true, Name = "sqlite-checkpoint" };
            _thread.Start();
        }
    }

    /// <summary>Checkpoints completed (for tests: the thread does run).</summary>
    public long Checkpoints => Interlocked.Read(ref _checkpoints);
    private long _checkpoints;

    /// <summary>Called by the writer after each COMMIT: cheap, and wakes the thread at most once per checkpoint.</summary>
    public void Committed()
    {
        if (Volatile.Read(ref _signalled) == 0 && Interlocked.Exchange(ref _signalled, 1) == 0) _committed.Release();
    }

    private void Loop()
    {
        SqliteConnection? connection = null;
        try
        {
            while (true)
            {
                try
                {
                    _committed.Wait(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                // Let batches gather first, so a page they all touch is copied once.
                if (_stop.Token.WaitHandle.WaitOne(Interval)) return;
                Volatile.Write(ref _signalled, 0);
                try
                {
                    connection ??= (SqliteConnection)_connections.OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
                    // SQLITE_BUSY here means another checkpoint is running (another process): the next round retries.
                    var rc = raw.sqlite3_wal_checkpoint_v2(connection.Handle, "main", raw.SQLITE_CHECKPOINT_PASSIVE, out _, out _);
                    if (rc is not (raw.SQLITE_OK or raw.SQLITE_BUSY)) SqliteException.ThrowExceptionForRC(rc, connection.Handle);
                    Interlocked.Increment(ref _checkpoints);
                }
                catch (Exception e)
                {
                    // A failed checkpoint loses nothing (the frames stay in the WAL); start again on a fresh connection.
                    // But a WAL that is never checkpointed grows until the writer's fallback: say so, without PHI.
                    _metrics?.CheckpointFailed();
                    if (_logger is { } logger) LogFailed(logger, e.GetType().Name, (e as SqliteException)?.SqliteErrorCode);
                    connection?.Dispose();
                    connection = null;
                }
            }
        }
        finally
        {
            connection?.Dispose();
        }
    }

    [LoggerMessage(EventId = 96, Level = LogLevel.Warning,
        Message = "SQLite WAL checkpoint failed ({ErrorType}, SQLite error code {SqliteErrorCode}): nothing is lost, the next round retries on a new connection")]
    private static partial void LogFailed(ILogger logger, string errorType, int? sqliteErrorCode);

    /// <summary>Stops the thread (a checkpoint under way finishes first) and closes its connection.</summary>
    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
        _committed.Dispose();
        return ValueTask.CompletedTask;
    }
}
