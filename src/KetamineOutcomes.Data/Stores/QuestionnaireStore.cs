using System.Data.Common;
using System.Text.Json;
using Dapper;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Trends;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Data.Stores;

/// <summary>Scored PHQ-9 / GAD-7 submissions.</summary>
public static class QuestionnaireStore
{
    private const string Columns = """
        id AS Id, patient_id AS PatientId, instrument AS Instrument, completed_at AS CompletedAt, items AS Items,
        difficulty AS Difficulty, source AS Source, total_score AS TotalScore, severity AS Severity, prorated AS Prorated, created_at AS CreatedAt, status AS Status,
        version AS Version, last_updated AS LastUpdated
        """;

    private sealed class Row
    {
        public Guid Id { get; set; }
        public Guid PatientId { get; set; }
        public string Instrument { get; set; } = "";
        public DateTimeOffset CompletedAt { get; set; }
        public string Items { get; set; } = "[]";
        public long? Difficulty { get; set; }
        public string? Source { get; set; }
        public long TotalScore { get; set; }
        public string Severity { get; set; } = "";
        public long Prorated { get; set; }
        public DateTimeOffset CreatedAt { get; set; }
        public string Status { get; set; } = "";
        public long Version { get; set; }
        public DateTimeOffset LastUpdated { get; set; }

        public QuestionnaireRecord ToRecord() => new(
            Id, PatientId, WireNames.Parse<Instrument>(Instrument), CompletedAt, JsonSerializer.Deserialize<int?[]>(Items) ?? [],
            (int?)Difficulty, Source, (int)TotalScore, WireNames.Parse<Severity>(Severity), Prorated == 1, CreatedAt, WireNames.Parse<RecordStatus>(Status))
        {
            Version = (int)Version, LastUpdated = LastUpdated,
        };
    }

    public static Task InsertAsync(DbConnection c, DbTransaction tx, QuestionnaireRecord q, CancellationToken ct)
    {
        const string sql = """
            INSERT INTO questionnaires (id, patient_id, instrument, completed_at, items, difficulty, source, total_score, severity, prorated, item9, created_at, status, last_updated)
            VALUES (@Id, @PatientId, @Instrument, @CompletedAt, @Items, @Difficulty, @Source, @TotalScore, @Severity, @Prorated, @Item9, @CreatedAt, @Status, @CreatedAt)
            """;
        return c.ExecuteAsync(new CommandDefinition(sql, Values(q), tx, cancellationToken: ct));
    }

    private static object Values(QuestionnaireRecord q) => new
    {
        q.Id, q.PatientId, Instrument = WireNames.Of(q.Instrument), CompletedAt = DbTime.ToDb(q.CompletedAt),
        Items = JsonSerializer.Serialize(q.Items), q.Difficulty, q.Source, q.TotalScore,
        Severity = WireNames.Of(q.Severity), Prorated = q.Prorated ? 1 : 0,
        q.Item9,
        CreatedAt = DbTime.ToDb(q.CreatedAt), Status = WireNames.Of(q.Status),
        q.Version, LastUpdated = DbTime.ToDb(q.LastUpdated),
    };

    /// <summary>
    /// Makes <paramref name="q"/> (its values, status, version and last update) the current version, if the stored one is
    /// still <paramref name="expectedVersion"/>; false when another change got there first (SPEC v2, Corrections: 412).
    /// The instrument and creation time never change.
    /// </summary>
    public static async Task<bool> UpdateAsync(
        DbConnection c, DbTransaction tx, QuestionnaireRecord q, int expectedVersion, string changedBy, string? reason, CancellationToken ct)
    {
        const string sql = """
            UPDATE questionnaires SET completed_at = @CompletedAt, items = @Items, difficulty = @Difficulty, source = @Source,
                total_score = @TotalScore, severity = @Severity, prorated = @Prorated, item9 = @Item9, status = @Status,
                version = @Version, last_updated = @LastUpdated, changed_by = @changedBy, change_reason = @reason
            WHERE id = @Id AND patient_id = @PatientId AND version = @expectedVersion
            """;
        var p = new DynamicParameters(Values(q));
        p.AddDynamicParams(new { expectedVersion, changedBy, reason });
        return await c.ExecuteAsync(new CommandDefinition(sql, p, tx, cancellationToken: ct)).ConfigureAwait(false) == 1;
    }

    /// <summary>
    /// A patient's questionnaires in completion order, with inclusive time filters and keyset paging; entered-in-error
    /// ones only when <paramref name="includeEnteredInError"/>.
    /// </summary>
    public static async Task<Page<QuestionnaireRecord>> ListAsync(
        DbConnection c, Guid patientId, Instrument? instrument, DateTimeOffset? from, DateTimeOffset? to, string? cursor, int limit,
        bool includeEnteredInError, CancellationToken ct)
    {
        var sql = $"""
            SELECT {Columns} FROM questionnaires
            WHERE patient_id = @patientId{LiveRecords.And(includeEnteredInError)}
              AND (@instrument IS NULL OR instrument = @instrument)
              AND (@from IS NULL OR completed_at >= @from)
              AND (@to IS NULL OR completed_at <= @to)
              AND (@afterAt IS NULL OR completed_at > @afterAt OR (completed_at = @afterAt AND id > @afterId))
            ORDER BY completed_at, id
            LIMIT @take
            """;
        var (afterAt, afterId) = cursor is null ? (null, Guid.Empty) : Keyset.Decode(cursor);
        var rows = (await c.QueryAsync<Row>(new CommandDefinition(sql, new
        {
            patientId, instrument = instrument is { } i ? WireNames.Of(i) : null,
            from = DbTime.ToDb(from), to = DbTime.ToDb(to), afterAt, afterId, take = limit + 1,
        }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        return Page<QuestionnaireRecord>.FromRows(rows, limit, r => Keyset.Encode(DbTime.ToDb(r.CompletedAt), r.Id), r => r.ToRecord());
    }

    public static async Task<QuestionnaireRecord?> GetAsync(DbConnection c, Guid patientId, Guid id, CancellationToken ct, DbTransaction? tx = null)
    {
        const string sql = $"SELECT {Columns} FROM questionnaires WHERE id = @id AND patient_id = @patientId";
        var row = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(sql, new { id, patientId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return row?.ToRecord();
    }

    /// <summary>One questionnaire by id, whoever the patient (the caller checks visibility).</summary>
    public static async Task<QuestionnaireRecord?> GetByIdAsync(DbConnection c, Guid id, CancellationToken ct)
    {
        const string sql = $"SELECT {Columns} FROM questionnaires WHERE id = @id";
        return (await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(sql, new { id }, cancellationToken: ct)).ConfigureAwait(false))?.ToRecord();
    }

    // The FHIR search's read: every column an Observation or a search key needs, never the items JSON.
    internal const string SummariesSql = "SELECT id, instrument, completed_at, total_score, severity, prorated, item9, status, version, last_updated "
        + "FROM questionnaires WHERE patient_id = @patientId ORDER BY completed_at, id";

    private const string LiveSummariesSql = "SELECT id, instrument, completed_at, total_score, severity, prorated, item9, status, version, last_updated "
        + "FROM questionnaires WHERE patient_id = @patientId AND " + LiveRecords.Condition + " ORDER BY completed_at, id";

    /// <summary>
    /// Every questionnaire of a patient without its answers, any instrument, in completion order (ties by id);
    /// entered-in-error ones only when <paramref name="includeEnteredInError"/>. Read by hand: the FHIR searches build
    /// Observations and search keys from these, and whole records only for a page (issue 24).
    /// </summary>
    public static async Task<IReadOnlyList<QuestionnaireSummary>> SummariesForPatientAsync(
        DbConnection c, Guid patientId, bool includeEnteredInError, CancellationToken ct)
    {
        var command = new CommandDefinition(includeEnteredInError ? SummariesSql : LiveSummariesSql, new { patientId }, cancellationToken: ct);
        // version is integer on PostgreSQL and an INTEGER (64-bit) on SQLite: GetInt32 reads both.
        return await HandRead.ListAsync(c, command, r => new QuestionnaireSummary(
            r.GetGuid(0), patientId, WireNames.Parse<Instrument>(r.GetString(1)), DbTime.FromDb(r.GetInt64(2)), (int)r.GetInt64(3),
            WireNames.Parse<Severity>(r.GetString(4)), r.GetInt64(5) == 1, r.IsDBNull(6) ? null : (int)r.GetInt64(6),
            WireNames.Parse<RecordStatus>(r.GetString(7)), r.GetInt32(8), DbTime.FromDb(r.GetInt64(9)))).ConfigureAwait(false);
    }

    /// <summary>
    /// Whole records of a patient by id, whatever their status, in no particular order; ids not found (or another
    /// patient's) are left out.
    /// </summary>
    public static async Task<IReadOnlyList<QuestionnaireRecord>> GetManyAsync(DbConnection c, Guid patientId, IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        var sql = $"SELECT {Columns} FROM questionnaires WHERE patient_id = @patientId AND {SqlDialect.InList(c, "id", "ids")}";
        var rows = await c.QueryAsync<Row>(new CommandDefinition(sql, new { patientId, ids = ids.ToArray() }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToRecord()).ToArray();
    }

    // The trend's read (tests check its plan stays index-only).
    internal const string ScoresSql = "SELECT id, completed_at, total_score, severity, prorated FROM questionnaires "
        + "WHERE patient_id = @patientId AND instrument = @instrument AND " + LiveRecords.Condition + " ORDER BY completed_at, id";

    /// <summary>
    /// A patient's scores on one instrument in completion order, entered-in-error ones left out: all the trend needs,
    /// read by hand from the covering (patient, instrument, time, id … status) index alone — no table rows, no item
    /// JSON, no mapping of whole records.
    /// </summary>
    public static async Task<IReadOnlyList<ScoredAssessment>> ScoresForPatientAsync(DbConnection c, Guid patientId, Instrument instrument, CancellationToken ct)
    {
        return await HandRead.ListAsync(c, new CommandDefinition(ScoresSql, new { patientId, instrument = WireNames.Of(instrument) }, cancellationToken: ct),
            r => new ScoredAssessment(r.GetGuid(0), DbTime.FromDb(r.GetInt64(1)), (int)r.GetInt64(2), WireNames.Parse<Severity>(r.GetString(3)),
                r.GetInt64(4) == 1)).ConfigureAwait(false);
    }

    /// <summary>
    /// The patient's PHQ-9s whose item 9 (thoughts of death or self-harm) was answered ≥ 1, flagged on the trend picture
    /// whether or not their alert has been acknowledged since (entered-in-error ones are not on the picture).
    /// </summary>
    public static async Task<IReadOnlySet<Guid>> Item9PositiveIdsAsync(DbConnection c, Guid patientId, CancellationToken ct)
    {
        const string sql = "SELECT id FROM questionnaires WHERE patient_id = @patientId AND instrument = 'phq9' AND item9 >= 1 AND " + LiveRecords.Condition;
        return (await HandRead.ListAsync(c, new CommandDefinition(sql, new { patientId }, cancellationToken: ct), r => r.GetGuid(0)).ConfigureAwait(false))
            .ToHashSet();
    }
}
