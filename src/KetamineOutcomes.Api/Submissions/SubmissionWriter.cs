using System.Data.Common;
using KetamineOutcomes.Api.Webhooks;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Safety;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Submissions;

/// <summary>
/// The one write path for scored submissions (JSON API, seeding, later FHIR): score with Core, insert the record and,
/// when the rules say so, its safety alert and the alert's outbox event (one delivery per endpoint in
/// <paramref name="notify"/>), all inside the caller's transaction so none can exist without the others.
/// </summary>
internal static class SubmissionWriter
{
    /// <summary>Inserts a validated questionnaire with its status (final, or amended as a FHIR sender said); returns it with the alert it raised.</summary>
    public static async Task<(QuestionnaireRecord Questionnaire, SafetyAlertRecord? Alert)> InsertQuestionnaireAsync(
        DbConnection c, DbTransaction tx, Guid patientId, Instrument instrument, DateTimeOffset completedAt, IReadOnlyList<int?> items,
        int? difficulty, string? source, RecordStatus status, DateTimeOffset now, IReadOnlyList<WebhookTarget> notify, CancellationToken ct)
    {
        var prepared = PrepareQuestionnaire(patientId, instrument, completedAt, items, difficulty, source, status, now);
        await InsertAsync(c, tx, prepared, notify, ct).ConfigureAwait(false);
        return (prepared.Record, prepared.Alert);
    }

    /// <summary>
    /// A validated questionnaire scored (Core) and its record built, id and creation time included, with the alert it
    /// raises — nothing stored: <see cref="InsertAsync"/> stores exactly this, so an answer can be built from it before
    /// the write, off the single writer (the FHIR create).
    /// </summary>
    /// <param name="now">The creation time as stored (already <c>DbTime.Normalize</c>d).</param>
    public static PreparedQuestionnaire PrepareQuestionnaire(
        Guid patientId, Instrument instrument, DateTimeOffset completedAt, IReadOnlyList<int?> items, int? difficulty, string? source, RecordStatus status, DateTimeOffset now)
    {
        var score = QuestionnaireScoring.Score(instrument, items);
        var q = new QuestionnaireRecord(Guid.CreateVersion7(), patientId, instrument, completedAt, items, difficulty, source,
            score.Total, score.Severity, score.Prorated, now, status);
        var alert = SafetyAlertRules.ForQuestionnaire(instrument, items) is { } level
            ? new SafetyAlertRecord(Guid.CreateVersion7(), patientId, level, AlertTrigger.Phq9Item9, q.Id, null, AlertStatus.Open, now, null, null, null)
            : null;
        return new PreparedQuestionnaire(q, alert);
    }

    /// <summary>Stores a prepared submission (<see cref="PreparedQuestionnaire"/> or <see cref="PreparedCheckin"/>) and, if it raised one, its alert and the alert's outbox event.</summary>
    public static async Task InsertAsync(DbConnection c, DbTransaction tx, PreparedSubmission prepared, IReadOnlyList<WebhookTarget> notify, CancellationToken ct)
    {
        switch (prepared)
        {
            case PreparedQuestionnaire q: await QuestionnaireStore.InsertAsync(c, tx, q.Record, ct).ConfigureAwait(false); break;
            case PreparedCheckin checkin: await CheckinStore.InsertAsync(c, tx, checkin.Record, ct).ConfigureAwait(false); break;
            default: throw new ArgumentException($"Not a submission: {prepared.GetType().Name}.", nameof(prepared));
        }
        if (prepared.Alert is { } alert) await RaiseAsync(c, tx, alert, notify, ct).ConfigureAwait(false);
    }

    /// <summary>Inserts a validated C-SSRS check-in; returns it with the alert it raised.</summary>
    public static async Task<(CheckinRecord Checkin, SafetyAlertRecord? Alert)> InsertCheckinAsync(
        DbConnection c, DbTransaction tx, Guid patientId, DateTimeOffset completedAt, CssrsAnswers answers, string? source,
        RecordStatus status, DateTimeOffset now, IReadOnlyList<WebhookTarget> notify, CancellationToken ct)
    {
        var prepared = PrepareCheckin(patientId, completedAt, answers, source, status, now);
        await InsertAsync(c, tx, prepared, notify, ct).ConfigureAwait(false);
        return (prepared.Record, prepared.Alert);
    }

    /// <summary>A validated C-SSRS check-in with its risk level (Core) and record built, and the alert it raises; nothing stored.</summary>
    /// <param name="now">The creation time as stored (already <c>DbTime.Normalize</c>d).</param>
    public static PreparedCheckin PrepareCheckin(Guid patientId, DateTimeOffset completedAt, CssrsAnswers answers, string? source, RecordStatus status, DateTimeOffset now)
    {
        var risk = CssrsRules.RiskOf(answers);
        var checkin = new CheckinRecord(Guid.CreateVersion7(), patientId, completedAt, answers, risk, source, now, status);
        var alert = SafetyAlertRules.ForCheckin(risk) is { } level
            ? new SafetyAlertRecord(Guid.CreateVersion7(), patientId, level, AlertTrigger.Cssrs, null, checkin.Id, AlertStatus.Open, now, null, null, null)
            : null;
        return new PreparedCheckin(checkin, alert);
    }

    /// <summary>Stores a new alert and its <c>safety-alert.created</c> event (a submission's, or an amendment's).</summary>
    internal static async Task RaiseAsync(DbConnection c, DbTransaction tx, SafetyAlertRecord alert, IReadOnlyList<WebhookTarget> notify, CancellationToken ct)
    {
        await SafetyAlertStore.InsertAsync(c, tx, alert, ct).ConfigureAwait(false);
        await AlertOutbox.EnqueueAsync(c, tx, alert, notify, ct).ConfigureAwait(false);
    }
}
