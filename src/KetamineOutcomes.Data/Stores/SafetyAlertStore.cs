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
        a.status AS Status, a.created_at AS CreatedAt, a.acknowledged_by AS AcknowledgedBy, a.acknowledged_at AS AcknowledgedAt, a.note AS Note,
        a.source_status AS SourceStatus, a.source_version AS SourceVersion
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
        public string? SourceStatus { get; set; }
        public long SourceVersion { get; set; }

        public SafetyAlertRecord ToRecord() => new(
            Id, PatientId, (AlertLevel)Level, WireNames.Parse<AlertTrigger>(Trigger), QuestionnaireId, CheckinId,
            WireNames.Parse<AlertStatus>(Status), CreatedAt, AcknowledgedBy, AcknowledgedAt, Note)
        {
            SourceStatus = SourceStatus is null ? null : WireNames.Parse<RecordStatus>(SourceStatus), SourceVersion = (int)SourceVersion,
        };
    }

    public static Task InsertAsync(DbConnection c, DbTransaction tx, SafetyAlertRecord a, CancellationToken ct)
    {
        const string sql = """
            INSERT INTO safety_alerts (id, patient_id, level, trigger, questionnaire_id, checkin_id, status, created_at, source_status, source_version)
            VALUES (@Id, @PatientId, @Level, @Trigger, @QuestionnaireId, @CheckinId, @Status, @CreatedAt, @SourceStatus, @SourceVersion)
            """;
        return c.ExecuteAsync(new CommandDefinition(sql, new
        {
            a.Id, a.PatientId, Level = (int)a.Level, Trigger = WireNames.Of(a.Trigger), a.QuestionnaireId, a.CheckinId,
            Status = WireNames.Of(a.Status), CreatedAt = DbTime.ToDb(a.CreatedAt),
            SourceStatus = a.SourceStatus is { } s ? WireNames.Of(s) : null, a.SourceVersion,
        }, tx, cancellationToken: ct));
    }

    /// <summary>
    /// The alert each of the given submissions (questionnaire or check-in ids) shows, keyed by that id: its highest-level
    /// alert (an amendment may have raised a higher one after the first; SPEC v2, Corrections).
    /// </summary>
    public static async Task<IReadOnlyDictionary<Guid, SafetyAlertRecord>> BySubmissionAsync(
        DbConnection c, Guid patientId, IReadOnlyCollection<Guid> submissionIds, CancellationToken ct, DbTransaction? tx = null)
    {
        if (submissionIds.Count == 0) return new Dictionary<Guid, SafetyAlertRecord>();
        // A patient's alerts are few: read them all and keep those of the given submissions (no list parameter).
        const string sql = $"SELECT {Columns} FROM safety_alerts a WHERE a.patient_id = @patientId";
        var wanted = submissionIds.ToHashSet();
        var rows = await c.QueryAsync<Row>(new CommandDefinition(sql, new { patientId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToRecord()).Where(a => wanted.Contains(a.SourceId))
            .GroupBy(a => a.SourceId).ToDictionary(g => g.Key, g => g.MaxBy(a => (a.Level, a.SourceVersion))!);
    }

    /// <summary>Every alert one questionnaire or check-in raised, lowest level first.</summary>
    public static async Task<IReadOnlyList<SafetyAlertRecord>> ForSourceAsync(DbConnection c, Guid sourceId, DbTransaction? tx, CancellationToken ct)
    {
        const string sql = $"SELECT {Columns} FROM safety_alerts a WHERE a.questionnaire_id = @sourceId OR a.checkin_id = @sourceId ORDER BY a.level";
        return (await c.QueryAsync<Row>(new CommandDefinition(sql, new { sourceId }, tx, cancellationToken: ct)).ConfigureAwait(false)).Select(r => r.ToRecord()).ToArray();
    }

    /// <summary>
    /// Marks every alert of a corrected questionnaire or check-in with what became of its source (amended or
    /// entered-in-error); their status (open or acknowledged) is left as it is.
    /// </summary>
    /// <summary>Sets what became of one alert's source (null: its current version still meets the alert's trigger).</summary>
    public static Task SetSourceStatusAsync(DbConnection c, DbTransaction tx, Guid alertId, RecordStatus? status, CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition(
            "UPDATE safety_alerts SET source_status = @status WHERE id = @alertId",
            new { alertId, status = status is { } s ? WireNames.Of(s) : null }, tx, cancellationToken: ct));

    public static async Task<IReadOnlyList<SafetyAlertRecord>> ForPatientAsync(DbConnection c, Guid patientId, AlertStatus? status, CancellationToken ct)
    {
        const string sql = $"""
            SELECT {Columns} FROM safety_alerts a WHERE a.patient_id = @patientId AND (@status IS NULL OR a.status = @status)
            ORDER BY a.level DESC, a.created_at, a.id
            """;
        var rows = await c.QueryAsync<Row>(new CommandDefinition(sql, new { patientId, status = status is { } s ? WireNames.Of(s) : null }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToRecord()).ToArray();
    }

    /// <summary>An alert with its patient's site (for site scoping) and MRN, and its source submission's answers.</summary>
    public static async Task<SafetyAlertView?> GetViewAsync(DbConnection c, Guid id, DbTransaction? tx, CancellationToken ct)
    {
        const string sql = $"SELECT {ViewColumns} {ViewJoins} WHERE a.id = @id";
        var row = await c.QuerySingleOrDefaultAsync<ViewRow>(new CommandDefinition(sql, new { id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return row?.ToView();
    }

    // The patient (site, MRN) and the one source submission the trigger names (the schema's CHECK allows exactly one),
    // and, once that submission was corrected, the superseded version that raised the alert (on the history's primary key;
    // no row while the raising version is the current one).
    private const string ViewColumns = $"""
        {Columns}, p.site_id AS SiteId, p.mrn AS Mrn, COALESCE(q.completed_at, k.completed_at) AS SourceCompletedAt, q.item9 AS Item9,
        k.wish_to_be_dead AS WishToBeDead, k.suicidal_thoughts AS SuicidalThoughts, k.thoughts_of_method AS ThoughtsOfMethod,
        k.intent AS Intent, k.plan AS Plan, k.suicidal_behavior AS SuicidalBehavior, COALESCE(qv.body, kv.body) AS RaisedByBody
        """;
    private const string ViewJoins = """
        FROM safety_alerts a JOIN patients p ON p.id = a.patient_id
        LEFT JOIN questionnaires q ON q.id = a.questionnaire_id
        LEFT JOIN suicidality_checkins k ON k.id = a.checkin_id
        LEFT JOIN record_versions qv ON qv.record_type = 'questionnaire' AND qv.record_id = a.questionnaire_id AND qv.version = a.source_version
        LEFT JOIN record_versions kv ON kv.record_type = 'suicidality-checkin' AND kv.record_id = a.checkin_id AND kv.version = a.source_version
        """;

    /// <summary>
    /// The clinician queue: highest level first, then oldest first (keyset-paginated on level, time, id), with the
    /// patient's site joined for filtering and each alert's MRN and source answers for the card.
    /// </summary>
    public static async Task<Page<SafetyAlertView>> QueueAsync(
        DbConnection c, AlertStatus? status, string? siteId, AlertLevel? level, string? cursor, int limit, CancellationToken ct)
    {
        const string sql = $"""
            SELECT {ViewColumns}
            {ViewJoins}
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
        var rows = (await c.QueryAsync<ViewRow>(new CommandDefinition(sql, new
        {
            status = status is { } s ? WireNames.Of(s) : null, siteId, level = (int?)level, afterLevel, afterAt, afterId, take = limit + 1,
        }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        return Page<SafetyAlertView>.FromRows(rows, limit,
            r => Keyset.Encode(r.Level * LevelFactor + DbTime.ToDb(r.CreatedAt), r.Id), r => r.ToView());
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

    private sealed class ViewRow : Row
    {
        public string? SiteId { get; set; }
        public string? Mrn { get; set; }
        public DateTimeOffset SourceCompletedAt { get; set; }
        public long? Item9 { get; set; }
        public long? WishToBeDead { get; set; }
        public long? SuicidalThoughts { get; set; }
        public long? ThoughtsOfMethod { get; set; }
        public long? Intent { get; set; }
        public long? Plan { get; set; }
        public string? SuicidalBehavior { get; set; }
        public string? RaisedByBody { get; set; }

        public SafetyAlertView ToView() => new(
            ToRecord(), SiteId, Mrn, SourceCompletedAt, Item9 is { } i ? (int)i : null,
            SuicidalBehavior is null ? null : new CssrsAnswers(WishToBeDead == 1, SuicidalThoughts == 1, Bool(ThoughtsOfMethod), Bool(Intent), Bool(Plan),
                WireNames.Parse<SuicidalBehavior>(SuicidalBehavior)), RaisedByBody);

        private static bool? Bool(long? v) => v is null ? null : v == 1;
    }
}

/// <summary>How many alerts of one level are open, and when the oldest of them was raised.</summary>
public sealed record OpenAlertsAtLevel(AlertLevel Level, long Count, DateTimeOffset OldestCreatedAt);
