using System.Text.Json;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.Submissions;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Patients;
using KetamineOutcomes.Core.Safety;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;
using Microsoft.Extensions.Options;

namespace KetamineOutcomes.Api.Seeding;

/// <summary>
/// Loads <c>seeds/demo-cohort.json</c> (synthetic, no real people) through the same write path as the API. Each
/// patient's days are anchored so the course started <c>startDaysAgo</c> days before loading. Each submission is stored
/// as entered at its visit (stored at its completion time), so the alert queue shows ages like a working clinic's, and
/// each patient answers at their own minute past the hour, so no two demo alerts share a completion minute.
/// Loading twice is a no-op.
/// </summary>
internal sealed class DemoCohortSeeder(Database db, TimeProvider clock, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, ILogger<DemoCohortSeeder> logger)
{
    private const string Resource = "seeds.demo-cohort.json";

    // Synthetic alerts are queued for the dashboard but never sent to real receivers.
    private static readonly IReadOnlyList<WebhookTarget> NoNotifications = [];

    // Read with the API's strict JSON options (unknown fields refused), so the file's own notes are fields here too.
    private sealed record Cohort(string? Description, List<SeedPatient> Patients);
    private sealed record SeedPatient(string Mrn, string SiteId, int BirthYear, Sex Sex, Diagnosis[] Diagnoses, bool ResearchConsent,
        string? Archetype, int StartDaysAgo, List<SeedInfusion> Infusions, List<SeedQuestionnaire> Questionnaires, List<SeedCheckin> Checkins);
    private sealed record SeedInfusion(int Day, int Hour, AdministrationRoute Route, Drug Drug, double? DoseMg, double? DoseMgPerKg,
        int? DurationMinutes, BloodPressure? BloodPressure, SideEffect[]? SideEffects);
    private sealed record SeedQuestionnaire(int Day, int Hour, Instrument Instrument, int?[] Items, int? Difficulty);
    private sealed record SeedCheckin(int Day, int Hour, bool WishToBeDead, bool SuicidalThoughts, bool? ThoughtsOfMethod, bool? Intent, bool? Plan,
        SuicidalBehavior SuicidalBehavior);

    public async Task<int> SeedAsync(CancellationToken ct)
    {
        await using var stream = typeof(DemoCohortSeeder).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"Embedded resource {Resource} is missing.");
        var cohort = await JsonSerializer.DeserializeAsync<Cohort>(stream, json.Value.SerializerOptions, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException("The demo cohort file is empty.");
        var now = DbTime.Normalize(clock.GetUtcNow());
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);

        var loaded = await db.WriteAsync(async (c, tx, t) =>
        {
            var first = cohort.Patients[0];
            var existing = await PatientStore.ListAsync(c, first.Mrn, first.SiteId, null, 1, t).ConfigureAwait(false);
            if (existing.Items.Count > 0) return 0;
            for (var index = 0; index < cohort.Patients.Count; index++)
            {
                var p = cohort.Patients[index];
                var patient = new PatientRecord(Guid.CreateVersion7(), p.SiteId, p.Mrn, p.BirthYear, p.Sex, p.Diagnoses, p.ResearchConsent, now, now);
                await PatientStore.InsertAsync(c, tx, db.Connections, patient, t).ConfigureAwait(false);
                var start = today.AddDays(-p.StartDaysAgo);
                DateTimeOffset At(int day, int hour) => start.AddDays(day).AddHours(hour);
                // The patient's minute past the hour (60 patients, 60 minutes); the C-SSRS follows the visit's PHQ-9 by 4 minutes.
                var minute = index % 60;
                DateTimeOffset Completed(int day, int hour, int after = 0) => At(day, hour).AddMinutes(minute + after);
                DateTimeOffset Stored(DateTimeOffset completed) => completed < now ? completed : now;
                foreach (var i in p.Infusions)
                {
                    await InfusionStore.InsertAsync(c, tx, new InfusionRecord(Guid.CreateVersion7(), patient.Id, At(i.Day, i.Hour), i.Route, i.Drug,
                        i.DoseMg, i.DoseMgPerKg, i.DurationMinutes, i.BloodPressure, i.SideEffects ?? [], null, now), t).ConfigureAwait(false);
                }
                foreach (var q in p.Questionnaires)
                {
                    var completed = Completed(q.Day, q.Hour);
                    await SubmissionWriter.InsertQuestionnaireAsync(c, tx, patient.Id, q.Instrument, completed, q.Items, q.Difficulty,
                        "demo-seed", RecordStatus.Final, Stored(completed), NoNotifications, t).ConfigureAwait(false);
                }
                foreach (var k in p.Checkins)
                {
                    var completed = Completed(k.Day, k.Hour, after: 4);
                    await SubmissionWriter.InsertCheckinAsync(c, tx, patient.Id, completed,
                        new CssrsAnswers(k.WishToBeDead, k.SuicidalThoughts, k.ThoughtsOfMethod, k.Intent, k.Plan, k.SuicidalBehavior),
                        "demo-seed", RecordStatus.Final, Stored(completed), NoNotifications, t).ConfigureAwait(false);
                }
            }
            return cohort.Patients.Count;
        }, ct).ConfigureAwait(false);

        if (loaded == 0) logger.DemoAlreadyPresent();
        else logger.DemoSeeded(loaded);
        return loaded;
    }
}
