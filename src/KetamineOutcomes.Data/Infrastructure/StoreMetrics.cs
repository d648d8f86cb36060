using System.Diagnostics.Metrics;

namespace KetamineOutcomes.Data.Infrastructure;

/// <summary>
/// The store's own instruments, on a BCL <see cref="Meter"/> named <see cref="MeterName"/> (the data layer takes no
/// telemetry package; the API exports whatever listens to this name). Values carry no tags at all, so nothing about a
/// patient can reach them. Names and units are the ones README "Metrics" lists.
/// </summary>
public sealed class StoreMetrics : IDisposable
{
    /// <summary>The meter's name, for a listener to subscribe to.</summary>
    public const string MeterName = "KetamineOutcomes.Store";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _flushSeconds;
    private Histogram<double>? _deferredLag;
    private long _gaveUp, _deferredFellBack, _deferredLost, _checkpointFailures;

    /// <param name="meters">The host's meter factory (its meters are disposed with it); null: a meter of this instance's own.</param>
    public StoreMetrics(IMeterFactory? meters = null)
    {
        _ownsMeter = meters is null;
        _meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _batchSize = _meter.CreateHistogram("ketamine_outcomes.group_commit.batch_size", "{write}",
            "Units of work (writes and audit appends) run together in one group-commit transaction (SQLite).",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, GroupCommitWriter.MaxBatch] });
        _flushSeconds = _meter.CreateHistogram("ketamine_outcomes.group_commit.flush.duration", "s",
            "Time of one WAL flush to disk (fsync), which covers every batch committed since the previous flush (SQLite).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        // Observed rather than added to, so it is exported from the start at 0 (a rate over it is defined before the
        // first give-up; a plain counter shows nothing until its first increment).
        _meter.CreateObservableCounter("ketamine_outcomes.store.writes_gave_up", () => Volatile.Read(ref _gaveUp), "{write}",
            "Writes (and audit rows) given up with nothing stored because the store could not take them within Storage:WriteTimeout (answered 503).");
        _meter.CreateObservableCounter("ketamine_outcomes.sqlite.checkpoint.failures", () => Volatile.Read(ref _checkpointFailures), "{checkpoint}",
            "SQLite WAL checkpoints that failed on the checkpoint thread (nothing is lost; the WAL grows until one succeeds).");
    }

    /// <summary>
    /// The instruments of deferred audit rows (<c>Audit:ReadDurability=deferred</c>, issue 24): created only in that
    /// mode. The window a power cut can lose is <c>oldest_unflushed.age</c> now and <c>flush_lag</c> over time.
    /// </summary>
    internal void ObserveDeferred(Func<long> pendingRows, Func<double> oldestAgeSeconds, Func<double> maxLagSeconds)
    {
        _deferredLag = _meter.CreateHistogram("ketamine_outcomes.audit.deferred.flush_lag", "s",
            "Deferred read audit rows: time from the answer being released to the row being durable (committed and flushed).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _meter.CreateObservableGauge("ketamine_outcomes.audit.deferred.oldest_unflushed.age", oldestAgeSeconds, "s",
            "Age of the oldest deferred read audit row not yet durable (what a power cut now would lose starts there); 0 when none.");
        _meter.CreateObservableGauge("ketamine_outcomes.audit.deferred.flush_lag.max", maxLagSeconds, "s",
            "Longest flush lag of a deferred read audit row since the previous scrape (each scrape starts a new window).");
        _meter.CreateObservableGauge("ketamine_outcomes.audit.deferred.pending", pendingRows, "{row}",
            "Deferred read audit rows handed over and not yet durable.");
        _meter.CreateObservableCounter("ketamine_outcomes.audit.deferred.fell_back", () => Volatile.Read(ref _deferredFellBack), "{row}",
            "Read audit rows written strictly (the answer waited) because deferring was refused: queue full, deferred writes failing or stalled, or stopping.");
        _meter.CreateObservableCounter("ketamine_outcomes.audit.deferred.lost", () => Volatile.Read(ref _deferredLost), "{row}",
            "Deferred read audit rows given up after their answer left: the store's writer faulted (outcome unknown) or the shutdown drain ran out of time.");
    }

    /// <summary>This instance's meter (tests listen to it alone).</summary>
    internal Meter Meter => _meter;

    internal void DeferredWritten(TimeSpan lag) => _deferredLag?.Record(lag.TotalSeconds);

    internal void DeferredFellBack(int rows) => Interlocked.Add(ref _deferredFellBack, rows);

    internal void DeferredLost(int rows) => Interlocked.Add(ref _deferredLost, rows);

    internal void BatchCommitted(int units) => _batchSize.Record(units);

    internal void Flushed(TimeSpan took) => _flushSeconds.Record(took.TotalSeconds);

    internal void WriteGaveUp() => Interlocked.Increment(ref _gaveUp);

    internal void CheckpointFailed() => Interlocked.Increment(ref _checkpointFailures);

    /// <summary>WAL checkpoints failed so far (what <c>ketamine_outcomes.sqlite.checkpoint.failures</c> reports).</summary>
    internal long CheckpointFailures => Volatile.Read(ref _checkpointFailures);

    public void Dispose()
    {
        if (_ownsMeter) _meter.Dispose();
    }
}
