using System.Data.Common;
using Dapper;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Safety;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Data.Stores;

/// <summary>C-SSRS screener check-ins.</summary>
public static class CheckinStore
{
    private const string Columns = """
        id AS Id, patient_id AS PatientId, completed_at AS CompletedAt, wish_to_be_dead AS WishToBeDead, suicidal_thoughts AS SuicidalThoughts,
        thoughts_of_method AS ThoughtsOfMethod, intent AS Intent, plan AS Plan, suicidal_behavior AS SuicidalBehavior,
        risk_level AS RiskLevel, source AS Source, created_at AS CreatedAt, status AS Status,
        version AS Version, last_updated AS LastUpdated
        """;

    private sealed class Row
    {
        public Guid Id { get; set; }
        public Guid PatientId { get; set; }
        public DateTimeOffset CompletedAt { get; set; }
        public long WishToBeDead { get; set; }
        public long SuicidalThoughts { get; set; }
        public long? ThoughtsOfMethod { get; set; }
        public long? Intent { get; set; }
        public long? Plan { get; set; }
        public string SuicidalBehavior { get; set; } = "";
        public string RiskLevel { get; set; } = "";
        public string? Source { get; set; }
        public DateTimeOffset CreatedAt { get; set; }
        public string Status { get; set; } = "";
        public long Version { get; set; }
        public DateTimeOffset LastUpdated { get; set; }

        public CheckinRecord ToRecord() => new(
            Id, PatientId, CompletedAt,
            new CssrsAnswers(WishToBeDead == 1, SuicidalThoughts == 1, Bool(ThoughtsOfMethod), Bool(Intent), Bool(Plan),
                WireNames.Parse<SuicidalBehavior>(SuicidalBehavior)),
            WireNames.Parse<RiskLevel>(RiskLevel), Source, CreatedAt, WireNames.Parse<RecordStatus>(Status))
        {
            Version = (int)Version, LastUpdated = LastUpdated,
        };

        private static bool? Bool(long? v) => v is null ? null : v == 1;
    }

    public static Task InsertAsync(DbConnection c, DbTransaction tx, CheckinRecord r, CancellationToken ct)
    {
        const string sql = """
            INSERT INTO suicidality_checkins (id, patient_id, completed_at, wish_to_be_dead, suicidal_thoughts, thoughts_of_method,
                intent, plan, suicidal_behavior, risk_level, source, created_at, status, last_updated)
            VALUES (@Id, @PatientId, @CompletedAt, @WishToBeDead, @SuicidalThoughts, @ThoughtsOfMethod,
                @Intent, @Plan, @SuicidalBehavior, @RiskLevel, @Source, @CreatedAt, @Status, @CreatedAt)
            """;
        return c.ExecuteAsync(new CommandDefinition(sql, Values(r), tx, cancellationToken: ct));
    }

    private static object Values(CheckinRecord r)
    {
        var a = r.Answers;
        return new
        {
            r.Id, r.PatientId, CompletedAt = DbTime.ToDb(r.CompletedAt),
            WishToBeDead = Int(a.WishToBeDead), SuicidalThoughts = Int(a.SuicidalThoughts),
            ThoughtsOfMethod = Int(a.ThoughtsOfMethod), Intent = Int(a.Intent), Plan = Int(a.Plan),
            SuicidalBehavior = WireNames.Of(a.SuicidalBehavior), RiskLevel = WireNames.Of(r.RiskLevel),
            r.Source, CreatedAt = DbTime.ToDb(r.CreatedAt), Status = WireNames.Of(r.Status),
            r.Version, LastUpdated = DbTime.ToDb(r.LastUpdated),
        };
    }

    /// <summary>
    /// Makes <paramref name="r"/> the current version if the stored one is still <paramref name="expectedVersion"/>;
    /// false when another change got there first (SPEC v2, Corrections: 412).
    /// </summary>
    public static async Task<bool> UpdateAsync(
        DbConnection c, DbTransaction tx, CheckinRecord r, int expectedVersion, string changedBy, string? reason, CancellationToken ct)
    {
        const string sql = """
            UPDATE suicidality_checkins SET completed_at = @CompletedAt, wish_to_be_dead = @WishToBeDead, suicidal_thoughts = @SuicidalThoughts,
                thoughts_of_method = @ThoughtsOfMethod, intent = @Intent, plan = @Plan, suicidal_behavior = @SuicidalBehavior,
                risk_level = @RiskLevel, source = @Source, status = @Status,
                version = @Version, last_updated = @LastUpdated, changed_by = @changedBy, change_reason = @reason
            WHERE id = @Id AND patient_id = @PatientId AND version = @expectedVersion
            """;
        var p = new DynamicParameters(Values(r));
        p.AddDynamicParams(new { expectedVersion, changedBy, reason });
        return await c.ExecuteAsync(new CommandDefinition(sql, p, tx, cancellationToken: ct)).ConfigureAwait(false) == 1;
    }

    public static async Task<CheckinRecord?> GetAsync(DbConnection c, Guid patientId, Guid id, CancellationToken ct, DbTransaction? tx = null)
    {
        const string sql = $"SELECT {Columns} FROM suicidality_checkins WHERE id = @id AND patient_id = @patientId";
        var row = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(sql, new { id, patientId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return row?.ToRecord();
    }

    public static async Task<CheckinRecord?> GetByIdAsync(DbConnection c, Guid id, CancellationToken ct)
    {
        const string sql = $"SELECT {Columns} FROM suicidality_checkins WHERE id = @id";
        return (await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(sql, new { id }, cancellationToken: ct)).ConfigureAwait(false))?.ToRecord();
    }

    private const string SummariesSql = "SELECT id, completed_at, risk_level, status, version, last_updated "
        + "FROM suicidality_checkins WHERE patient_id = @patientId ORDER BY completed_at, id";

    private const string LiveSummariesSql = "SELECT id, completed_at, risk_level, status, version, last_updated "
        + "FROM suicidality_checkins WHERE patient_id = @patientId AND " + LiveRecords.Condition + " ORDER BY completed_at, id";

    /// <summary>
    /// Every check-in of a patient without its answers, in completion order (ties by id); entered-in-error ones only
    /// when <paramref name="includeEnteredInError"/>. Read by hand, as <see cref="QuestionnaireStore.SummariesForPatientAsync"/>.
    /// </summary>
    public static async Task<IReadOnlyList<CheckinSummary>> SummariesForPatientAsync(DbConnection c, Guid patientId, bool includeEnteredInError, CancellationToken ct)
    {
        var command = new CommandDefinition(includeEnteredInError ? SummariesSql : LiveSummariesSql, new { patientId }, cancellationToken: ct);
        // version: GetInt32 reads PostgreSQL's integer and SQLite's 64-bit INTEGER alike.
        return await HandRead.ListAsync(c, command, r => new CheckinSummary(
            r.GetGuid(0), patientId, DbTime.FromDb(r.GetInt64(1)), WireNames.Parse<RiskLevel>(r.GetString(2)), WireNames.Parse<RecordStatus>(r.GetString(3)),
            r.GetInt32(4), DbTime.FromDb(r.GetInt64(5)))).ConfigureAwait(false);
    }

    /// <summary>Whole check-ins of a patient by id, as <see cref="QuestionnaireStore.GetManyAsync"/>.</summary>
    public static async Task<IReadOnlyList<CheckinRecord>> GetManyAsync(DbConnection c, Guid patientId, IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        var sql = $"SELECT {Columns} FROM suicidality_checkins WHERE patient_id = @patientId AND {SqlDialect.InList(c, "id", "ids")}";
        var rows = await c.QueryAsync<Row>(new CommandDefinition(sql, new { patientId, ids = ids.ToArray() }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToRecord()).ToArray();
    }

    /// <summary>A patient's check-ins in completion order, as <see cref="QuestionnaireStore.ListAsync"/>.</summary>
    public static async Task<Page<CheckinRecord>> ListAsync(
        DbConnection c, Guid patientId, DateTimeOffset? from, DateTimeOffset? to, string? cursor, int limit, bool includeEnteredInError, CancellationToken ct)
    {
        var sql = $"""
            SELECT {Columns} FROM suicidality_checkins
            WHERE patient_id = @patientId{LiveRecords.And(includeEnteredInError)}
              AND (@from IS NULL OR completed_at >= @from)
              AND (@to IS NULL OR completed_at <= @to)
              AND (@afterAt IS NULL OR completed_at > @afterAt OR (completed_at = @afterAt AND id > @afterId))
            ORDER BY completed_at, id
            LIMIT @take
            """;
        var (afterAt, afterId) = cursor is null ? (null, Guid.Empty) : Keyset.Decode(cursor);
        var rows = (await c.QueryAsync<Row>(new CommandDefinition(sql, new { patientId, from = DbTime.ToDb(from), to = DbTime.ToDb(to), afterAt, afterId, take = limit + 1 }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        return Page<CheckinRecord>.FromRows(rows, limit, r => Keyset.Encode(DbTime.ToDb(r.CompletedAt), r.Id), r => r.ToRecord());
    }

    private static int Int(bool b) => b ? 1 : 0;
    private static int? Int(bool? b) => b is null ? null : Int(b.Value);
}
