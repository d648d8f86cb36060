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
        id AS Id, patient_id AS PatientId, level AS Level, trigger AS Trigger, questionnaire_id AS QuestionnaireId, checkin_id AS CheckinId,
        status AS Status, created_at AS CreatedAt, acknowledged_by AS AcknowledgedBy, acknowledged_at AS AcknowledgedAt, note AS Note
        """;

    private sealed class Row
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
    public static async Task<IReadOnlyDictionary<Guid, SafetyAlertRecord>> BySubmissionAsync(DbConnection c, IReadOnlyCollection<Guid> submissionIds, CancellationToken ct)
    {
        if (submissionIds.Count == 0) return new Dictionary<Guid, SafetyAlertRecord>();
        const string sql = $"SELECT {Columns} FROM safety_alerts WHERE questionnaire_id IN @ids OR checkin_id IN @ids";
        var rows = await c.QueryAsync<Row>(new CommandDefinition(sql, new { ids = submissionIds.ToArray() }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToRecord()).ToDictionary(a => (a.QuestionnaireId ?? a.CheckinId)!.Value);
    }

    public static async Task<IReadOnlyList<SafetyAlertRecord>> ForPatientAsync(DbConnection c, Guid patientId, AlertStatus? status, CancellationToken ct)
    {
        const string sql = $"""
            SELECT {Columns} FROM safety_alerts WHERE patient_id = @patientId AND (@status IS NULL OR status = @status)
            ORDER BY level DESC, created_at, id
            """;
        var rows = await c.QueryAsync<Row>(new CommandDefinition(sql, new { patientId, status = status is { } s ? WireNames.Of(s) : null }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToRecord()).ToArray();
    }
}
