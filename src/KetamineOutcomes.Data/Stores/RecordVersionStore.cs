using System.Data.Common;
using System.Text.Json.Serialization;
using Dapper;
using KetamineOutcomes.Core;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Data.Stores;

/// <summary>The kinds of record that are corrected and keep a history (record_versions.record_type).</summary>
public enum RecordKind
{
    [JsonStringEnumMemberName("patient")] Patient,
    [JsonStringEnumMemberName("questionnaire")] Questionnaire,
    [JsonStringEnumMemberName("suicidality-checkin")] SuicidalityCheckin,
    [JsonStringEnumMemberName("infusion")] Infusion,
}

/// <summary>
/// One version of a record: who made it current, when and why, and its values (<paramref name="Body"/>: the stored
/// record as JSON). <paramref name="Status"/> is null for patients.
/// </summary>
public sealed record RecordVersion(
    RecordKind Kind, Guid RecordId, int Version, Guid PatientId, RecordStatus? Status, DateTimeOffset ChangedAt, string? ChangedBy,
    string? ChangeReason, string Body);

/// <summary>Who made a record's current version current and why (null for a first version stored before migration 0013).</summary>
public sealed record VersionStamp(string? ChangedBy, string? ChangeReason);

/// <summary>
/// The append-only history of superseded versions (migration 0013). A correction copies the current row here and
/// updates the row, in one transaction; so the history of a record is these rows and then its current row.
/// </summary>
public static class RecordVersionStore
{
    internal static string TableOf(RecordKind kind) => kind switch
    {
        RecordKind.Patient => "patients",
        RecordKind.Questionnaire => "questionnaires",
        RecordKind.SuicidalityCheckin => "suicidality_checkins",
        _ => "infusions",
    };

    private sealed class Row
    {
        public Guid RecordId { get; set; }
        public long Version { get; set; }
        public Guid PatientId { get; set; }
        public string? Status { get; set; }
        public DateTimeOffset ChangedAt { get; set; }
        public string? ChangedBy { get; set; }
        public string? ChangeReason { get; set; }
        public string Body { get; set; } = "";
    }

    public static Task AppendAsync(DbConnection c, DbTransaction tx, RecordVersion v, CancellationToken ct)
    {
        const string sql = """
            INSERT INTO record_versions (record_type, record_id, version, patient_id, status, changed_at, changed_by, change_reason, body)
            VALUES (@Kind, @RecordId, @Version, @PatientId, @Status, @ChangedAt, @ChangedBy, @ChangeReason, @Body)
            """;
        return c.ExecuteAsync(new CommandDefinition(sql, new
        {
            Kind = WireNames.Of(v.Kind), v.RecordId, v.Version, v.PatientId, Status = v.Status is { } s ? WireNames.Of(s) : null,
            ChangedAt = DbTime.ToDb(v.ChangedAt), v.ChangedBy, v.ChangeReason, v.Body,
        }, tx, cancellationToken: ct));
    }

    /// <summary>A record's superseded versions, oldest first (empty for a record never corrected).</summary>
    public static async Task<IReadOnlyList<RecordVersion>> ListAsync(DbConnection c, RecordKind kind, Guid recordId, CancellationToken ct)
    {
        const string sql = """
            SELECT record_id AS RecordId, version AS Version, patient_id AS PatientId, status AS Status, changed_at AS ChangedAt,
                   changed_by AS ChangedBy, change_reason AS ChangeReason, body AS Body
            FROM record_versions WHERE record_type = @kind AND record_id = @recordId ORDER BY version
            """;
        var rows = await c.QueryAsync<Row>(new CommandDefinition(sql, new { kind = WireNames.Of(kind), recordId }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => new RecordVersion(kind, r.RecordId, (int)r.Version, r.PatientId, r.Status is null ? null : WireNames.Parse<RecordStatus>(r.Status),
            r.ChangedAt, r.ChangedBy, r.ChangeReason, r.Body)).ToArray();
    }

    /// <summary>Who made the record's current version current, and why; null when there is no such record.</summary>
    public static async Task<VersionStamp?> CurrentStampAsync(DbConnection c, RecordKind kind, Guid recordId, DbTransaction? tx, CancellationToken ct)
    {
        var sql = $"SELECT changed_by AS ChangedBy, change_reason AS ChangeReason FROM {TableOf(kind)} WHERE id = @recordId";
        var row = await c.QuerySingleOrDefaultAsync<StampRow>(new CommandDefinition(sql, new { recordId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return row is null ? null : new VersionStamp(row.ChangedBy, row.ChangeReason);
    }

    private sealed class StampRow
    {
        public string? ChangedBy { get; set; }
        public string? ChangeReason { get; set; }
    }
}
