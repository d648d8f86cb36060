using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.Webhooks;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;
using Microsoft.Extensions.Options;

namespace KetamineOutcomes.Api.ResponseWatch;

/// <summary>
/// Writes <c>response.lost</c> and <c>remission.relapsed</c> (SPEC v2, "Response durability") once per setback (one
/// setback ends one episode, or a remission and a response together). Every <see cref="ResponseWatchOptions.Interval"/> a
/// pass reads each site's patients in bulk (three statements, as the worklist does), takes those on the response watch
/// now (<see cref="WatchList"/>) and, for each whose setback's event id (<see cref="Core.Trends.WatchEventId"/>, not of
/// the kind) is not in the outbox yet, writes the event with a delivery per endpoint — so a restart, a retried
/// submission, a pass overlapping the last, a second instance on one PostgreSQL database or a later score that changes
/// how the same setback is classed never sends it twice, and a new response followed by a new loss is a new id. Only patients on the watch at a pass are sent: a setback
/// corrected away (amended, entered in error) before the next pass is never announced, and on upgrade the patients
/// already on the watch get one event each, not their whole history.
/// Why a pass and not the submission's transaction: deciding needs the patient's infusions and every score of the
/// instrument, two more reads and a trend per PHQ-9/GAD-7 submission on the single writer (and on every correction and
/// infusion write, since each can make or unmake a setback); the README's "Response watch" records the measurement.
/// </summary>
internal sealed class ResponseWatchPass(
    Database db, WebhookTargets targets, IOptions<ResponseWatchOptions> options, TimeProvider clock, ILogger<ResponseWatchPass> logger) : PeriodicPass(clock)
{
    protected override bool ShouldRun => options.Value.Enabled && targets.All.Count > 0;

    protected override TimeSpan Interval => options.Value.Interval;

    protected override Task RunPassAsync(CancellationToken ct) => PassAsync(ct);

    protected override void PassFailed(Exception e) => logger.ResponseWatchError(e.GetType().Name);

    /// <summary>One pass over every site at the clock's now; returns how many events it wrote.</summary>
    internal async Task<int> PassAsync(CancellationToken ct)
    {
        if (targets.All.Count == 0) return 0;
        var now = DbTime.Normalize(Clock.GetUtcNow());
        var sites = await db.ReadAsync(ResponseWatchStore.SitesAsync, ct).ConfigureAwait(false);
        var written = 0;
        foreach (var site in sites)
        {
            var missing = await db.ReadAsync(async (c, t) =>
            {
                var listed = await WatchList.ReadAsync(c, site, everySite: false, instrument: null, t).ConfigureAwait(false);
                var existing = await ResponseWatchStore.ExistingEventIdsAsync(c, site, t).ConfigureAwait(false);
                // In id order, so two instances inserting the same ids on PostgreSQL take their locks in one order.
                return listed.Where(l => !existing.Contains(ResponseWatchOutbox.IdOf(l.Patient.Id, l.Entry)))
                    .Select(l => ResponseWatchOutbox.EventOf(l.Patient.Id, l.Patient.SiteId, l.Entry, now)).OrderBy(e => e.Id).ToList();
            }, ct).ConfigureAwait(false);
            if (missing.Count == 0) continue;
            written += await db.WriteAsync(async (c, tx, t) =>
            {
                var n = 0;
                foreach (var e in missing)
                    if (await OutboxStore.EnqueueIfAbsentAsync(c, tx, e, targets.All, t).ConfigureAwait(false)) n++;
                return n;
            }, ct).ConfigureAwait(false);
        }
        if (written > 0) logger.ResponseWatchWrote(written);
        return written;
    }
}

internal static class ResponseWatchServiceCollectionExtensions
{
    /// <summary>The response-watch pass and its options (the worklist endpoint needs nothing registered).</summary>
    public static IServiceCollection AddOutcomesResponseWatch(this IServiceCollection services)
    {
        services.AddOptions<ResponseWatchOptions>().BindConfiguration(ResponseWatchOptions.SectionName).ValidateSettings(ResponseWatchOptions.SectionName);
        // One instance, also resolvable by itself (tests run a pass without waiting for the timer).
        services.AddSingleton<ResponseWatchPass>();
        services.AddHostedService(s => s.GetRequiredService<ResponseWatchPass>());
        return services;
    }
}
