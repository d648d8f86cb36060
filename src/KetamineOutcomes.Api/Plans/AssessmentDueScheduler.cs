using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.Webhooks;
using KetamineOutcomes.Core.Plans;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;
using Microsoft.Extensions.Options;

namespace KetamineOutcomes.Api.Plans;

/// <summary>
/// Emits <c>assessment.due</c> once per occurrence when it becomes due (SPEC v2, Measurement plans) through the webhook
/// outbox, so it is signed, retried and listed like every event. Every <see cref="SchedulerOptions.Interval"/> a pass
/// walks each site's patients (and those without a site) a batch at a time, as the worklist does (<see cref="DueWorklist"/>),
/// derives their occurrences now under the site's plan versions, and for each one that is due (dueAt ≤ now ≤ windowEnd,
/// not completed) writes its event under the id derived from (patient, rule, dueAt) if that id is not in the outbox yet.
/// So a restart, a pass that overlaps the last, or a second instance on one PostgreSQL database never writes an
/// occurrence twice; an occurrence whose window closed while no instance ran is not due on the next pass and is never
/// sent; one completed by the time a pass sees it is not due either. Nothing is stored beside the outbox.
/// Does nothing when disabled or when no webhook endpoint is configured (there would be no one to tell).
/// </summary>
internal sealed class AssessmentDueScheduler(
    Database db, WebhookTargets targets, IOptions<SchedulerOptions> options, TimeProvider clock, ILogger<AssessmentDueScheduler> logger) : BackgroundService
{
    // Patients read per batch: three range reads, then one read of which events exist and at most one write.
    private const int Batch = 512;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled || targets.All.Count == 0) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PassAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The next pass writes whatever this one did not: events are derived, not queued in memory.
                logger.SchedulerError(e.GetType().Name);
            }
            try { await Task.Delay(options.Value.Interval, clock, stoppingToken).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>One pass over every patient at the clock's now; returns how many events it wrote (0 when every due one was already there).</summary>
    internal async Task<int> PassAsync(CancellationToken ct)
    {
        var now = DbTime.Normalize(clock.GetUtcNow());
        var sites = await db.ReadUnsettledAsync(ScheduleStore.SitesAsync, ct).ConfigureAwait(false);
        var written = 0;
        foreach (var site in sites) written += await SiteAsync(site, now, ct).ConfigureAwait(false);
        if (written > 0) logger.SchedulerWrote(written);
        return written;
    }

    private async Task<int> SiteAsync(string? siteId, DateTimeOffset now, CancellationToken ct)
    {
        var written = 0;
        Guid? after = null;
        while (true)
        {
            var (patients, last, missing) = await db.ReadUnsettledAsync((c, t) => DueEventsAsync(c, siteId, after, now, t), ct).ConfigureAwait(false);
            if (missing.Count > 0)
            {
                written += await db.WriteAsync(async (c, tx, t) =>
                {
                    var n = 0;
                    foreach (var e in missing)
                        if (await OutboxStore.EnqueueIfAbsentAsync(c, tx, e, targets.All, t).ConfigureAwait(false)) n++;
                    return n;
                }, ct).ConfigureAwait(false);
            }
            if (patients < Batch) return written;
            after = last;
        }
    }

    // One batch: the patients after `after`, their due occurrences as events, less those already in the outbox — in id
    // order, so two instances inserting the same ids on PostgreSQL take their locks in one order (no deadlock).
    private static async Task<(int Patients, Guid? Last, List<OutboxEvent> Missing)> DueEventsAsync(
        System.Data.Common.DbConnection c, string? siteId, Guid? after, DateTimeOffset now, CancellationToken ct)
    {
        var plans = await SitePlans.HistoryAsync(c, siteId, ct).ConfigureAwait(false);
        var patients = await ScheduleStore.SitePatientsAsync(c, siteId, after, inclusive: false, Batch, ct).ConfigureAwait(false);
        if (patients.Count == 0) return (0, null, []);
        var records = await ScheduleStore.ForSiteRangeAsync(c, siteId, patients[0].Id, patients[^1].Id, ct).ConfigureAwait(false);
        // Two infusions at one instant give a rule two occurrences with one dueAt: one occurrence to remind of, one id.
        var due = new Dictionary<Guid, (Guid Patient, DueOccurrence Occurrence)>();
        foreach (var patient in patients)
        {
            if (!records.TryGetValue(patient.Id, out var r)) r = new ScheduleRecords([], []);
            foreach (var o in r.ScheduleFrom(patient.RegisteredAt).Occurrences(plans, now))
                if (o.Status == OccurrenceStatus.Due) due.TryAdd(OccurrenceEventId.For(patient.Id, o.RuleId, o.DueAt), (patient.Id, o));
        }
        var existing = await OutboxStore.ExistingAsync(c, due.Keys, ct).ConfigureAwait(false);
        return (patients.Count, patients[^1].Id, [.. due.Where(d => !existing.Contains(d.Key)).OrderBy(d => d.Key)
            .Select(d => AssessmentDueOutbox.EventOf(d.Value.Patient, siteId, d.Value.Occurrence, now))]);
    }
}
