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
        var score = QuestionnaireScoring.Score(instrument, items);
        var q = new QuestionnaireRecord(Guid.CreateVersion7(), patientId, instrument, completedAt, items, difficulty, source,
            score.Total, score.Severity, score.Prorated, now, status);
        await QuestionnaireStore.InsertAsync(c, tx, q, ct).ConfigureAwait(false);
        SafetyAlertRecord? alert = null;
        if (SafetyAlertRules.ForQuestionnaire(instrument, items) is { } level)
        {
            alert = new SafetyAlertRecord(Guid.CreateVersion7(), patientId, level, AlertTrigger.Phq9Item9, q.Id, null, AlertStatus.Open, now, null, null, null);
            await RaiseAsync(c, tx, alert, notify, ct).ConfigureAwait(false);
        }
        return (q, alert);
    }

    /// <summary>Inserts a validated C-SSRS check-in; returns it with the alert it raised.</summary>
    public static async Task<(CheckinRecord Checkin, SafetyAlertRecord? Alert)> InsertCheckinAsync(
        DbConnection c, DbTransaction tx, Guid patientId, DateTimeOffset completedAt, CssrsAnswers answers, string? source,
        RecordStatus status, DateTimeOffset now, IReadOnlyList<WebhookTarget> notify, CancellationToken ct)
    {
        var risk = CssrsRules.RiskOf(answers);
        var checkin = new CheckinRecord(Guid.CreateVersion7(), patientId, completedAt, answers, risk, source, now, status);
        await CheckinStore.InsertAsync(c, tx, checkin, ct).ConfigureAwait(false);
        SafetyAlertRecord? alert = null;
        if (SafetyAlertRules.ForCheckin(risk) is { } level)
        {
            alert = new SafetyAlertRecord(Guid.CreateVersion7(), patientId, level, AlertTrigger.Cssrs, null, checkin.Id, AlertStatus.Open, now, null, null, null);
            await RaiseAsync(c, tx, alert, notify, ct).ConfigureAwait(false);
        }
        return (checkin, alert);
    }

    /// <summary>Stores a new alert and its <c>safety-alert.created</c> event (a submission's, or an amendment's).</summary>
    internal static async Task RaiseAsync(DbConnection c, DbTransaction tx, SafetyAlertRecord alert, IReadOnlyList<WebhookTarget> notify, CancellationToken ct)
    {
        await SafetyAlertStore.InsertAsync(c, tx, alert, ct).ConfigureAwait(false);
        await AlertOutbox.EnqueueAsync(c, tx, alert, notify, ct).ConfigureAwait(false);
    }
}
