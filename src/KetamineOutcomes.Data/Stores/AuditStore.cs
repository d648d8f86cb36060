using System.Data.Common;
using Dapper;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Data.Stores;

/// <summary>
/// What one audited call (or one window of counted anonymous refusals) records; appended once per patient it touched.
/// </summary>
/// <param name="TargetType">What an admin action acted on (e.g. <c>api-key</c>); null for patient rows and lists.</param>
/// <param name="SiteId">The site an admin action concerned (null: none, or every site).</param>
/// <param name="ClientAddress">Only on rows of calls without a valid key: the key identifies everyone else.</param>
/// <param name="Count">How many refusals the row stands for; null for an ordinary row (one call).</param>
/// <param name="Actor">Who called, as JSON <c>{"type","id","name"}</c> (migration 0017); null without a valid credential.</param>
public sealed record AuditEntry(
    DateTimeOffset At, Guid? KeyId, string? Role, string Action, int StatusCode, string Outcome, string RequestId,
    string? TargetType = null, Guid? TargetId = null, string? SiteId = null, string? ClientAddress = null, long? Count = null,
    string? Actor = null);

/// <param name="Actor">The stored actor JSON; null on rows from before migration 0017 (then <paramref name="KeyName"/> names their key).</param>
/// <param name="KeyName">The name of the key <paramref name="KeyId"/>, for rows stored before actors were.</param>
public sealed record AuditEvent(
    long Seq, DateTimeOffset At, Guid? KeyId, string? Role, string Action, Guid? PatientId, int StatusCode, string Outcome, string RequestId,
    string? TargetType, Guid? TargetId, string? SiteId, string? ClientAddress, long? Count, string? Actor, string? KeyName);

/// <summary>Filters of an audit listing; all optional, combined with AND.</summary>
/// <param name="SiteId">A site-bound admin's view: rows about that site's patients plus admin rows about that site.</param>
public sealed record AuditFilter(
    Guid? PatientId = null, DateTimeOffset? From = null, DateTimeOffset? To = null, string? Action = null, Guid? KeyId = null,
    Guid? TargetId = null, string? SiteId = null);

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
        public string? TargetType { get; set; }
        public Guid? TargetId { get; set; }
        public string? SiteId { get; set; }
        public string? ClientAddress { get; set; }
        public long? Count { get; set; }
        public string? Actor { get; set; }
        public string? KeyName { get; set; }
    }

    private static readonly AppendStatement Append = new("""
        INSERT INTO audit_events (at, key_id, role, action, patient_id, status_code, outcome, request_id,
                                  target_type, target_id, site_id, client_address, count, actor)
        VALUES (@at, @keyId, @role, @action, @patientId, @statusCode, @outcome, @requestId,
                @targetType, @targetId, @siteId, @clientAddress, @count, @actor)
        """, "at", "keyId", "role", "action", "patientId", "statusCode", "outcome", "requestId",
        "targetType", "targetId", "siteId", "clientAddress", "count", "actor");

    /// <summary>Appends one row per patient (or one row without a patient), committed together.</summary>
    public static Task AppendAsync(Database db, IReadOnlyCollection<Guid?> patientIds, AuditEntry entry, CancellationToken ct) =>
        db.AppendAsync(Append, Rows(patientIds, entry), ct);

    /// <summary>
    /// The same rows handed to the store's writer without waiting (<see cref="Database.TryAppendDeferred"/>); false when
    /// deferral refused them and the caller must append and wait. Labelled with the entry's request id.
    /// </summary>
    public static bool TryAppendDeferred(Database db, IReadOnlyCollection<Guid?> patientIds, AuditEntry entry) =>
        db.TryAppendDeferred(Append, Rows(patientIds, entry), entry.RequestId);

    /// <summary>Appends entries without a patient (e.g. aggregated refusals), one row each, committed together.</summary>
    public static Task AppendAsync(Database db, IReadOnlyCollection<AuditEntry> entries, CancellationToken ct) =>
        db.AppendAsync(Append, entries.SelectMany(e => Rows([], e)).ToArray(), ct);

    /// <summary>The same rows inside a write's own transaction: they commit (or roll back) with what they record.</summary>
    public static Task AppendAsync(DbConnection c, DbTransaction tx, IReadOnlyCollection<Guid?> patientIds, AuditEntry entry, CancellationToken ct) =>
        Append.ExecuteAsync(c, tx, Rows(patientIds, entry), ct);

    private static object?[][] Rows(IReadOnlyCollection<Guid?> patientIds, AuditEntry e) =>
        (patientIds.Count == 0 ? [null] : patientIds)
            .Select(patientId => new object?[]
            {
                DbTime.ToDb(e.At), e.KeyId, e.Role, e.Action, patientId, e.StatusCode, e.Outcome, e.RequestId,
                e.TargetType, e.TargetId, e.SiteId, e.ClientAddress, e.Count, e.Actor,
            })
            .ToArray();

    /// <summary>Audit rows oldest first (append order), filtered by <paramref name="filter"/>.</summary>
    public static async Task<Page<AuditEvent>> ListAsync(DbConnection c, AuditFilter filter, long? afterSeq, int limit, CancellationToken ct)
    {
        const string sql = """
            SELECT seq AS Seq, at AS At, key_id AS KeyId, role AS Role, action AS Action, patient_id AS PatientId,
                   status_code AS StatusCode, outcome AS Outcome, request_id AS RequestId, target_type AS TargetType,
                   target_id AS TargetId, site_id AS SiteId, client_address AS ClientAddress, count AS Count, actor AS Actor,
                   CASE WHEN actor IS NULL AND key_id IS NOT NULL
                        THEN (SELECT k.name FROM api_keys k WHERE k.id = audit_events.key_id) END AS KeyName
            FROM audit_events
            WHERE (@patientId IS NULL OR patient_id = @patientId)
              AND (@siteId IS NULL OR site_id = @siteId OR patient_id IN (SELECT id FROM patients WHERE site_id = @siteId))
              AND (@from IS NULL OR at >= @from) AND (@to IS NULL OR at <= @to)
              AND (@action IS NULL OR action = @action)
              AND (@keyId IS NULL OR key_id = @keyId)
              AND (@targetId IS NULL OR target_id = @targetId)
              AND (@afterSeq IS NULL OR seq > @afterSeq)
            ORDER BY seq
            LIMIT @take
            """;
        var rows = (await c.QueryAsync<Row>(new CommandDefinition(sql, new
        {
            patientId = filter.PatientId, siteId = filter.SiteId, from = DbTime.ToDb(filter.From), to = DbTime.ToDb(filter.To),
            action = filter.Action, keyId = filter.KeyId, targetId = filter.TargetId, afterSeq, take = limit + 1,
        }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        return Page<AuditEvent>.FromRows(rows, limit, r => Keyset.Encode(r.Seq, Guid.Empty),
            r => new AuditEvent(r.Seq, r.At, r.KeyId, r.Role, r.Action, r.PatientId, (int)r.StatusCode, r.Outcome, r.RequestId,
                r.TargetType, r.TargetId, r.SiteId, r.ClientAddress, r.Count, r.Actor, r.KeyName));
    }
}
