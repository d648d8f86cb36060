using System.Data.Common;
using System.Text.Json;
using Dapper;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Patients;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Data.Stores;

/// <summary>Infusion administrations. Session numbers are never stored: they follow from administeredAt order.</summary>
public static class InfusionStore
{
    private const string Columns = """
        id AS Id, patient_id AS PatientId, administered_at AS AdministeredAt, route AS Route, drug AS Drug,
        dose_mg AS DoseMg, dose_mg_per_kg AS DoseMgPerKg, duration_minutes AS DurationMinutes,
        bp_pre_systolic AS PreSystolic, bp_pre_diastolic AS PreDiastolic, bp_post_systolic AS PostSystolic, bp_post_diastolic AS PostDiastolic,
        side_effects AS SideEffects, notes AS Notes, created_at AS CreatedAt, status AS Status, version AS Version, last_updated AS LastUpdated
        """;

    private sealed class Row
    {
        public Guid Id { get; set; }
        public Guid PatientId { get; set; }
        public DateTimeOffset AdministeredAt { get; set; }
        public string Route { get; set; } = "";
        public string Drug { get; set; } = "";
        public double? DoseMg { get; set; }
        public double? DoseMgPerKg { get; set; }
        public long? DurationMinutes { get; set; }
        public long? PreSystolic { get; set; }
        public long? PreDiastolic { get; set; }
        public long? PostSystolic { get; set; }
        public long? PostDiastolic { get; set; }
        public string SideEffects { get; set; } = "[]";
        public string? Notes { get; set; }
        public DateTimeOffset CreatedAt { get; set; }
        public string Status { get; set; } = "";
        public long Version { get; set; }
        public DateTimeOffset LastUpdated { get; set; }

        public InfusionRecord ToRecord()
        {
            BloodPressure? bp = PreSystolic is null && PreDiastolic is null && PostSystolic is null && PostDiastolic is null
                ? null
                : new BloodPressure((int?)PreSystolic, (int?)PreDiastolic, (int?)PostSystolic, (int?)PostDiastolic);
            var effects = JsonSerializer.Deserialize<string[]>(SideEffects) ?? [];
            return new InfusionRecord(Id, PatientId, AdministeredAt, WireNames.Parse<AdministrationRoute>(Route), WireNames.Parse<Drug>(Drug),
                DoseMg, DoseMgPerKg, (int?)DurationMinutes, bp, effects.Select(WireNames.Parse<SideEffect>).ToArray(), Notes, CreatedAt,
                WireNames.Parse<RecordStatus>(Status))
            {
                Version = (int)Version, LastUpdated = LastUpdated,
            };
        }
    }

    public static Task InsertAsync(DbConnection c, DbTransaction tx, InfusionRecord i, CancellationToken ct)
    {
        const string sql = """
            INSERT INTO infusions (id, patient_id, administered_at, route, drug, dose_mg, dose_mg_per_kg, duration_minutes,
                bp_pre_systolic, bp_pre_diastolic, bp_post_systolic, bp_post_diastolic, side_effects, notes, created_at, last_updated, status)
            VALUES (@Id, @PatientId, @AdministeredAt, @Route, @Drug, @DoseMg, @DoseMgPerKg, @DurationMinutes,
                @PreSystolic, @PreDiastolic, @PostSystolic, @PostDiastolic, @SideEffects, @Notes, @CreatedAt, @CreatedAt, @Status)
            """;
        return c.ExecuteAsync(new CommandDefinition(sql, Values(i), tx, cancellationToken: ct));
    }

    private static object Values(InfusionRecord i) => new
    {
        i.Id, i.PatientId, AdministeredAt = DbTime.ToDb(i.AdministeredAt), Route = WireNames.Of(i.Route), Drug = WireNames.Of(i.Drug),
        i.DoseMg, i.DoseMgPerKg, i.DurationMinutes,
        i.BloodPressure?.PreSystolic, i.BloodPressure?.PreDiastolic, i.BloodPressure?.PostSystolic, i.BloodPressure?.PostDiastolic,
        SideEffects = JsonSerializer.Serialize(i.SideEffects.Distinct().Select(WireNames.Of).ToArray()),
        i.Notes, CreatedAt = DbTime.ToDb(i.CreatedAt), Status = WireNames.Of(i.Status),
        i.Version, LastUpdated = DbTime.ToDb(i.LastUpdated),
    };

    /// <summary>
    /// Makes <paramref name="i"/> the current version if the stored one is still <paramref name="expectedVersion"/>;
    /// false when another change got there first (SPEC v2, Corrections: 412).
    /// </summary>
    public static async Task<bool> UpdateAsync(
        DbConnection c, DbTransaction tx, InfusionRecord i, int expectedVersion, string changedBy, string? reason, CancellationToken ct)
    {
        const string sql = """
            UPDATE infusions SET administered_at = @AdministeredAt, route = @Route, drug = @Drug, dose_mg = @DoseMg, dose_mg_per_kg = @DoseMgPerKg,
                duration_minutes = @DurationMinutes, bp_pre_systolic = @PreSystolic, bp_pre_diastolic = @PreDiastolic,
                bp_post_systolic = @PostSystolic, bp_post_diastolic = @PostDiastolic, side_effects = @SideEffects, notes = @Notes, status = @Status,
                version = @Version, last_updated = @LastUpdated, changed_by = @changedBy, change_reason = @reason
            WHERE id = @Id AND patient_id = @PatientId AND version = @expectedVersion
            """;
        var p = new DynamicParameters(Values(i));
        p.AddDynamicParams(new { expectedVersion, changedBy, reason });
        return await c.ExecuteAsync(new CommandDefinition(sql, p, tx, cancellationToken: ct)).ConfigureAwait(false) == 1;
    }

    /// <summary>The timeline every timepoint is derived from (one ordering rule everywhere).</summary>
    public static InfusionTimeline ToTimeline(this IEnumerable<InfusionRecord> infusions) =>
        new(infusions.Select(i => new InfusionMoment(i.Id, i.AdministeredAt)));

    /// <summary>
    /// A patient's infusion moments (id and time) in session order: all a timepoint needs, read from the
    /// (patient, time, id) index alone and without mapping whole records (it sits in front of every submission).
    /// </summary>
    public static async Task<InfusionTimeline> TimelineForPatientAsync(DbConnection c, Guid patientId, CancellationToken ct)
    {
        const string sql = "SELECT id, administered_at FROM infusions WHERE patient_id = @patientId ORDER BY administered_at, id";
        return new InfusionTimeline(await HandRead.ListAsync(c, new CommandDefinition(sql, new { patientId }, cancellationToken: ct),
            r => new InfusionMoment(r.GetGuid(0), DbTime.FromDb(r.GetInt64(1)))).ConfigureAwait(false));
    }

    /// <summary>One infusion of a patient, or null.</summary>
    public static async Task<InfusionRecord?> GetAsync(DbConnection c, Guid patientId, Guid id, CancellationToken ct, DbTransaction? tx = null)
    {
        const string sql = $"SELECT {Columns} FROM infusions WHERE id = @id AND patient_id = @patientId";
        return (await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(sql, new { id, patientId }, tx, cancellationToken: ct)).ConfigureAwait(false))?.ToRecord();
    }

    /// <summary>All of a patient's infusions in administration order (ties by id), i.e. session order.</summary>
    public static async Task<IReadOnlyList<InfusionRecord>> ListForPatientAsync(DbConnection c, Guid patientId, CancellationToken ct, DbTransaction? tx = null)
    {
        const string sql = $"SELECT {Columns} FROM infusions WHERE patient_id = @patientId ORDER BY administered_at, id";
        var rows = await c.QueryAsync<Row>(new CommandDefinition(sql, new { patientId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToRecord()).ToArray();
    }
}
