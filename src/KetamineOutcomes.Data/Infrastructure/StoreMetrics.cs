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
    private long _gaveUp;

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
    }

    internal void BatchCommitted(int units) => _batchSize.Record(units);

    internal void Flushed(TimeSpan took) => _flushSeconds.Record(took.TotalSeconds);

    internal void WriteGaveUp() => Interlocked.Increment(ref _gaveUp);

    public void Dispose()
    {
        if (_ownsMeter) _meter.Dispose();
    }
}
