using System.Data.Common;
using Dapper;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Plans;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Data.Stores;

/// <summary>A patient as a plan's schedule needs it: registration is the record's creation; the MRN names it on a worklist.</summary>
public sealed record SchedulePatient(Guid Id, string? Mrn, DateTimeOffset RegisteredAt);

/// <summary>A patient's infusions and assessments (PHQ-9/GAD-7 questionnaires, C-SSRS check-ins), every status.</summary>
public sealed record ScheduleRecords(IReadOnlyList<ScheduleInfusion> Infusions, IReadOnlyList<ScheduleAssessment> Assessments)
{
    public DueSchedule ScheduleFrom(DateTimeOffset registeredAt) => new(registeredAt, Infusions, Assessments);
}

/// <summary>
/// What <see cref="DueSchedule"/> reads, for one patient or for a run of a site's patients in id order (a worklist page
/// reads them batch by batch: three range reads per batch, each through the patients' (site, id) index and the records'
/// per-patient indexes). Only the columns a schedule needs; <see cref="DueSchedule"/> decides which statuses count.
/// </summary>
public static class ScheduleStore
{
    // After a patient (the next batch) or from one (a worklist page resuming inside the cursor's patient).
    private const string SitePatientsAfterSql = "SELECT id, mrn, created_at FROM patients WHERE site_id = @siteId AND id > @from ORDER BY id LIMIT @take";
    private const string SitePatientsFromSql = "SELECT id, mrn, created_at FROM patients WHERE site_id = @siteId AND id >= @from ORDER BY id LIMIT @take";
    private const string SitePatientsFirstSql = "SELECT id, mrn, created_at FROM patients WHERE site_id = @siteId ORDER BY id LIMIT @take";

    // The same three reads for one patient or for a site's patients in an id range; fixed texts, so each is compiled once
    // per connection.
    private sealed record Statements(string Infusions, string Questionnaires, string Checkins)
    {
        public static Statements Where(string patients) => new(
            $"SELECT x.patient_id, x.id, x.administered_at, x.status FROM infusions x WHERE {patients}",
            $"SELECT x.patient_id, x.id, x.instrument, x.completed_at, x.status FROM questionnaires x WHERE {patients}",
            $"SELECT x.patient_id, x.id, x.completed_at, x.status FROM suicidality_checkins x WHERE {patients}");
    }

    private static readonly Statements OnePatient = Statements.Where("x.patient_id = @patientId");
    private static readonly Statements SiteRange = Statements.Where(
        "x.patient_id IN (SELECT id FROM patients WHERE site_id = @siteId AND id >= @first AND id <= @last)");
    private static readonly Statements UnboundRange = Statements.Where(
        "x.patient_id IN (SELECT id FROM patients WHERE site_id IS NULL AND id >= @first AND id <= @last)");

    // Patients without a site (the scheduler walks them too), through the same (site, id) index.
    private const string UnboundPatientsAfterSql = "SELECT id, mrn, created_at FROM patients WHERE site_id IS NULL AND id > @from ORDER BY id LIMIT @take";
    private const string UnboundPatientsFirstSql = "SELECT id, mrn, created_at FROM patients WHERE site_id IS NULL ORDER BY id LIMIT @take";

    /// <summary>Every site that has patients, in order; null stands for the patients without a site (where it sorts is the provider's).</summary>
    public static async Task<List<string?>> SitesAsync(DbConnection c, CancellationToken ct) =>
        [.. await c.QueryAsync<string?>(new CommandDefinition("SELECT DISTINCT site_id FROM patients ORDER BY site_id", cancellationToken: ct)).ConfigureAwait(false)];

    /// <summary>
    /// Up to <paramref name="take"/> patients of a site in id order: from the first (<paramref name="from"/> null), from
    /// <paramref name="from"/> itself (<paramref name="inclusive"/>) or after it. A null <paramref name="siteId"/> walks the
    /// patients without a site (only from the first or after a patient).
    /// </summary>
    public static async Task<List<SchedulePatient>> SitePatientsAsync(DbConnection c, string? siteId, Guid? from, bool inclusive, int take, CancellationToken ct)
    {
        var sql = siteId is null
            ? (inclusive ? throw new ArgumentException("Only a site's walk resumes inside a patient.", nameof(inclusive))
                : from is null ? UnboundPatientsFirstSql : UnboundPatientsAfterSql)
            : from is null ? SitePatientsFirstSql : inclusive ? SitePatientsFromSql : SitePatientsAfterSql;
        return await HandRead.ListAsync(c, new CommandDefinition(sql, new { siteId, from, take }, cancellationToken: ct),
            r => new SchedulePatient(r.GetGuid(0), r.IsDBNull(1) ? null : r.GetString(1), DbTime.FromDb(r.GetInt64(2)))).ConfigureAwait(false);
    }

    /// <summary>One patient's records.</summary>
    public static async Task<ScheduleRecords> ForPatientAsync(DbConnection c, Guid patientId, CancellationToken ct)
    {
        var all = await ReadAsync(c, OnePatient, new { patientId }, ct).ConfigureAwait(false);
        return all.TryGetValue(patientId, out var records) ? records : new ScheduleRecords([], []);
    }

    /// <summary>
    /// The records of a site's patients (null: of the patients without a site) whose ids lie in [<paramref name="first"/>,
    /// <paramref name="last"/>], by patient (absent: none).
    /// </summary>
    public static Task<Dictionary<Guid, ScheduleRecords>> ForSiteRangeAsync(DbConnection c, string? siteId, Guid first, Guid last, CancellationToken ct) =>
        ReadAsync(c, siteId is null ? UnboundRange : SiteRange, new { siteId, first, last }, ct);

    private static async Task<Dictionary<Guid, ScheduleRecords>> ReadAsync(DbConnection c, Statements sql, object args, CancellationToken ct)
    {
        var infusions = await HandRead.ListAsync(c, new CommandDefinition(sql.Infusions, args, cancellationToken: ct),
            r => (Patient: r.GetGuid(0), Record: new ScheduleInfusion(r.GetGuid(1), DbTime.FromDb(r.GetInt64(2)), WireNames.Parse<RecordStatus>(r.GetString(3))))).ConfigureAwait(false);
        var questionnaires = await HandRead.ListAsync(c, new CommandDefinition(sql.Questionnaires, args, cancellationToken: ct),
            r => (Patient: r.GetGuid(0), Record: new ScheduleAssessment(r.GetGuid(1), WireNames.Parse<PlanInstrument>(r.GetString(2)), DbTime.FromDb(r.GetInt64(3)),
                WireNames.Parse<RecordStatus>(r.GetString(4))))).ConfigureAwait(false);
        var checkins = await HandRead.ListAsync(c, new CommandDefinition(sql.Checkins, args, cancellationToken: ct),
            r => (Patient: r.GetGuid(0), Record: new ScheduleAssessment(r.GetGuid(1), PlanInstrument.Cssrs, DbTime.FromDb(r.GetInt64(2)),
                WireNames.Parse<RecordStatus>(r.GetString(3))))).ConfigureAwait(false);
        var byPatient = new Dictionary<Guid, (List<ScheduleInfusion> Infusions, List<ScheduleAssessment> Assessments)>();
        (List<ScheduleInfusion> Infusions, List<ScheduleAssessment> Assessments) Of(Guid patient)
        {
            if (!byPatient.TryGetValue(patient, out var lists)) byPatient[patient] = lists = ([], []);
            return lists;
        }
        foreach (var (patient, infusion) in infusions) Of(patient).Infusions.Add(infusion);
        foreach (var (patient, assessment) in questionnaires.Concat(checkins)) Of(patient).Assessments.Add(assessment);
        return byPatient.ToDictionary(kv => kv.Key, kv => new ScheduleRecords(kv.Value.Infusions, kv.Value.Assessments));
    }
}
