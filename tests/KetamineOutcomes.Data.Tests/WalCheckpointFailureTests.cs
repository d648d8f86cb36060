using System.Diagnostics.Metrics;
using KetamineOutcomes.Data.Infrastructure;
using Microsoft.Extensions.Logging;

namespace KetamineOutcomes.Data.Tests;

/// <summary>
/// A WAL checkpoint that fails is counted on the store's meter (<c>ketamine_outcomes.sqlite.checkpoint.failures</c>) and
/// logged with its exception type and SQLite error code only. The failure is real: the checkpoint connection's file lies
/// in a directory that does not exist, so SQLite cannot open it (SQLITE_CANTOPEN, 14).
/// </summary>
public class WalCheckpointFailureTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private sealed class Lines : ILogger
    {
        public List<(LogLevel Level, string Message)> Written { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Written) Written.Add((logLevel, formatter(state, exception) + (exception is null ? "" : " " + exception)));
        }
    }

    private static long Observed(StoreMetrics metrics)
    {
        long value = -1;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter) && instrument.Name == "ketamine_outcomes.sqlite.checkpoint.failures") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, v, _, _) => value = v);
        listener.Start();
        listener.RecordObservableInstruments();
        return value;
    }

    [Fact]
    public async Task A_failing_checkpoint_is_counted_and_logged_with_its_type_and_SQLite_code_but_not_the_path()
    {
        var missingDir = Path.Combine(Path.GetTempPath(), $"ko-no-such-dir-{Guid.NewGuid():N}");
        using var metrics = new StoreMetrics();
        var log = new Lines();
        Assert.Equal(0, Observed(metrics));
        await using (var checkpointer = new WalCheckpointer(new SqliteConnectionFactory($"Data Source={Path.Combine(missingDir, "store.db")}"), metrics, log))
        {
            checkpointer.Committed();
            var deadline = DateTime.UtcNow + Patience;
            while (metrics.CheckpointFailures == 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        }

        Assert.Equal(1, Observed(metrics));
        var line = Assert.Single(log.Written);
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Contains("SqliteException, SQLite error code 14", line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(missingDir, line.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missingDir));
    }
}
