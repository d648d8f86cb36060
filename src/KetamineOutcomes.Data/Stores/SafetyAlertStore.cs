using System.Data.Common;
using Dapper;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Safety;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Data.Stores;

/// <summary>Safety alerts. Always inserted in the same transaction as the submission that triggered them.</summary>
public static class SafetyAlertStore
{
    private const string Columns = """
        a.id AS Id, a.patient_id AS PatientId, a.level AS Level, a.trigger AS Trigger, a.questionnaire_id AS QuestionnaireId, a.checkin_id AS CheckinId,
        a.status AS Status, a.created_at AS CreatedAt, a.acknowledged_by AS AcknowledgedBy, a.acknowledged_at AS AcknowledgedAt, a.note AS Note
        """;

    private class Row
    {
        public Guid Id { get; set; }
        public Guid PatientId { get; set; }
        public long Level { get; set; }
        public string Trigger { get; set; } = "";
        public Guid? QuestionnaireId { get; set; }
        public Guid? CheckinId { get; set; }
        public string Status { get; set; } = "";
        public DateTimeOffset CreatedAt { get; set; }
        public string? AcknowledgedBy { get; set; }
        public DateTimeOffset? AcknowledgedAt { get; set; }
        public string? Note { get; set; }

        public SafetyAlertRecord ToRecord() => new(
            Id, PatientId, (AlertLevel)Level, WireNames.Parse<AlertTrigger>(Trigger), QuestionnaireId, CheckinId,
            WireNames.Parse<AlertStatus>(Status), CreatedAt, AcknowledgedBy, AcknowledgedAt, Note);
    }

    public static Task InsertAsync(DbConnection c, DbTransaction tx, SafetyAlertRecord a, CancellationToken ct)
    {
        const string sql = """
            INSERT INTO safety_alerts (id, patient_id, level, trigger, questionnaire_id, checkin_id, status, created_at)
            VALUES (@Id, @PatientId, @Level, @Trigger, @QuestionnaireId, @CheckinId, @Status, @CreatedAt)
            """;
        return c.ExecuteAsync(new CommandDefinition(sql, new
        {
            a.Id, a.PatientId, Level = (int)a.Level, Trigger = WireNames.Of(a.Trigger), a.QuestionnaireId, a.CheckinId,
            Status = WireNames.Of(a.Status), CreatedAt = DbTime.ToDb(a.CreatedAt),
        }, tx, cancellationToken: ct));
    }

    /// <summary>Alerts raised by any of the given submissions (questionnaire or check-in ids), keyed by that id.</summary>
    public static async Task<IReadOnlyDictionary<Guid, SafetyAlertRecord>> BySubmissionAsync(DbConnection c, Guid patientId, IReadOnlyCollection<Guid> submissionIds, CancellationToken ct)
    {
        if (submissionIds.Count == 0) return new Dictionary<Guid, SafetyAlertRecord>();
        // A patient's alerts are few: read them all and keep those of the given submissions (no list parameter).
        const string sql = $"SELECT {Columns} FROM safety_alerts a WHERE a.patient_id = @patientId";
        var wanted = submissionIds.ToHashSet();
        var rows = await c.QueryAsync<Row>(new CommandDefinition(sql, new { patientId }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToRecord()).Where(a => wanted.Contains((a.QuestionnaireId ?? a.CheckinId)!.Value))
            .ToDictionary(a => (a.QuestionnaireId ?? a.CheckinId)!.Value);
    }

    public static async Task<IReadOnlyList<SafetyAlertRecord>> ForPatientAsync(DbConnection c, Guid patientId, AlertStatus? status, CancellationToken ct)
    {
        const string sql = $"""
            SELECT {Columns} FROM safety_alerts a WHERE a.patient_id = @patientId AND (@status IS NULL OR a.status = @status)
            ORDER BY a.level DESC, a.created_at, a.id
            """;
        var rows = await c.QueryAsync<Row>(new CommandDefinition(sql, new { patientId, status = status is { } s ? WireNames.Of(s) : null }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToRecord()).ToArray();
    }

    /// <summary>An alert with the site of its patient (for site scoping).</summary>
    public static async Task<(SafetyAlertRecord Alert, string? SiteId)?> GetWithSiteAsync(DbConnection c, Guid id, DbTransaction? tx, CancellationToken ct)
    {
        const string sql = $"SELECT {Columns}, (SELECT site_id FROM patients p WHERE p.id = a.patient_id) AS SiteId FROM safety_alerts a WHERE a.id = @id";
        var row = await c.QuerySingleOrDefaultAsync<SiteRow>(new CommandDefinition(sql, new { id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return row is null ? null : (row.ToRecord(), row.SiteId);
    }

    /// <summary>
    /// The clinician queue: highest level first, then oldest first (keyset-paginated on level, time, id), with the
    /// patient's site joined for filtering.
    /// </summary>
    public static async Task<Page<(SafetyAlertRecord Alert, string? SiteId)>> QueueAsync(
        DbConnection c, AlertStatus? status, string? siteId, AlertLevel? level, string? cursor, int limit, CancellationToken ct)
    {
        const string sql = $"""
            SELECT {Columns}, p.site_id AS SiteId
            FROM safety_alerts a JOIN patients p ON p.id = a.patient_id
            WHERE (@status IS NULL OR a.status = @status)
              AND (@siteId IS NULL OR p.site_id = @siteId)
              AND (@level IS NULL OR a.level = @level)
              AND (@afterLevel IS NULL
                   OR a.level < @afterLevel
                   OR (a.level = @afterLevel AND (a.created_at > @afterAt OR (a.created_at = @afterAt AND a.id > @afterId))))
            ORDER BY a.level DESC, a.created_at, a.id
            LIMIT @take
            """;
        long? afterLevel = null, afterAt = null;
        var afterId = Guid.Empty;
        if (cursor is not null)
        {
            (var packed, afterId) = Keyset.Decode(cursor);
            // level and time packed in one number: level × 10^17 + microseconds (times stay below 10^17 µs until year 5138).
            afterLevel = packed / LevelFactor;
            afterAt = packed % LevelFactor;
        }
        var rows = (await c.QueryAsync<SiteRow>(new CommandDefinition(sql, new
        {
            status = status is { } s ? WireNames.Of(s) : null, siteId, level = (int?)level, afterLevel, afterAt, afterId, take = limit + 1,
        }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        return Page<(SafetyAlertRecord, string?)>.FromRows(rows, limit,
            r => Keyset.Encode(r.Level * LevelFactor + DbTime.ToDb(r.CreatedAt), r.Id), r => (r.ToRecord(), r.SiteId));
    }

    private const long LevelFactor = 100_000_000_000_000_000;

    /// <summary>Acknowledges an open alert; false when it was not open (already acknowledged).</summary>
    public static async Task<bool> AcknowledgeAsync(DbConnection c, DbTransaction tx, Guid id, string acknowledgedBy, string? note, DateTimeOffset now, CancellationToken ct)
    {
        const string sql = """
            UPDATE safety_alerts SET status = 'acknowledged', acknowledged_by = @acknowledgedBy, acknowledged_at = @now, note = @note
            WHERE id = @id AND status = 'open'
            """;
        return await c.ExecuteAsync(new CommandDefinition(sql, new { id, acknowledgedBy, note, now = DbTime.ToDb(now) }, tx, cancellationToken: ct)).ConfigureAwait(false) == 1;
    }

    /// <summary>
    /// Open (unacknowledged) alerts per level with the creation time of the oldest, for operators' metrics. One
    /// aggregate over the (status, level, created_at) index; levels without an open alert are absent.
    /// </summary>
    public static async Task<IReadOnlyList<OpenAlertsAtLevel>> OpenByLevelAsync(DbConnection c, CancellationToken ct)
    {
        const string sql = """
            SELECT level AS Level, COUNT(*) AS Count, MIN(created_at) AS Oldest FROM safety_alerts WHERE status = 'open' GROUP BY level
            """;
        var rows = await c.QueryAsync<(long Level, long Count, long Oldest)>(new CommandDefinition(sql, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => new OpenAlertsAtLevel((AlertLevel)r.Level, r.Count, DbTime.FromDb(r.Oldest))).ToArray();
    }

    private sealed class SiteRow : Row
    {
        public string? SiteId { get; set; }
    }
}

/// <summary>How many alerts of one level are open, and when the oldest of them was raised.</summary>
public sealed record OpenAlertsAtLevel(AlertLevel Level, long Count, DateTimeOffset OldestCreatedAt);
