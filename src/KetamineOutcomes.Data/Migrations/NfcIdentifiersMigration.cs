using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Dapper;
using KetamineOutcomes.Core;
using KetamineOutcomes.Data.Infrastructure;
using Microsoft.Extensions.Logging;

namespace KetamineOutcomes.Data.Migrations;

/// <summary>
/// Brings stored identifiers under SPEC v2 "Boundaries" (<see cref="IdentifierText"/>): patients' <c>mrn</c> and
/// <c>site_id</c>, API keys' <c>name</c> and <c>site_id</c> become NFC (UAX #15). Left unchanged and reported in
/// <c>migration_reports</c> (and logged, by row id only — MRNs are PHI): MRNs of one site that become equal once
/// normalised (every row of the group), and values holding a character the API now refuses.
/// </summary>
internal sealed partial class NfcIdentifiersMigration : ICodeMigration
{
    public string Name => "0008_nfc_identifiers";

    private sealed record Report(string Kind, string Table, string Column, IReadOnlyList<string> RowIds, string Detail);

    // Ids are read and bound back as the provider gives them (SQLite text, PostgreSQL uuid), so any stored id matches.
    private sealed class PatientRow
    {
        public object Id { get; set; } = "";
        public string? SiteId { get; set; }
        public string? Mrn { get; set; }
    }

    private sealed class KeyRow
    {
        public object Id { get; set; } = "";
        public string Name { get; set; } = "";
        public string? SiteId { get; set; }
    }

    public void Apply(DbConnection connection, DbTransaction tx, ILogger logger)
    {
        var reports = new List<Report>();
        NormalisePatients(connection, tx, reports);
        NormaliseApiKeys(connection, tx, reports);
        foreach (var r in reports)
        {
            connection.Execute("""
                INSERT INTO migration_reports (migration, kind, table_name, column_name, row_ids, detail, created_at)
                VALUES (@migration, @Kind, @Table, @Column, @rowIds, @Detail, @now)
                """, new { migration = Name, r.Kind, r.Table, r.Column, rowIds = JsonSerializer.Serialize(r.RowIds), r.Detail, now = DbTime.ToDb(DateTimeOffset.UtcNow) }, tx);
            LeftUnchanged(logger, Name, r.Kind, r.Table, r.Column, string.Join(",", r.RowIds), r.Detail);
        }
    }

    private static void NormalisePatients(DbConnection c, DbTransaction tx, List<Report> reports)
    {
        // One pass over every patient: an MRN can become equal to one already in NFC (U+212A KELVIN SIGN becomes "K"),
        // so the collision check needs the plain rows too. Clinic-sized tables are read in well under a second.
        var rows = c.Query<PatientRow>(
            "SELECT id AS Id, site_id AS SiteId, mrn AS Mrn FROM patients WHERE site_id IS NOT NULL OR mrn IS NOT NULL", transaction: tx);
        var clean = new List<(PatientRow Row, string? Site, string? Mrn)>();
        foreach (var row in rows)
        {
            if ((Refused(row.Id, "patients", "site_id", row.SiteId) ?? Refused(row.Id, "patients", "mrn", row.Mrn)) is { } refused)
                reports.Add(refused);
            else
                clean.Add((row, Nfc(row.SiteId), Nfc(row.Mrn)));
        }
        // The unique index is (COALESCE(site_id, ''), mrn): group the same way.
        var colliding = new HashSet<PatientRow>();
        foreach (var group in clean.Where(p => p.Mrn is not null).GroupBy(p => (p.Site ?? "", p.Mrn!)).Where(g => g.Count() > 1))
        {
            var ids = group.Select(p => IdText(p.Row.Id)).Order(StringComparer.Ordinal).ToArray();
            reports.Add(new Report("nfc-collision", "patients", "mrn", ids,
                string.Create(CultureInfo.InvariantCulture, $"{ids.Length} patients of one site have the same MRN once NFC-normalised; left unchanged")));
            colliding.UnionWith(group.Select(p => p.Row));
        }
        foreach (var (row, site, mrn) in clean)
        {
            if (colliding.Contains(row) || (site == row.SiteId && mrn == row.Mrn)) continue;
            // updated_at stays: the patient's data did not change, only how its text is encoded.
            c.Execute("UPDATE patients SET site_id = @site, mrn = @mrn WHERE id = @Id", new { site, mrn, row.Id }, tx);
        }
    }

    private static void NormaliseApiKeys(DbConnection c, DbTransaction tx, List<Report> reports)
    {
        foreach (var row in c.Query<KeyRow>("SELECT id AS Id, name AS Name, site_id AS SiteId FROM api_keys", transaction: tx))
        {
            if ((Refused(row.Id, "api_keys", "name", row.Name) ?? Refused(row.Id, "api_keys", "site_id", row.SiteId)) is { } refused)
            {
                reports.Add(refused);
                continue;
            }
            var (name, site) = (Nfc(row.Name)!, Nfc(row.SiteId));
            if (name != row.Name || site != row.SiteId)
                c.Execute("UPDATE api_keys SET name = @name, site_id = @site WHERE id = @Id", new { name, site, row.Id }, tx);
        }
    }

    private static Report? Refused(object id, string table, string column, string? value) =>
        value is not null && IdentifierText.FindRefused(value) is { } r
            ? new Report("refused-characters", table, column, [IdText(id)], $"{r.Describe()}; left unchanged")
            : null;

    private static string? Nfc(string? value) => value is null ? null : IdentifierText.Nfc(value);

    private static string IdText(object id) => id is Guid g ? g.ToString("D") : Convert.ToString(id, CultureInfo.InvariantCulture)!;

    [LoggerMessage(EventId = 80, Level = LogLevel.Warning,
        Message = "Migration {Migration} left {Table}.{Column} unchanged for row(s) {RowIds} ({Kind}): {Detail}")]
    private static partial void LeftUnchanged(ILogger logger, string migration, string kind, string table, string column, string rowIds, string detail);
}
