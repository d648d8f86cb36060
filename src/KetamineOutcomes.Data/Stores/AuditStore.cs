using System.Data.Common;
using Dapper;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Data.Stores;

public sealed record AuditEvent(
    long Seq, DateTimeOffset At, Guid? KeyId, string? Role, string Action, Guid? PatientId, int StatusCode, string Outcome, string RequestId);

/// <summary>The append-only audit trail. There is no update or delete here, and the schema refuses both.</summary>
public static class AuditStore
{
    private sealed class Row
    {
        public long Seq { get; set; }
        public DateTimeOffset At { get; set; }
        public Guid? KeyId { get; set; }
        public string? Role { get; set; }
        public string Action { get; set; } = "";
        public Guid? PatientId { get; set; }
        public long StatusCode { get; set; }
        public string Outcome { get; set; } = "";
        public string RequestId { get; set; } = "";
    }

    private static readonly AppendStatement Append = new("""
        INSERT INTO audit_events (at, key_id, role, action, patient_id, status_code, outcome, request_id)
        VALUES (@at, @keyId, @role, @action, @patientId, @statusCode, @outcome, @requestId)
        """, "at", "keyId", "role", "action", "patientId", "statusCode", "outcome", "requestId");

    /// <summary>Appends one row per patient (or one row without a patient), committed together.</summary>
    public static Task AppendAsync(Database db, IReadOnlyCollection<Guid?> patientIds, DateTimeOffset at, Guid? keyId, string? role,
        string action, int statusCode, string outcome, string requestId, CancellationToken ct) =>
        db.AppendAsync(Append, Rows(patientIds, at, keyId, role, action, statusCode, outcome, requestId), ct);

    /// <summary>The same rows inside a write's own transaction: they commit (or roll back) with what they record.</summary>
    public static Task AppendAsync(DbConnection c, DbTransaction tx, IReadOnlyCollection<Guid?> patientIds, DateTimeOffset at, Guid? keyId, string? role,
        string action, int statusCode, string outcome, string requestId, CancellationToken ct) =>
        Append.ExecuteAsync(c, tx, Rows(patientIds, at, keyId, role, action, statusCode, outcome, requestId), ct);

    private static object?[][] Rows(IReadOnlyCollection<Guid?> patientIds, DateTimeOffset at, Guid? keyId, string? role,
        string action, int statusCode, string outcome, string requestId) =>
        (patientIds.Count == 0 ? [null] : patientIds)
            .Select(patientId => new object?[] { DbTime.ToDb(at), keyId, role, action, patientId, statusCode, outcome, requestId })
            .ToArray();

    /// <summary>Audit rows oldest first; <paramref name="siteId"/> keeps only rows about that site's patients (a site-bound admin's view).</summary>
    public static async Task<Page<AuditEvent>> ListAsync(
        DbConnection c, Guid? patientId, DateTimeOffset? from, DateTimeOffset? to, long? afterSeq, int limit, CancellationToken ct, string? siteId = null)
    {
        const string sql = """
            SELECT seq AS Seq, at AS At, key_id AS KeyId, role AS Role, action AS Action, patient_id AS PatientId,
                   status_code AS StatusCode, outcome AS Outcome, request_id AS RequestId
            FROM audit_events
            WHERE (@patientId IS NULL OR patient_id = @patientId)
              AND (@siteId IS NULL OR patient_id IN (SELECT id FROM patients WHERE site_id = @siteId))
              AND (@from IS NULL OR at >= @from) AND (@to IS NULL OR at <= @to)
              AND (@afterSeq IS NULL OR seq > @afterSeq)
            ORDER BY seq
            LIMIT @take
            """;
        var rows = (await c.QueryAsync<Row>(new CommandDefinition(sql, new
        {
            patientId, siteId, from = DbTime.ToDb(from), to = DbTime.ToDb(to), afterSeq, take = limit + 1,
        }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        return Page<AuditEvent>.FromRows(rows, limit, r => Keyset.Encode(r.Seq, Guid.Empty),
            r => new AuditEvent(r.Seq, r.At, r.KeyId, r.Role, r.Action, r.PatientId, (int)r.StatusCode, r.Outcome, r.RequestId));
    }
}
