using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Patients;
using KetamineOutcomes.Core.Safety;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;
using Microsoft.Extensions.Logging.Abstractions;

namespace KetamineOutcomes.Data.Tests;

/// <summary>
/// The FHIR searches' hand reads (issue 24): questionnaire and check-in summaries hold exactly what the whole records
/// say (score, severity, prorated, item 9 — 0 stays 0, unanswered stays null —, risk, status, version, last update), in
/// completion order with ties by id, entered-in-error ones only on request; GetManyAsync reads whole records by id for one
/// patient. Each runs on a real SQLite file and, when KO_TEST_POSTGRES is set, on a fresh PostgreSQL database.
/// </summary>
public class RecordSummaryReadTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Sqlite_summaries_equal_the_whole_records_in_completion_order_and_leave_entered_in_error_out_unless_asked()
    {
        using var temp = new TempDatabase();
        await Summaries_equal_the_whole_records_in_completion_order_and_leave_entered_in_error_out_unless_asked(temp.Factory);
    }

    [PostgresFact]
    public async Task Postgres_summaries_equal_the_whole_records_in_completion_order_and_leave_entered_in_error_out_unless_asked()
    {
        using var scratch = new ScratchPostgres();
        await using var factory = new NpgsqlConnectionFactory(scratch.ConnectionString);
        MigrationRunner.MigratePostgres(factory, NullLogger.Instance);
        await Summaries_equal_the_whole_records_in_completion_order_and_leave_entered_in_error_out_unless_asked(factory);
    }

    [Fact]
    public async Task Sqlite_get_many_reads_whole_records_of_the_patient_by_id_whatever_their_status()
    {
        using var temp = new TempDatabase();
        await Get_many_reads_whole_records_of_the_patient_by_id_whatever_their_status(temp.Factory);
    }

    [PostgresFact]
    public async Task Postgres_get_many_reads_whole_records_of_the_patient_by_id_whatever_their_status()
    {
        using var scratch = new ScratchPostgres();
        await using var factory = new NpgsqlConnectionFactory(scratch.ConnectionString);
        MigrationRunner.MigratePostgres(factory, NullLogger.Instance);
        await Get_many_reads_whole_records_of_the_patient_by_id_whatever_their_status(factory);
    }

    /// <summary>Two patients' records as stored: amended and entered-in-error ones at version 2, a later last update.</summary>
    private sealed record Seeded(Guid Patient, Guid Other, QuestionnaireRecord[] Questionnaires, CheckinRecord[] Checkins, QuestionnaireRecord OthersQuestionnaire, CheckinRecord OthersCheckin);

    private static async Task<Seeded> SeedAsync(IConnectionFactory factory)
    {
        var patient = Guid.NewGuid();
        var other = Guid.NewGuid();
        QuestionnaireRecord Phq9(int day, int?[] items, int total, Severity severity, bool prorated = false) =>
            new(Guid.NewGuid(), patient, Instrument.Phq9, At.AddDays(day), items, 1, "clinic", total, severity, prorated, At.AddDays(day).AddMinutes(5));
        var item9Zero = Phq9(1, [1, 1, 1, 1, 1, 1, 1, 1, 0], 8, Severity.Mild);
        var item9Unanswered = Phq9(2, [3, 3, 3, 3, 3, 3, 3, 3, null], 27, Severity.Severe, prorated: true);
        var gad7 = new QuestionnaireRecord(Guid.NewGuid(), patient, Instrument.Gad7, At.AddDays(3), [2, 2, 2, 2, 2, 2, 2], null, null, 14, Severity.Moderate, false, At.AddDays(3));
        var toAmend = Phq9(4, [2, 2, 2, 2, 2, 2, 2, 2, 2], 18, Severity.ModeratelySevere);
        var toWithdraw = Phq9(5, [0, 0, 0, 0, 0, 0, 0, 0, 3], 3, Severity.Minimal);
        // Two at one instant: ordered by id.
        var tieA = Phq9(6, [1, 0, 0, 0, 0, 0, 0, 0, 1], 2, Severity.Minimal);
        var tieB = tieA with { Id = Guid.NewGuid() };
        var amended = toAmend with { Items = [2, 2, 2, 2, 2, 2, 2, 2, 1], TotalScore = 17, Status = RecordStatus.Amended, Version = 2, LastUpdated = At.AddDays(9) };
        var withdrawn = toWithdraw with { Status = RecordStatus.EnteredInError, Version = 2, LastUpdated = At.AddDays(10) };

        CheckinRecord Checkin(int day, RiskLevel risk, CssrsAnswers answers) => new(Guid.NewGuid(), patient, At.AddDays(day).AddHours(1), answers, risk, null, At.AddDays(day).AddHours(1));
        var none = Checkin(1, RiskLevel.None, new CssrsAnswers(false, false, null, null, null, SuicidalBehavior.None));
        var low = Checkin(2, RiskLevel.Low, new CssrsAnswers(true, false, null, null, null, SuicidalBehavior.None));
        var high = Checkin(3, RiskLevel.High, new CssrsAnswers(true, true, true, true, true, SuicidalBehavior.Within3Months));
        var toCorrect = Checkin(4, RiskLevel.Moderate, new CssrsAnswers(true, true, true, false, false, SuicidalBehavior.Over3MonthsAgo));
        var corrected = toCorrect with { RiskLevel = RiskLevel.Low, Answers = low.Answers, Status = RecordStatus.Amended, Version = 2, LastUpdated = At.AddDays(11) };
        var wrongCheckin = high with { Id = Guid.NewGuid(), CompletedAt = At.AddDays(5) };
        var wrongWithdrawn = wrongCheckin with { Status = RecordStatus.EnteredInError, Version = 2, LastUpdated = At.AddDays(12) };

        var othersQuestionnaire = item9Zero with { Id = Guid.NewGuid(), PatientId = other };
        var othersCheckin = none with { Id = Guid.NewGuid(), PatientId = other };

        await using var c = await factory.OpenAsync(default);
        await using var tx = await factory.BeginWriteAsync(c, default);
        foreach (var id in new[] { patient, other })
            await PatientStore.InsertAsync(c, tx, factory, new PatientRecord(id, "north", $"M-{id:N}", 1980, Sex.Female, [Diagnosis.Trd], true, At, At), default);
        foreach (var q in new[] { item9Zero, item9Unanswered, gad7, toAmend, toWithdraw, tieA, tieB, othersQuestionnaire })
            await QuestionnaireStore.InsertAsync(c, tx, q, default);
        foreach (var k in new[] { none, low, high, toCorrect, wrongCheckin, othersCheckin })
            await CheckinStore.InsertAsync(c, tx, k, default);
        Assert.True(await QuestionnaireStore.UpdateAsync(c, tx, amended, 1, "clinician", "typo", default));
        Assert.True(await QuestionnaireStore.UpdateAsync(c, tx, withdrawn, 1, "clinician", "wrong patient", default));
        Assert.True(await CheckinStore.UpdateAsync(c, tx, corrected, 1, "clinician", "typo", default));
        Assert.True(await CheckinStore.UpdateAsync(c, tx, wrongWithdrawn, 1, "clinician", "wrong patient", default));
        await tx.CommitAsync();

        var ties = new[] { tieA, tieB }.OrderBy(q => q.Id).ToArray();
        return new Seeded(patient, other, [item9Zero, item9Unanswered, gad7, amended, withdrawn, .. ties], [none, low, high, corrected, wrongWithdrawn], othersQuestionnaire, othersCheckin);
    }

    private static async Task Summaries_equal_the_whole_records_in_completion_order_and_leave_entered_in_error_out_unless_asked(IConnectionFactory factory)
    {
        var s = await SeedAsync(factory);
        await using var c = await factory.OpenAsync(default);

        var all = await QuestionnaireStore.SummariesForPatientAsync(c, s.Patient, includeEnteredInError: true, default);
        Assert.Equal(s.Questionnaires.Select(q => q.ToSummary()), all);
        var live = await QuestionnaireStore.SummariesForPatientAsync(c, s.Patient, includeEnteredInError: false, default);
        Assert.Equal(s.Questionnaires.Where(q => q.Status != RecordStatus.EnteredInError).Select(q => q.ToSummary()), live);
        Assert.Equal(6, live.Count);
        // Each equals what the whole-record read gives (one mapping of the columns, whichever read).
        foreach (var summary in all)
            Assert.Equal((await QuestionnaireStore.GetAsync(c, s.Patient, summary.Id, default))!.ToSummary(), summary);

        // Item 9 answered 0 is 0, not "unanswered"; unanswered and GAD-7 are null; the amendment's item 9 is read back.
        Assert.Equal(new int?[] { 0, null, null, 1, 3, 1, 1 }, all.Select(q => q.Item9));
        Assert.Equal([RecordStatus.Final, RecordStatus.Final, RecordStatus.Final, RecordStatus.Amended, RecordStatus.EnteredInError, RecordStatus.Final, RecordStatus.Final],
            all.Select(q => q.Status));
        Assert.Equal([1, 1, 1, 2, 2, 1, 1], all.Select(q => q.Version));
        Assert.Equal(At.AddDays(9), all[3].LastUpdated);
        Assert.Equal(At.AddDays(2).AddMinutes(5), all[1].LastUpdated); // version 1: its creation
        Assert.True(all[1].Prorated);
        Assert.Equal((27, Severity.Severe), (all[1].TotalScore, all[1].Severity));
        Assert.Equal((17, Severity.ModeratelySevere), (all[3].TotalScore, all[3].Severity));
        Assert.All(all, q => Assert.Equal(s.Patient, q.PatientId));

        var checkins = await CheckinStore.SummariesForPatientAsync(c, s.Patient, includeEnteredInError: true, default);
        Assert.Equal(s.Checkins.Select(k => k.ToSummary()), checkins);
        Assert.Equal([RiskLevel.None, RiskLevel.Low, RiskLevel.High, RiskLevel.Low, RiskLevel.High], checkins.Select(k => k.RiskLevel));
        Assert.Equal([1, 1, 1, 2, 2], checkins.Select(k => k.Version));
        Assert.Equal(At.AddDays(12), checkins[4].LastUpdated);
        var liveCheckins = await CheckinStore.SummariesForPatientAsync(c, s.Patient, includeEnteredInError: false, default);
        Assert.Equal(s.Checkins.Take(4).Select(k => k.ToSummary()), liveCheckins);
        foreach (var summary in checkins)
            Assert.Equal((await CheckinStore.GetAsync(c, s.Patient, summary.Id, default))!.ToSummary(), summary);

        Assert.Equal([s.OthersQuestionnaire.ToSummary()], await QuestionnaireStore.SummariesForPatientAsync(c, s.Other, includeEnteredInError: false, default));
        Assert.Equal([s.OthersCheckin.ToSummary()], await CheckinStore.SummariesForPatientAsync(c, s.Other, includeEnteredInError: false, default));
    }

    private static async Task Get_many_reads_whole_records_of_the_patient_by_id_whatever_their_status(IConnectionFactory factory)
    {
        var s = await SeedAsync(factory);
        await using var c = await factory.OpenAsync(default);

        var wanted = new[] { s.Questionnaires[0].Id, s.Questionnaires[3].Id, s.Questionnaires[4].Id, s.OthersQuestionnaire.Id, Guid.NewGuid() };
        var found = (await QuestionnaireStore.GetManyAsync(c, s.Patient, wanted, default)).OrderBy(q => q.CompletedAt).ToArray();
        // Another patient's id and an unknown one are left out; the entered-in-error one is there, with its status.
        Assert.Equal([s.Questionnaires[0].Id, s.Questionnaires[3].Id, s.Questionnaires[4].Id], found.Select(q => q.Id));
        Assert.Equal(s.Questionnaires[3].Items, found[1].Items);
        Assert.Equal(RecordStatus.EnteredInError, found[2].Status);
        Assert.Empty(await QuestionnaireStore.GetManyAsync(c, s.Patient, [], default));

        var checkins = (await CheckinStore.GetManyAsync(c, s.Patient, [s.Checkins[3].Id, s.Checkins[4].Id, s.OthersCheckin.Id], default)).OrderBy(k => k.CompletedAt).ToArray();
        Assert.Equal([s.Checkins[3].Id, s.Checkins[4].Id], checkins.Select(k => k.Id));
        Assert.Equal(s.Checkins[3].Answers, checkins[0].Answers);
        Assert.Equal(RecordStatus.EnteredInError, checkins[1].Status);
    }
}
