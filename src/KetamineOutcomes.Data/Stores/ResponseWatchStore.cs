using System.Data.Common;
using Dapper;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Core.Trends;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Data.Stores;

/// <summary>A patient's live infusions and PHQ-9/GAD-7 scores, as the trend reads them, with what a worklist names.</summary>
public sealed record WatchPatient(Guid Id, string? SiteId, string? Mrn, InfusionTimeline Timeline, IReadOnlyList<ScoredAssessment> Phq9, IReadOnlyList<ScoredAssessment> Gad7)
{
    public IReadOnlyList<ScoredAssessment> ScoresOf(Instrument instrument) => instrument == Instrument.Phq9 ? Phq9 : Gad7;
}

/// <summary>
/// The response watch's bulk read (SPEC v2, "Response durability"): every patient of a site (or of every site) with
/// their live infusions and live PHQ-9/GAD-7 scores, in three statements over the per-patient covering indexes — never
/// one query per patient. Entered-in-error records are left out here exactly as the trend's own reads leave them out.
/// The scores are streamed in patient order and handed over one patient at a time, so a caller reduces each patient
/// to its watch entries at once and a whole site's histories are never held together; rows are stepped directly
/// (<see cref="BulkRows"/>). Measured on a 10,000-patient site (300,000 assessments; tests/…Benchmarks RESULTS.md,
/// "Response watch"): the read through Microsoft.Data.Sqlite's reader and grouped lists was ~85 % of a page's time.
/// </summary>
public static class ResponseWatchStore
{
    /// <summary>
    /// Hands every patient with a live PHQ-9 or GAD-7 of one site (<paramref name="everySite"/> false; <paramref name="siteId"/>
    /// null: those without a site) or of every site and none (<paramref name="everySite"/> true) to <paramref name="each"/>,
    /// in patient id order as the store sorts it, with their live records. Patients without a score are skipped: there is
    /// no trend to be on the watch with.
    /// </summary>
    public static async Task ForEachPatientAsync(DbConnection c, string? siteId, bool everySite, Action<WatchPatient> each, CancellationToken ct)
    {
        var scope = everySite ? "" : siteId is null ? " WHERE site_id IS NULL" : " WHERE site_id = @siteId";
        var where = everySite ? "" : $" AND patient_id IN (SELECT id FROM patients{scope})";
        var args = new Dictionary<string, object?> { ["siteId"] = siteId };

        var people = new Dictionary<Guid, (string? Site, string? Mrn)>();
        await using (var rows = await BulkRows.OpenAsync(c, "SELECT id, site_id, mrn FROM patients" + scope, args, ct).ConfigureAwait(false))
        {
            while (await rows.ReadAsync(ct).ConfigureAwait(false))
                people[rows.Guid(0)] = (rows.IsNull(1) ? null : rows.RepeatedText(1), rows.IsNull(2) ? null : rows.Text(2));
        }

        var timelines = new Dictionary<Guid, InfusionTimeline>();
        await using (var rows = await BulkRows.OpenAsync(c,
            $"SELECT patient_id, id, administered_at FROM infusions WHERE {LiveRecords.Condition}{where} ORDER BY patient_id, administered_at, id", args, ct).ConfigureAwait(false))
        {
            var moments = new List<InfusionMoment>();
            Guid? current = null;
            while (await rows.ReadAsync(ct).ConfigureAwait(false))
            {
                var patient = rows.RepeatedGuid(0);
                if (current != patient)
                {
                    if (current is { } done) timelines[done] = new InfusionTimeline(moments);
                    (current, moments) = (patient, []);
                }
                moments.Add(new InfusionMoment(rows.Guid(1), DbTime.FromDb(rows.Int64(2))));
            }
            if (current is { } last) timelines[last] = new InfusionTimeline(moments);
        }

        await using (var rows = await BulkRows.OpenAsync(c,
            $"SELECT patient_id, instrument, id, completed_at, total_score, prorated FROM questionnaires WHERE {LiveRecords.Condition}{where} ORDER BY patient_id, instrument, completed_at, id",
            args, ct).ConfigureAwait(false))
        {
            List<ScoredAssessment> phq9 = [], gad7 = [];
            Guid? current = null;
            void Hand(Guid id)
            {
                // A patient registered after the patients were read (or moved in since) waits for the next read.
                if (people.TryGetValue(id, out var who))
                    each(new WatchPatient(id, who.Site, who.Mrn, timelines.GetValueOrDefault(id, InfusionTimeline.Empty), phq9, gad7));
            }
            while (await rows.ReadAsync(ct).ConfigureAwait(false))
            {
                var patient = rows.RepeatedGuid(0);
                if (current != patient)
                {
                    if (current is { } done) Hand(done);
                    (current, phq9, gad7) = (patient, [], []);
                }
                var instrument = rows.RepeatedText(1) == "gad7" ? Instrument.Gad7 : Instrument.Phq9;
                var total = (int)rows.Int64(4);
                (instrument == Instrument.Gad7 ? gad7 : phq9).Add(new ScoredAssessment(rows.Guid(2), DbTime.FromDb(rows.Int64(3)), total,
                    InstrumentDefinition.For(instrument).SeverityOf(total), rows.Int64(5) == 1));
            }
            if (current is { } last) Hand(last);
        }
    }

    /// <summary>Every patient <see cref="ForEachPatientAsync"/> hands over, in a list (tests, and callers that keep them all).</summary>
    public static async Task<IReadOnlyList<WatchPatient>> ForSiteAsync(DbConnection c, string? siteId, bool everySite, CancellationToken ct)
    {
        var result = new List<WatchPatient>();
        await ForEachPatientAsync(c, siteId, everySite, result.Add, ct).ConfigureAwait(false);
        return result;
    }

    /// <summary>The distinct sites of all patients (null for patients without one): what a pass walks, one at a time.</summary>
    public static async Task<IReadOnlyList<string?>> SitesAsync(DbConnection c, CancellationToken ct) =>
        await HandRead.ListAsync(c, new CommandDefinition("SELECT DISTINCT site_id FROM patients", cancellationToken: ct),
            r => r.IsDBNull(0) ? null : r.GetString(0)).ConfigureAwait(false);

    /// <summary>The ids of the response-watch events already in the outbox for one site's patients (as <see cref="ForSiteAsync"/> scopes them).</summary>
    public static async Task<HashSet<Guid>> ExistingEventIdsAsync(DbConnection c, string? siteId, CancellationToken ct)
    {
        var scope = siteId is null ? "site_id IS NULL" : "site_id = @siteId";
        var ids = await HandRead.ListAsync(c, new CommandDefinition(
            $"SELECT id FROM outbox_events WHERE type IN ('response.lost', 'remission.relapsed') AND patient_id IN (SELECT id FROM patients WHERE {scope})",
            new { siteId }, cancellationToken: ct), r => r.GetGuid(0)).ConfigureAwait(false);
        return [.. ids];
    }
}
