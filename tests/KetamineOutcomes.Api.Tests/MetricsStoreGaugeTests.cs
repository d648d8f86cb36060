using System.Diagnostics.Metrics;
using KetamineOutcomes.Api.Metrics;
using KetamineOutcomes.Data.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// README "Metrics": the alert and webhook gauges read the real store at most once per Metrics:StoreReadInterval,
/// however often they are scraped, and go absent (never stale) when the store cannot be read.
/// </summary>
public sealed class MetricsStoreGaugeTests : ApiTest
{
    /// <summary>Time that moves only when told (pure code: the interval is the only thing it decides).</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => Interlocked.Read(ref _ticks);
        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }

    private static StoreGauges Gauges(Database db, IServiceProvider meters, TimeProvider clock) =>
        new(db, meters.GetRequiredService<IMeterFactory>(), clock, Options.Create(new MetricsOptions { StoreReadInterval = TimeSpan.FromSeconds(5) }),
            NullLogger<StoreGauges>.Instance);

    /// <summary>What the gauges' instruments report now, by instrument name and level tag (as a scrape would collect them).</summary>
    private static Dictionary<string, double> Observe(StoreGauges gauges)
    {
        var seen = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == gauges.Meter) l.EnableMeasurementEvents(instrument);
        };
        void Record(Instrument i, double v, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var level = tags.Length == 0 ? "" : "/" + tags[0].Value;
            seen[i.Name + level] = v;
        }
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        listener.Start();
        listener.RecordObservableInstruments();
        return seen;
    }

    [Fact]
    public async Task Store_gauges_read_the_store_at_most_once_per_interval_however_often_scraped()
    {
        var db = App.Services.GetRequiredService<Database>();
        await using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var clock = new ManualClock();
        var gauges = Gauges(db, meters, clock);
        await gauges.RefreshAsync(CancellationToken.None);
        Assert.Equal(0, Observe(gauges)["ketamine_outcomes.safety_alerts.open/high"]);

        var patient = await CreatePatientAsync();
        await Phq9Async(patient, Day0, Phq9Items(15, item9: 3));
        // A flood of scrapes within the interval reuses the reading: the new alert is not seen yet.
        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => gauges.RefreshAsync(CancellationToken.None)));
        clock.Advance(TimeSpan.FromSeconds(4.9));
        await gauges.RefreshAsync(CancellationToken.None);
        Assert.Equal(0, Observe(gauges)["ketamine_outcomes.safety_alerts.open/high"]);

        clock.Advance(TimeSpan.FromSeconds(0.2));
        await gauges.RefreshAsync(CancellationToken.None);
        var now = Observe(gauges);
        Assert.Equal(1, now["ketamine_outcomes.safety_alerts.open/high"]);
        Assert.Equal(0, now["ketamine_outcomes.safety_alerts.open/low"]);
        Assert.Equal(0, now["ketamine_outcomes.safety_alerts.open/moderate"]);
        Assert.InRange(now["ketamine_outcomes.safety_alerts.oldest_open_high.age"], 0, 60);
    }

    [Fact]
    public async Task Store_gauges_report_nothing_when_the_store_cannot_be_read()
    {
        // A real SQLite file without the service's tables: every gauge query fails.
        var dir = Directory.CreateTempSubdirectory("ko-gauges-").FullName;
        try
        {
            await using (var db = new Database(new SqliteConnectionFactory($"Data Source={Path.Combine(dir, "empty.db")}")))
            {
                await using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
                var gauges = Gauges(db, meters, new ManualClock());
                await gauges.RefreshAsync(CancellationToken.None);
                Assert.Null(gauges.Current);
                Assert.Empty(Observe(gauges));

                // The gauges of a readable store, for contrast, report every series.
                var readable = Gauges(App.Services.GetRequiredService<Database>(), meters, new ManualClock());
                await readable.RefreshAsync(CancellationToken.None);
                Assert.Equal(6, Observe(readable).Count);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }
}
