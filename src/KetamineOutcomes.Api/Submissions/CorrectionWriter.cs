using System.Data.Common;
using KetamineOutcomes.Api.Corrections;
using KetamineOutcomes.Api.Errors;
using KetamineOutcomes.Api.Webhooks;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Safety;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Submissions;

/// <summary>
/// The one write path for corrections (SPEC v2, Corrections), inside the caller's transaction: the current version is
/// copied whole into record_versions and the row replaced by the next version, which must still find the version the
/// caller read (<c>UPDATE … WHERE version = expected</c>; none found → 412), so the row and its history never disagree
/// and of two concurrent corrections exactly one wins. Amended PHQ-9s are rescored and check-ins re-rated with Core;
/// their alerts stay (they gain <c>sourceStatus</c> once the source no longer meets them), an amendment meeting a trigger no
/// unlapsed alert stands for raises a new one with its event, and an <c>assessment.*</c> event tells receivers to re-read the record.
/// </summary>
internal static class CorrectionWriter
{
    /// <summary>Amends a questionnaire with validated values; returns it with the alert it shows.</summary>
    /// <exception cref="ResourceNotFoundException">No such questionnaire of this patient.</exception>
    /// <exception cref="UnprocessableContentException">The instrument differs from the stored one (422, <c>instrument</c>).</exception>
    /// <exception cref="StateConflictException">It is entered in error (409).</exception>
    /// <exception cref="PreconditionFailedException">It is no longer at <paramref name="expected"/> (412).</exception>
    public static async Task<(QuestionnaireRecord Questionnaire, SafetyAlertRecord? Alert)> AmendQuestionnaireAsync(
        DbConnection c, DbTransaction tx, Guid patientId, Guid id, int expected, Instrument instrument, DateTimeOffset completedAt,
        IReadOnlyList<int?> items, int? difficulty, string? source, Actor actor, string reason, DateTimeOffset now, IReadOnlyList<WebhookTarget> notify,
        CancellationToken ct)
    {
        var current = await QuestionnaireStore.GetAsync(c, patientId, id, ct, tx).ConfigureAwait(false) ?? throw new ResourceNotFoundException("Questionnaire");
        if (instrument != current.Instrument)
            throw new UnprocessableContentException("instrument", $"A questionnaire's instrument cannot change (this one is {WireNames.Of(current.Instrument)}): mark it entered-in-error and submit the right one.");
        EnsureCorrectable(current.Status, current.Version, expected, markingInError: false);
        var score = QuestionnaireScoring.Score(current.Instrument, items);
        var values = current with
        {
            CompletedAt = completedAt, Items = items, Difficulty = difficulty, Source = source, TotalScore = score.Total, Severity = score.Severity,
            Prorated = score.Prorated,
        };
        if (Unchanged(values, current)) return (current, await ShownAlertAsync(c, tx, id, ct).ConfigureAwait(false));
        var next = values with { Status = RecordStatus.Amended, Version = current.Version + 1, LastUpdated = now };
        await SupersedeAsync(c, tx, RecordKind.Questionnaire, id, patientId, current, current.Version, current.Status, current.LastUpdated,
            () => QuestionnaireStore.UpdateAsync(c, tx, next, expected, actor.ToJson(), reason, ct), ct).ConfigureAwait(false);
        var alert = await FollowAlertsAsync(c, tx, patientId, id, AlertTrigger.Phq9Item9, SafetyAlertRules.ForQuestionnaire(next.Instrument, next.Items),
            next.Version, next.Status, now, notify, ct).ConfigureAwait(false);
        await AssessmentOutbox.EnqueueAsync(c, tx, RecordKind.Questionnaire, id, patientId, next.Version, next.Status, now, notify, ct).ConfigureAwait(false);
        return (next, alert);
    }

    /// <summary>Marks a questionnaire entered in error; returns it with the alert it shows. Errors as <see cref="AmendQuestionnaireAsync"/>.</summary>
    public static async Task<(QuestionnaireRecord Questionnaire, SafetyAlertRecord? Alert)> QuestionnaireEnteredInErrorAsync(
        DbConnection c, DbTransaction tx, Guid patientId, Guid id, int? expected, Actor actor, string reason, DateTimeOffset now,
        IReadOnlyList<WebhookTarget> notify, CancellationToken ct)
    {
        var current = await QuestionnaireStore.GetAsync(c, patientId, id, ct, tx).ConfigureAwait(false) ?? throw new ResourceNotFoundException("Questionnaire");
        EnsureCorrectable(current.Status, current.Version, expected, markingInError: true);
        var next = current with { Status = RecordStatus.EnteredInError, Version = current.Version + 1, LastUpdated = now };
        await MarkAsync(expected, SupersedeAsync(c, tx, RecordKind.Questionnaire, id, patientId, current, current.Version, current.Status, current.LastUpdated,
                () => QuestionnaireStore.UpdateAsync(c, tx, next, current.Version, actor.ToJson(), reason, ct), ct),
            async () => (await QuestionnaireStore.GetAsync(c, patientId, id, ct, tx).ConfigureAwait(false))?.Status).ConfigureAwait(false);
        var alert = await FollowAlertsAsync(c, tx, patientId, id, AlertTrigger.Phq9Item9, null, next.Version, next.Status, now, notify, ct).ConfigureAwait(false);
        await AssessmentOutbox.EnqueueAsync(c, tx, RecordKind.Questionnaire, id, patientId, next.Version, next.Status, now, notify, ct).ConfigureAwait(false);
        return (next, alert);
    }

    /// <summary>Amends a check-in with validated answers (risk re-rated); returns it with the alert it shows.</summary>
    public static async Task<(CheckinRecord Checkin, SafetyAlertRecord? Alert)> AmendCheckinAsync(
        DbConnection c, DbTransaction tx, Guid patientId, Guid id, int expected, DateTimeOffset completedAt, CssrsAnswers answers, string? source,
        Actor actor, string reason, DateTimeOffset now, IReadOnlyList<WebhookTarget> notify, CancellationToken ct)
    {
        var current = await CheckinStore.GetAsync(c, patientId, id, ct, tx).ConfigureAwait(false) ?? throw new ResourceNotFoundException("Check-in");
        EnsureCorrectable(current.Status, current.Version, expected, markingInError: false);
        var values = current with { CompletedAt = completedAt, Answers = answers, RiskLevel = CssrsRules.RiskOf(answers), Source = source };
        if (Unchanged(values, current)) return (current, await ShownAlertAsync(c, tx, id, ct).ConfigureAwait(false));
        var next = values with { Status = RecordStatus.Amended, Version = current.Version + 1, LastUpdated = now };
        await SupersedeAsync(c, tx, RecordKind.SuicidalityCheckin, id, patientId, current, current.Version, current.Status, current.LastUpdated,
            () => CheckinStore.UpdateAsync(c, tx, next, expected, actor.ToJson(), reason, ct), ct).ConfigureAwait(false);
        var alert = await FollowAlertsAsync(c, tx, patientId, id, AlertTrigger.Cssrs, SafetyAlertRules.ForCheckin(next.RiskLevel),
            next.Version, next.Status, now, notify, ct).ConfigureAwait(false);
        await AssessmentOutbox.EnqueueAsync(c, tx, RecordKind.SuicidalityCheckin, id, patientId, next.Version, next.Status, now, notify, ct).ConfigureAwait(false);
        return (next, alert);
    }

    /// <summary>Marks a check-in entered in error; returns it with the alert it shows.</summary>
    public static async Task<(CheckinRecord Checkin, SafetyAlertRecord? Alert)> CheckinEnteredInErrorAsync(
        DbConnection c, DbTransaction tx, Guid patientId, Guid id, int? expected, Actor actor, string reason, DateTimeOffset now,
        IReadOnlyList<WebhookTarget> notify, CancellationToken ct)
    {
        var current = await CheckinStore.GetAsync(c, patientId, id, ct, tx).ConfigureAwait(false) ?? throw new ResourceNotFoundException("Check-in");
        EnsureCorrectable(current.Status, current.Version, expected, markingInError: true);
        var next = current with { Status = RecordStatus.EnteredInError, Version = current.Version + 1, LastUpdated = now };
        await MarkAsync(expected, SupersedeAsync(c, tx, RecordKind.SuicidalityCheckin, id, patientId, current, current.Version, current.Status, current.LastUpdated,
                () => CheckinStore.UpdateAsync(c, tx, next, current.Version, actor.ToJson(), reason, ct), ct),
            async () => (await CheckinStore.GetAsync(c, patientId, id, ct, tx).ConfigureAwait(false))?.Status).ConfigureAwait(false);
        var alert = await FollowAlertsAsync(c, tx, patientId, id, AlertTrigger.Cssrs, null, next.Version, next.Status, now, notify, ct).ConfigureAwait(false);
        await AssessmentOutbox.EnqueueAsync(c, tx, RecordKind.SuicidalityCheckin, id, patientId, next.Version, next.Status, now, notify, ct).ConfigureAwait(false);
        return (next, alert);
    }

    /// <summary>Replaces an infusion's values (<paramref name="values"/>: id, patient and creation time are kept from the stored one).</summary>
    public static async Task<InfusionRecord> AmendInfusionAsync(
        DbConnection c, DbTransaction tx, Guid patientId, Guid id, int expected, InfusionRecord values, Actor actor, string reason, DateTimeOffset now, CancellationToken ct)
    {
        var current = await InfusionStore.GetAsync(c, patientId, id, ct, tx).ConfigureAwait(false) ?? throw new ResourceNotFoundException("Infusion");
        EnsureCorrectable(current.Status, current.Version, expected, markingInError: false);
        var kept = values with
        {
            Id = current.Id, PatientId = current.PatientId, CreatedAt = current.CreatedAt, Status = current.Status, Version = current.Version,
            LastUpdated = current.LastUpdated,
        };
        if (Unchanged(kept, current)) return current;
        var next = kept with { Status = RecordStatus.Amended, Version = current.Version + 1, LastUpdated = now };
        await SupersedeAsync(c, tx, RecordKind.Infusion, id, patientId, current, current.Version, current.Status, current.LastUpdated,
            () => InfusionStore.UpdateAsync(c, tx, next, expected, actor.ToJson(), reason, ct), ct).ConfigureAwait(false);
        return next;
    }

    /// <summary>Marks an infusion entered in error (it then counts for no session number).</summary>
    public static async Task<InfusionRecord> InfusionEnteredInErrorAsync(
        DbConnection c, DbTransaction tx, Guid patientId, Guid id, int? expected, Actor actor, string reason, DateTimeOffset now, CancellationToken ct)
    {
        var current = await InfusionStore.GetAsync(c, patientId, id, ct, tx).ConfigureAwait(false) ?? throw new ResourceNotFoundException("Infusion");
        EnsureCorrectable(current.Status, current.Version, expected, markingInError: true);
        var next = current with { Status = RecordStatus.EnteredInError, Version = current.Version + 1, LastUpdated = now };
        await MarkAsync(expected, SupersedeAsync(c, tx, RecordKind.Infusion, id, patientId, current, current.Version, current.Status, current.LastUpdated,
                () => InfusionStore.UpdateAsync(c, tx, next, current.Version, actor.ToJson(), reason, ct), ct),
            async () => (await InfusionStore.GetAsync(c, patientId, id, ct, tx).ConfigureAwait(false))?.Status).ConfigureAwait(false);
        return next;
    }

    /// <summary>
    /// Replaces a patient's details with <paramref name="change"/> applied to the stored record (site and creation kept).
    /// <paramref name="expected"/> null: no If-Match was required (a research-consent change).
    /// </summary>
    /// <exception cref="DuplicateMrnException">Another patient of the site has the new MRN (409).</exception>
    public static async Task<PatientRecord> AmendPatientAsync(
        DbConnection c, DbTransaction tx, IConnectionFactory dialect, Guid id, int? expected, Func<PatientRecord, PatientRecord> change, Actor actor,
        string reason, DateTimeOffset now, CancellationToken ct)
    {
        var current = await PatientStore.GetAsync(c, id, ct, tx).ConfigureAwait(false) ?? throw new ResourceNotFoundException("Patient");
        if (expected is { } e && e != current.Version) throw new PreconditionFailedException(current.Version);
        var kept = change(current) with { Id = current.Id, SiteId = current.SiteId, CreatedAt = current.CreatedAt, UpdatedAt = current.UpdatedAt, Version = current.Version };
        if (Unchanged(kept, current)) return current;
        var next = kept with { UpdatedAt = now, Version = current.Version + 1 };
        await SupersedeAsync(c, tx, RecordKind.Patient, id, id, current, current.Version, null, current.UpdatedAt,
            () => PatientStore.UpdateAsync(c, tx, dialect, next, current.Version, actor.ToJson(), reason, ct), ct).ConfigureAwait(false);
        return next;
    }

    /// <summary>
    /// A marking sent without If-Match that lost a race (PostgreSQL: another transaction changed the row after it was
    /// read) answers as if it had come second: 409 when the winner marked it entered in error too, else 412.
    /// </summary>
    private static async Task MarkAsync(int? expected, Task supersede, Func<Task<RecordStatus?>> statusNow)
    {
        try
        {
            await supersede.ConfigureAwait(false);
        }
        catch (PreconditionFailedException) when (expected is null)
        {
            if (await statusNow().ConfigureAwait(false) == RecordStatus.EnteredInError) EnsureCorrectable(RecordStatus.EnteredInError, 0, null, markingInError: true);
            throw;
        }
    }

    /// <summary>
    /// A correction that changes no value stores no version (like a FHIR server's no-op update): the answer is the record
    /// as it is, with its ETag, and no event is sent — a retried PUT or a consent set twice does not make every other
    /// editor's ETag stale. Compared as the stored JSON, so lists compare by their items.
    /// </summary>
    private static bool Unchanged<T>(T candidate, T current) => RecordBodies.Serialize(candidate) == RecordBodies.Serialize(current);

    private static async Task<SafetyAlertRecord?> ShownAlertAsync(DbConnection c, DbTransaction tx, Guid sourceId, CancellationToken ct) =>
        (await SafetyAlertStore.ForSourceAsync(c, sourceId, tx, ct).ConfigureAwait(false)).MaxBy(a => (a.Level, a.SourceVersion));

    private static void EnsureCorrectable(RecordStatus status, int version, int? expected, bool markingInError)
    {
        if (status == RecordStatus.EnteredInError)
        {
            throw new StateConflictException("Entered in error", markingInError
                ? "This record is already marked entered-in-error."
                : "This record is entered-in-error and cannot be amended; submit a new record instead.");
        }
        if (expected is { } e && e != version) throw new PreconditionFailedException(version);
    }

    /// <summary>
    /// Copies the current version into the history and stores the next one through <paramref name="update"/>, which
    /// answers false when the row is no longer at the version read (another correction won): 412, and the caller's
    /// transaction — history row included — is rolled back.
    /// </summary>
    private static async Task SupersedeAsync<T>(
        DbConnection c, DbTransaction tx, RecordKind kind, Guid id, Guid patientId, T current, int version, RecordStatus? status,
        DateTimeOffset changedAt, Func<Task<bool>> update, CancellationToken ct)
    {
        // Read before the update, which must then still find this version: what is copied is the version replaced.
        var stamp = await RecordVersionStore.CurrentStampAsync(c, kind, id, tx, ct).ConfigureAwait(false);
        if (!await update().ConfigureAwait(false)) throw new PreconditionFailedException(null);
        await RecordVersionStore.AppendAsync(c, tx, new RecordVersion(kind, id, version, patientId, status, changedAt, stamp?.ChangedBy,
            stamp?.ChangeReason, RecordBodies.Serialize(current)), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The record's alerts say what became of it: <c>entered-in-error</c> when it was; <c>amended</c> once an amendment
    /// took its answers below the alert's level — the alert has lapsed, and stays so; null while every version since
    /// the one that raised it met its level (an amendment keeping item 9 at 2 leaves the alert as it was). Alerts are
    /// never removed or lowered. An amendment whose answers meet a trigger that no unlapsed alert of at least that level
    /// stands for raises a new alert, by this version, with its event: a higher level (item 9 1 → 3), a positive answer
    /// that survives a correction downwards (3 → 1), or one that comes back after a correction took it away (2 → 0 → 2,
    /// also when the lapsed alert was acknowledged meanwhile). Returns the alert the record shows, as its GET does:
    /// the highest level, then the latest version.
    /// </summary>
    private static async Task<SafetyAlertRecord?> FollowAlertsAsync(
        DbConnection c, DbTransaction tx, Guid patientId, Guid sourceId, AlertTrigger trigger, AlertLevel? level, int version, RecordStatus status,
        DateTimeOffset now, IReadOnlyList<WebhookTarget> notify, CancellationToken ct)
    {
        var alerts = new List<SafetyAlertRecord>();
        foreach (var a in await SafetyAlertStore.ForSourceAsync(c, sourceId, tx, ct).ConfigureAwait(false))
        {
            RecordStatus? sourceStatus = status == RecordStatus.EnteredInError ? RecordStatus.EnteredInError
                : a.SourceStatus == RecordStatus.Amended || level is not { } held || held < a.Level ? RecordStatus.Amended : null;
            if (sourceStatus != a.SourceStatus) await SafetyAlertStore.SetSourceStatusAsync(c, tx, a.Id, sourceStatus, ct).ConfigureAwait(false);
            alerts.Add(a with { SourceStatus = sourceStatus });
        }
        if (level is { } l && !alerts.Any(a => a.SourceStatus is null && a.Level >= l))
        {
            var raised = new SafetyAlertRecord(Guid.CreateVersion7(), patientId, l, trigger,
                trigger == AlertTrigger.Phq9Item9 ? sourceId : null, trigger == AlertTrigger.Cssrs ? sourceId : null, AlertStatus.Open, now, null, null, null)
            {
                SourceVersion = version,
            };
            await SubmissionWriter.RaiseAsync(c, tx, raised, notify, ct).ConfigureAwait(false);
            alerts.Add(raised);
        }
        return alerts.MaxBy(a => (a.Level, a.SourceVersion));
    }
}
