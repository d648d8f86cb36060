using System.Diagnostics.Metrics;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Safety;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;
using Microsoft.Extensions.Options;

namespace KetamineOutcomes.Api.Metrics;

/// <summary>
/// Gauges read from the store: open safety alerts by level, the age of the oldest open high alert, the webhook
/// delivery backlog and the age of its oldest pending delivery (README "Metrics"). The store is read at most once per
/// <see cref="MetricsOptions.StoreReadInterval"/> however often Prometheus scrapes — concurrent scrapes share one
/// reading — and ages are taken from that reading at each scrape, so they keep growing between readings. When the
/// store cannot be read, these gauges report nothing (the series go absent) rather than stale numbers.
/// Values are counts and ages only, tagged by level at most: nothing about a patient.
/// </summary>
internal sealed class StoreGauges
{
    /// <summary>The meter's name, for the exporter to subscribe to.</summary>
    public const string MeterName = "KetamineOutcomes.Operations";

    /// <summary>A reading that takes longer is abandoned (the scrape then shows these series absent).</summary>
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(2);

    private readonly Database _db;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _interval;
    private readonly ILogger<StoreGauges> _logger;
    private readonly Lock _gate = new();
    private Task? _reading;
    private long? _readStarted;
    private volatile Reading? _current;

    public StoreGauges(Database db, IMeterFactory meters, TimeProvider clock, IOptions<MetricsOptions> options, ILogger<StoreGauges> logger)
    {
        (_db, _clock, _interval, _logger) = (db, clock, options.Value.StoreReadInterval, logger);
        Meter = meters.Create(MeterName);
        Meter.CreateObservableGauge("ketamine_outcomes.safety_alerts.open", OpenAlerts, "{alert}",
            "Open (unacknowledged) safety alerts, by level: low, moderate, high.");
        Meter.CreateObservableGauge("ketamine_outcomes.safety_alerts.oldest_open_high.age", OldestOpenHighAge, "s",
            "Age of the oldest open high-level safety alert; 0 when none is open.");
        Meter.CreateObservableGauge("ketamine_outcomes.webhooks.pending_deliveries", PendingDeliveries, "{delivery}",
            "Webhook deliveries not yet delivered and not failed for good (the outbox backlog).");
        Meter.CreateObservableGauge("ketamine_outcomes.webhooks.oldest_pending.age", OldestPendingAge, "s",
            "Age of the oldest pending webhook delivery; 0 when none is pending.");
    }

    /// <summary>The meter the gauges are on.</summary>
    public Meter Meter { get; }

    /// <summary>The latest reading, or null before the first or after a failed one.</summary>
    internal Reading? Current => _current;

    /// <summary>
    /// Reads the store unless a reading started less than the interval ago (whether or not it succeeded, so a flood
    /// of scrapes against an unreachable store does not retry on each); joins a reading already under way. Never throws
    /// for the store; <paramref name="ct"/> only stops this caller's wait.
    /// </summary>
    public Task RefreshAsync(CancellationToken ct)
    {
        lock (_gate)
        {
            if (_reading is { IsCompleted: false } running) return running.WaitAsync(ct);
            if (_readStarted is { } started && _clock.GetElapsedTime(started) < _interval) return Task.CompletedTask;
            _readStarted = _clock.GetTimestamp();
            return (_reading = ReadAsync()).WaitAsync(ct);
        }
    }

    private async Task ReadAsync()
    {
        using var timeout = new CancellationTokenSource(ReadTimeout, _clock);
        try
        {
            // Unsettled: counts are no caller's answer, and must not wait for a WAL flush.
            _current = await _db.ReadUnsettledAsync(async (c, t) => new Reading(
                await SafetyAlertStore.OpenByLevelAsync(c, t).ConfigureAwait(false),
                await OutboxStore.BacklogAsync(c, t).ConfigureAwait(false)), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _current = null;
            _logger.MetricsStoreReadFailed(e.GetType().Name);
        }
    }

    private IEnumerable<Measurement<long>> OpenAlerts()
    {
        if (_current is not { } r) yield break;
        // Every level always, 0 included, so a level's series never goes absent while the store is readable.
        foreach (var level in Enum.GetValues<AlertLevel>())
            yield return new(r.Alerts.FirstOrDefault(a => a.Level == level)?.Count ?? 0, new KeyValuePair<string, object?>("level", WireNames.Of(level)));
    }

    private IEnumerable<Measurement<double>> OldestOpenHighAge()
    {
        if (_current is not { } r) yield break;
        yield return new(AgeSeconds(r.Alerts.FirstOrDefault(a => a.Level == AlertLevel.High)?.OldestCreatedAt));
    }

    private IEnumerable<Measurement<long>> PendingDeliveries()
    {
        if (_current is not { } r) yield break;
        yield return new(r.Backlog.Pending);
    }

    private IEnumerable<Measurement<double>> OldestPendingAge()
    {
        if (_current is not { } r) yield break;
        yield return new(AgeSeconds(r.Backlog.OldestCreatedAt));
    }

    // Another instance's clock may run a little ahead: an age is never negative.
    private double AgeSeconds(DateTimeOffset? since) =>
        since is { } s ? Math.Max(0, (_clock.GetUtcNow() - s).TotalSeconds) : 0;

    /// <summary>One reading of the store.</summary>
    internal sealed record Reading(IReadOnlyList<OpenAlertsAtLevel> Alerts, DeliveryBacklog Backlog);
}
