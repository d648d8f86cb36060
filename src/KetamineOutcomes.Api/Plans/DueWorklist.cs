using System.Data.Common;
using KetamineOutcomes.Api.Contracts;
using KetamineOutcomes.Core.Plans;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Plans;

/// <summary>
/// A site's worklist (SPEC v2, <c>GET /due</c>), derived on every read: one page walks the site's patients in id order,
/// a batch at a time (their records read together), and stops as soon as the page is full — it never computes the
/// whole site. Items come by patient id, then dueAt, then <see cref="KeyOf"/>; the cursor is the last item's
/// (patient, dueAt, key) bound to the site and status it lists (<see cref="WorklistCursor"/>), so a page neither repeats nor skips an item while records are added: a new patient's id
/// (UUIDv7) sorts after the existing ones, and a record added meanwhile changes only what its own patient lists.
/// </summary>
internal static class DueWorklist
{
    /// <summary>The worklist position after which a page starts (from a cursor).</summary>
    public readonly record struct Position(long DueAtMicros, Guid PatientId, string Key);

    private const int FirstBatch = 32, MaxBatch = 512;
    private static readonly ScheduleRecords NoRecords = new([], []);

    /// <summary>
    /// Up to <paramref name="limit"/> items after <paramref name="after"/> whose status is <paramref name="wanted"/>
    /// (null: due or overdue) at <paramref name="now"/>, and the cursor of the next page (null: none).
    /// </summary>
    public static async Task<ListResponse<WorklistItem>> PageAsync(
        DbConnection c, string siteId, OccurrenceStatus? wanted, Position? after, int limit, DateTimeOffset now, CancellationToken ct)
    {
        var plans = await SitePlans.HistoryAsync(c, siteId, ct).ConfigureAwait(false);
        var items = new List<(WorklistItem Item, string Key)>(limit + 1);
        // The cursor's own patient is read again: its items after the cursor's come first.
        var (from, inclusive, batch) = (after?.PatientId, after is not null, FirstBatch);
        while (items.Count <= limit)
        {
            var patients = await ScheduleStore.SitePatientsAsync(c, siteId, from, inclusive, batch, ct).ConfigureAwait(false);
            if (patients.Count == 0) break;
            var records = await ScheduleStore.ForSiteRangeAsync(c, siteId, patients[0].Id, patients[^1].Id, ct).ConfigureAwait(false);
            foreach (var patient in patients)
            {
                var schedule = records.GetValueOrDefault(patient.Id, NoRecords).ScheduleFrom(patient.RegisteredAt);
                var open = schedule.DueList(plans, now)
                    .Where(o => o.Status is OccurrenceStatus.Due or OccurrenceStatus.Overdue && (wanted is null || o.Status == wanted))
                    .Select(o => (o, Micros: DbTime.ToDb(o.DueAt), Key: KeyOf(o)))
                    .OrderBy(x => x.Micros).ThenBy(x => x.Key, StringComparer.Ordinal);
                foreach (var (o, micros, key) in open)
                {
                    if (after is { } a && patient.Id == a.PatientId
                        && (micros < a.DueAtMicros || micros == a.DueAtMicros && string.CompareOrdinal(key, a.Key) <= 0)) continue;
                    items.Add((new WorklistItem(patient.Id, patient.Mrn, o.RuleId, o.Instrument, o.DueAt, o.WindowEnd, o.Status), key));
                    if (items.Count > limit) break;
                }
                if (items.Count > limit) break;
            }
            if (patients.Count < batch) break;
            // Later batches grow: a site where few patients have anything open is still walked in few reads.
            (from, inclusive, batch) = (patients[^1].Id, false, Math.Min(batch * 2, MaxBatch));
        }
        string? next = null;
        if (items.Count > limit)
        {
            var (last, key) = items[limit - 1];
            next = WorklistCursor.Encode(siteId, wanted, new Position(DbTime.ToDb(last.DueAt), last.PatientId, key));
            items.RemoveRange(limit, items.Count - limit);
        }
        return new ListResponse<WorklistItem>(items.Select(i => i.Item).ToArray(), next);
    }

    // Unique within a patient's items: (rule id, dueAt) is one occurrence (DueSchedule), and the infusion an
    // after-infusion occurrence follows is kept in the key so a cursor issued before that rule changed stays exact.
    private static string KeyOf(DueOccurrence o) => o.InfusionId is { } infusion ? $"{o.RuleId}/{infusion:N}" : o.RuleId;
}
