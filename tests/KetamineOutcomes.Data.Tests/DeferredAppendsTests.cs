using System.Diagnostics.Metrics;
using Dapper;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;
using Microsoft.Extensions.Logging.Abstractions;

namespace KetamineOutcomes.Data.Tests;

/// <summary>
/// Deferred appends (issue 24, the audit rows of reads with Audit:ReadDurability=deferred): taken without their caller
/// waiting, written once each, counted as pending until durable — SQLite: until the WAL flush of their group commit —
/// and drained before the store closes; rows whose outcome a failed flush made unknown are counted as lost, and later
/// rows are refused (their callers then write and wait themselves).
/// </summary>
public class DeferredAppendsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static AuditEntry Entry(string requestId) =>
        new(DateTimeOffset.UtcNow, Guid.NewGuid(), "clinician", "GetTrend", 200, "success", requestId);

    /// <summary>The deferred instruments of one store's meter, read on demand.</summary>
    private sealed class DeferredReadings : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, double> _last = [];
        private readonly List<double> _lags = [];
        private double _maxLagSeen;

        public DeferredReadings(StoreMetrics metrics)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, metrics.Meter) && instrument.Name.StartsWith("ketamine_outcomes.audit.deferred.", StringComparison.Ordinal))
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => Record(instrument.Name, value));
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Record(instrument.Name, value));
            _listener.Start();
        }

        private void Record(string name, double value)
        {
            lock (_last)
            {
                if (name == "ketamine_outcomes.audit.deferred.flush_lag") _lags.Add(value);
                else _last[name] = value;
                if (name == "ketamine_outcomes.audit.deferred.flush_lag.max") _maxLagSeen = Math.Max(_maxLagSeen, value);
            }
        }

        /// <summary>Observes the gauges and counters now and returns <paramref name="name"/>'s value (the prefix left out).</summary>
        public double Now(string name)
        {
            _listener.RecordObservableInstruments();
            lock (_last) return _last["ketamine_outcomes.audit.deferred." + name];
        }

        /// <summary>The largest <c>flush_lag.max</c> any observation so far returned (each observation resets it).</summary>
        public double MaxLagSeen
        {
            get { lock (_last) return _maxLagSeen; }
        }

        public IReadOnlyList<double> Lags
        {
            get { lock (_last) return [.. _lags]; }
        }

        public void Dispose() => _listener.Dispose();
    }

    private static async Task<long> AuditRowsAsync(System.Data.Common.DbConnection c) =>
        await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_events WHERE action = 'GetTrend'");

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(what);
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task Deferred_rows_are_pending_until_the_flush_of_their_group_commit_then_written_once_each_with_their_lag_recorded()
    {
        using var open = new ManualResetEventSlim(false);
        using var db = new TempDatabase(deferredRows: 100, flushFile: path => { open.Wait(); GroupCommitWriter.FlushToDisk(path); });
        using var readings = new DeferredReadings(db.Db.Metrics);

        for (var i = 0; i < 3; i++) Assert.True(AuditStore.TryAppendDeferred(db.Db, [Guid.NewGuid()], Entry($"r{i}")));
        // Committed (visible to a plain connection) but not flushed: still pending, and ageing.
        await using (var c = await db.Factory.OpenAsync(CancellationToken.None))
        {
            var deadline = DateTime.UtcNow + Patience;
            while (await AuditRowsAsync(c) < 1 && DateTime.UtcNow < deadline) await Task.Delay(5);
        }
        await Task.Delay(50);
        Assert.Equal(3, readings.Now("pending"));
        Assert.InRange(readings.Now("oldest_unflushed.age"), 0.04, 60);
        Assert.Empty(readings.Lags);

        open.Set();
        await Eventually(() => readings.Now("pending") == 0, "the rows never became durable");
        Assert.Equal(0, readings.Now("oldest_unflushed.age"));
        Assert.Equal(3, readings.Lags.Count);
        Assert.All(readings.Lags, lag => Assert.InRange(lag, 0.04, 60));
        Assert.InRange(readings.MaxLagSeen, readings.Lags.Max() - 0.001, readings.Lags.Max() + 0.001);
        Assert.Equal(0, readings.Now("flush_lag.max")); // observed already: each observation starts a new window
        Assert.Equal(0, readings.Now("lost"));
        await using (var c = await db.Factory.OpenAsync(CancellationToken.None))
            Assert.Equal(3, await AuditRowsAsync(c));
    }

    [Fact]
    public async Task Rows_past_the_capacity_are_refused_and_counted_as_written_strictly()
    {
        using var open = new ManualResetEventSlim(false);
        using var db = new TempDatabase(deferredRows: 2, flushFile: path => { open.Wait(); GroupCommitWriter.FlushToDisk(path); });
        using var readings = new DeferredReadings(db.Db.Metrics);

        Assert.True(AuditStore.TryAppendDeferred(db.Db, [Guid.NewGuid(), Guid.NewGuid()], Entry("two patients")));
        Assert.False(AuditStore.TryAppendDeferred(db.Db, [Guid.NewGuid()], Entry("one too many")));
        Assert.Equal(1, readings.Now("fell_back"));
        open.Set();
        await Eventually(() => readings.Now("pending") == 0, "the rows never became durable");
        Assert.True(AuditStore.TryAppendDeferred(db.Db, [Guid.NewGuid()], Entry("room again")));
    }

    [Fact]
    public async Task A_failed_flush_counts_its_deferred_rows_as_lost_and_later_rows_are_refused()
    {
        using var db = new TempDatabase(deferredRows: 100, flushFile: _ => throw new IOException("EIO"));
        using var readings = new DeferredReadings(db.Db.Metrics);

        Assert.True(AuditStore.TryAppendDeferred(db.Db, [Guid.NewGuid(), Guid.NewGuid()], Entry("r1")));
        await Eventually(() => readings.Now("lost") == 2, "the rows of the failed flush were never counted as lost");
        Assert.Equal(0, readings.Now("pending"));
        // The writer has stopped (its flush failed): later rows are not taken, and a caller that writes its own is refused.
        Assert.False(AuditStore.TryAppendDeferred(db.Db, [Guid.NewGuid()], Entry("r2")));
        await Assert.ThrowsAsync<CommitOutcomeUnknownException>(() => AuditStore.AppendAsync(db.Db, [Guid.NewGuid()], Entry("r3"), CancellationToken.None));
    }

    [PostgresFact]
    public async Task PostgreSQL_writes_deferred_rows_in_background_transactions_and_drains_them_before_the_store_closes()
    {
        using var scratch = new ScratchPostgres();
        await using var f = new NpgsqlConnectionFactory(scratch.ConnectionString);
        MigrationRunner.MigratePostgres(f, NullLogger.Instance);
        var db = new Database(f, new DatabaseRetryOptions { DeferredAppendRows = 10_000 });
        using var readings = new DeferredReadings(db.Metrics);
        const int entries = 600;
        for (var i = 0; i < entries; i++) Assert.True(AuditStore.TryAppendDeferred(db, [Guid.NewGuid()], Entry($"r{i}")));
        // Disposed at once: whatever is still pending is written before it returns.
        await db.DisposeAsync();

        await using var c = await f.OpenAsync(CancellationToken.None);
        Assert.Equal(entries, await AuditRowsAsync(c));
        Assert.Equal(entries, await c.ExecuteScalarAsync<long>("SELECT COUNT(DISTINCT request_id) FROM audit_events WHERE action = 'GetTrend'"));
        Assert.Equal(entries, readings.Lags.Count);
    }
}
