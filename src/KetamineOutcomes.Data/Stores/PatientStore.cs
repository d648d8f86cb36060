using System.Data.Common;
using Dapper;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Patients;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Data.Stores;

/// <summary>Patients and their diagnoses.</summary>
public static class PatientStore
{
    private const string Columns = "id AS Id, site_id AS SiteId, mrn AS Mrn, birth_year AS BirthYear, sex AS Sex, research_consent AS ResearchConsent, created_at AS CreatedAt, updated_at AS UpdatedAt, version AS Version";

    // Rows are property-mapped classes: SQLite reports column types per value, which constructor mapping rejects.
    private sealed class Row
    {
        public Guid Id { get; set; }
        public string? SiteId { get; set; }
        public string? Mrn { get; set; }
        public long? BirthYear { get; set; }
        public string? Sex { get; set; }
        public long ResearchConsent { get; set; }
        public DateTimeOffset CreatedAt { get; set; }
        public DateTimeOffset UpdatedAt { get; set; }
        public long Version { get; set; }
    }

    private sealed class DiagnosisRow
    {
        public Guid PatientId { get; set; }
        public string Diagnosis { get; set; } = "";
    }

    /// <summary>Inserts a patient; throws <see cref="DuplicateMrnException"/> when the MRN exists in the site.</summary>
    public static async Task InsertAsync(DbConnection c, DbTransaction tx, IConnectionFactory dialect, PatientRecord p, CancellationToken ct)
    {
        const string sql = """
            INSERT INTO patients (id, site_id, mrn, birth_year, sex, research_consent, created_at, updated_at)
            VALUES (@Id, @SiteId, @Mrn, @BirthYear, @Sex, @ResearchConsent, @CreatedAt, @UpdatedAt)
            """;
        const string diagnosisSql = "INSERT INTO patient_diagnoses (patient_id, diagnosis) VALUES (@PatientId, @Diagnosis)";
        try
        {
            await c.ExecuteAsync(new CommandDefinition(sql, new
            {
                p.Id, p.SiteId, p.Mrn, p.BirthYear,
                Sex = p.Sex is { } s ? WireNames.Of(s) : null,
                ResearchConsent = p.ResearchConsent ? 1 : 0,
                CreatedAt = DbTime.ToDb(p.CreatedAt), UpdatedAt = DbTime.ToDb(p.UpdatedAt),
            }, tx, cancellationToken: ct)).ConfigureAwait(false);
        }
        catch (Exception e) when (dialect.IsUniqueViolation(e))
        {
            throw new DuplicateMrnException();
        }
        foreach (var d in p.Diagnoses.Distinct())
        {
            await c.ExecuteAsync(new CommandDefinition(diagnosisSql, new { PatientId = p.Id, Diagnosis = WireNames.Of(d) }, tx, cancellationToken: ct)).ConfigureAwait(false);
        }
        // The research pseudonym is random and stored apart from the patient row (see ResearchStore).
        await ResearchStore.AssignPseudoIdAsync(c, tx, p.Id, ct).ConfigureAwait(false);
    }

    public static async Task<PatientRecord?> GetAsync(DbConnection c, Guid id, CancellationToken ct, DbTransaction? tx = null)
    {
        const string sql = $"SELECT {Columns} FROM patients WHERE id = @id";
        var row = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(sql, new { id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (row is null) return null;
        return (await WithDiagnosesAsync(c, [row], tx, ct).ConfigureAwait(false))[0];
    }

    /// <summary>The patient's site, or null when there is no such patient.</summary>
    public static async Task<PatientSite?> SiteOfAsync(DbConnection c, Guid id, DbTransaction? tx, CancellationToken ct)
    {
        var row = await c.QuerySingleOrDefaultAsync<SiteRow>(new CommandDefinition(
            "SELECT site_id AS SiteId FROM patients WHERE id = @id", new { id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return row is null ? null : new PatientSite(row.SiteId);
    }

    private sealed class SiteRow
    {
        public string? SiteId { get; set; }
    }

    /// <summary>Patients in id order (ids are time-ordered UUIDv7), optionally filtered by MRN and site.</summary>
    public static async Task<Page<PatientRecord>> ListAsync(DbConnection c, string? mrn, string? siteId, string? cursor, int limit, CancellationToken ct)
    {
        const string sql = $"""
            SELECT {Columns} FROM patients
            WHERE (@mrn IS NULL OR mrn = @mrn) AND (@siteId IS NULL OR site_id = @siteId) AND (@after IS NULL OR id > @after)
            ORDER BY id
            LIMIT @take
            """;
        Guid? after = cursor is null ? null : Keyset.Decode(cursor).Id;
        var rows = (await c.QueryAsync<Row>(new CommandDefinition(sql, new { mrn, siteId, after, take = limit + 1 }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        var page = Page<Row>.FromRows(rows, limit, r => Keyset.Encode(null, r.Id), r => r);
        return new Page<PatientRecord>(await WithDiagnosesAsync(c, page.Items, null, ct).ConfigureAwait(false), page.NextCursor);
    }

    /// <summary>
    /// Makes <paramref name="p"/> (MRN, birth year, sex, diagnoses, research consent, version and <c>UpdatedAt</c>) the
    /// current version if the stored one is still <paramref name="expectedVersion"/>; false when another change got there
    /// first (SPEC v2, Corrections: 412). The site never changes. Throws <see cref="DuplicateMrnException"/> when the new
    /// MRN exists in the site.
    /// </summary>
    public static async Task<bool> UpdateAsync(
        DbConnection c, DbTransaction tx, IConnectionFactory dialect, PatientRecord p, int expectedVersion, string changedBy, string? reason, CancellationToken ct)
    {
        const string sql = """
            UPDATE patients SET mrn = @Mrn, birth_year = @BirthYear, sex = @Sex, research_consent = @ResearchConsent, updated_at = @UpdatedAt,
                version = @Version, changed_by = @changedBy, change_reason = @reason
            WHERE id = @Id AND version = @expectedVersion
            """;
        int updated;
        try
        {
            updated = await c.ExecuteAsync(new CommandDefinition(sql, new
            {
                p.Id, p.Mrn, p.BirthYear, Sex = p.Sex is { } s ? WireNames.Of(s) : null, ResearchConsent = p.ResearchConsent ? 1 : 0,
                UpdatedAt = DbTime.ToDb(p.UpdatedAt), p.Version, expectedVersion, changedBy, reason,
            }, tx, cancellationToken: ct)).ConfigureAwait(false);
        }
        catch (Exception e) when (dialect.IsUniqueViolation(e))
        {
            throw new DuplicateMrnException();
        }
        if (updated != 1) return false;
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM patient_diagnoses WHERE patient_id = @Id", new { p.Id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        foreach (var d in p.Diagnoses.Distinct())
        {
            await c.ExecuteAsync(new CommandDefinition("INSERT INTO patient_diagnoses (patient_id, diagnosis) VALUES (@PatientId, @Diagnosis)",
                new { PatientId = p.Id, Diagnosis = WireNames.Of(d) }, tx, cancellationToken: ct)).ConfigureAwait(false);
        }
        return true;
    }

    private static async Task<List<PatientRecord>> WithDiagnosesAsync(DbConnection c, IReadOnlyList<Row> rows, DbTransaction? tx, CancellationToken ct)
    {
        if (rows.Count == 0) return [];
        var sql = $"SELECT patient_id AS PatientId, diagnosis AS Diagnosis FROM patient_diagnoses WHERE {SqlDialect.InList(c, "patient_id", "ids")}";
        var diagnoses = (await c.QueryAsync<DiagnosisRow>(new CommandDefinition(sql, new { ids = rows.Select(r => r.Id).ToArray() }, tx, cancellationToken: ct)).ConfigureAwait(false))
            .ToLookup(d => d.PatientId, d => WireNames.Parse<Diagnosis>(d.Diagnosis));
        return rows.Select(r => new PatientRecord(
            r.Id, r.SiteId, r.Mrn, (int?)r.BirthYear, r.Sex is null ? null : WireNames.Parse<Sex>(r.Sex),
            diagnoses[r.Id].Order().ToArray(), r.ResearchConsent == 1, r.CreatedAt, r.UpdatedAt) { Version = (int)r.Version }).ToList();
    }
}

/// <summary>Which site a patient belongs to (null: no site).</summary>
public sealed record PatientSite(string? SiteId);

/// <summary>Another patient of the same site already has this MRN.</summary>
public sealed class DuplicateMrnException() : Exception("A patient with this MRN already exists in this site.");
