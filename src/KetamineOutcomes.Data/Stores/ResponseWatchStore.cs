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
/// their live infusions and live PHQ-9/GAD-7 scores, in three statements over the per-patient indexes — never one query
/// per patient. Entered-in-error records are left out here exactly as the trend's own reads leave them out.
/// </summary>
public static class ResponseWatchStore
{
    /// <summary>
    /// The patients of one site (<paramref name="everySite"/> false; <paramref name="siteId"/> null: those without a
    /// site) or of every site and none (<paramref name="everySite"/> true), with their live records.
    /// </summary>
    public static async Task<IReadOnlyList<WatchPatient>> ForSiteAsync(DbConnection c, string? siteId, bool everySite, CancellationToken ct)
    {
        var scope = everySite ? "" : siteId is null ? " WHERE site_id IS NULL" : " WHERE site_id = @siteId";
        var patients = "SELECT id, site_id, mrn FROM patients" + scope;
        var where = everySite ? "" : $" AND patient_id IN (SELECT id FROM patients{scope})";
        var args = new { siteId };
        var people = await HandRead.ListAsync(c, new CommandDefinition(patients, args, cancellationToken: ct),
            r => (Id: r.GetGuid(0), Site: r.IsDBNull(1) ? null : r.GetString(1), Mrn: r.IsDBNull(2) ? null : r.GetString(2))).ConfigureAwait(false);
        var infusions = await HandRead.ListAsync(c, new CommandDefinition(
            $"SELECT patient_id, id, administered_at FROM infusions WHERE {LiveRecords.Condition}{where} ORDER BY patient_id, administered_at, id", args, cancellationToken: ct),
            r => (Patient: r.GetGuid(0), Moment: new InfusionMoment(r.GetGuid(1), DbTime.FromDb(r.GetInt64(2))))).ConfigureAwait(false);
        var scores = await HandRead.ListAsync(c, new CommandDefinition(
            $"SELECT patient_id, instrument, id, completed_at, total_score, prorated FROM questionnaires WHERE {LiveRecords.Condition}{where} ORDER BY patient_id, instrument, completed_at, id",
            args, cancellationToken: ct),
            r =>
            {
                var instrument = r.GetString(1) == "gad7" ? Instrument.Gad7 : Instrument.Phq9;
                var total = (int)r.GetInt64(4);
                return (Patient: r.GetGuid(0), Instrument: instrument,
                    Score: new ScoredAssessment(r.GetGuid(2), DbTime.FromDb(r.GetInt64(3)), total, InstrumentDefinition.For(instrument).SeverityOf(total), r.GetInt64(5) == 1));
            }).ConfigureAwait(false);

        var timelines = infusions.GroupBy(i => i.Patient).ToDictionary(g => g.Key, g => new InfusionTimeline(g.Select(i => i.Moment)));
        var byPatient = scores.GroupBy(s => s.Patient).ToDictionary(g => g.Key, g => (
            Phq9: g.Where(s => s.Instrument == Instrument.Phq9).Select(s => s.Score).ToArray(),
            Gad7: g.Where(s => s.Instrument == Instrument.Gad7).Select(s => s.Score).ToArray()));
        var result = new List<WatchPatient>(byPatient.Count);
        foreach (var (id, site, mrn) in people)
        {
            // Without a score there is no trend to be on the watch with.
            if (!byPatient.TryGetValue(id, out var s)) continue;
            result.Add(new WatchPatient(id, site, mrn, timelines.GetValueOrDefault(id, InfusionTimeline.Empty), s.Phq9, s.Gad7));
        }
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
