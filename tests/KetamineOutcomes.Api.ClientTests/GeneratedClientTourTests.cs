using KetamineOutcomes.Api.Tests;
using KetamineOutcomes.Client;
using KetamineOutcomes.Client.Models;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;

namespace KetamineOutcomes.Api.ClientTests;

/// <summary>
/// The README's API tour through a client Kiota generated from the committed openapi/v1.json (at build time, no hand
/// edits): if the document claimed a field the service does not require, or a shape it does not send, the client would
/// not compile against the calls below or would fail to read the answers.
/// </summary>
public sealed class GeneratedClientTourTests : IDisposable
{
    private const string AdminKey = "client-tour-bootstrap-admin-key-0123456789abcdef";
    private static readonly DateTimeOffset Day0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private readonly OutcomesApp _app = new(new Dictionary<string, string?>
    {
        ["Auth:BootstrapAdminKey"] = AdminKey,
        ["RateLimiting:PermitsPerSecond"] = "1000000",
        ["RateLimiting:Burst"] = "10000000",
    });
    private readonly List<IDisposable> _owned = [];

    /// <summary>A generated client on the test server that sends <paramref name="key"/> as X-Api-Key.</summary>
    private OutcomesClient ClientWith(string key)
    {
        var http = _app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost") });
        var auth = new ApiKeyAuthenticationProvider(key, "X-Api-Key", ApiKeyAuthenticationProvider.KeyLocation.Header, "localhost");
        var adapter = new HttpClientRequestAdapter(auth, httpClient: http) { BaseUrl = "https://localhost" };
        _owned.Add(adapter);
        _owned.Add(http);
        return new OutcomesClient(adapter);
    }

    private static async Task<T> Created<T>(Task<T?> call) where T : class => Assert.IsType<T>(await call);

    [Fact]
    public async Task The_readme_api_tour_runs_through_a_client_generated_from_the_committed_document()
    {
        // Admin: keys for each caller.
        var admin = ClientWith(AdminKey);
        var clinicianKey = await Created(admin.Api.V1.ApiKeys.PostAsync(new CreateApiKeyRequest { Name = "north clinicians", Role = ApiRole.Clinician, SiteId = "north" }));
        var portalKey = await Created(admin.Api.V1.ApiKeys.PostAsync(new CreateApiKeyRequest { Name = "north portal", Role = ApiRole.Portal, SiteId = "north" }));
        var ehrKey = await Created(admin.Api.V1.ApiKeys.PostAsync(new CreateApiKeyRequest { Name = "EHR interface", Role = ApiRole.Ehr }));
        Assert.Equal(ApiRole.Portal, portalKey.Role);
        var keys = await admin.Api.V1.ApiKeys.GetAsync();
        Assert.Contains(keys!.Items!, k => k.Name == "EHR interface" && k.Role == ApiRole.Ehr && k.SiteId is null);
        var clinician = ClientWith(clinicianKey.Key!);
        var portal = ClientWith(portalKey.Key!);
        var ehr = ClientWith(ehrKey.Key!);

        // Clinician: a patient with nothing but the one required field (the site comes from the key).
        var patient = await Created(clinician.Api.V1.Patients.PostAsync(new CreatePatientRequest { ResearchConsent = true }));
        Assert.Null(patient.Mrn);
        Assert.Null(patient.BirthYear);
        Assert.Null(patient.Sex);
        Assert.Equal("north", patient.SiteId);
        Assert.Empty(patient.Diagnoses!);
        var p = clinician.Api.V1.Patients[patient.Id!.Value];

        // Portal: baseline PHQ-9 two days before the first infusion; item 9 = 1 raises a low alert.
        var baseline = await Created(portal.Api.V1.Patients[patient.Id.Value].Questionnaires.PostAsync(new SubmitQuestionnaireRequest
        {
            Instrument = Instrument.Phq9, CompletedAt = Day0.AddDays(-2), Items = [3, 3, 2, 2, 3, 2, 2, 2, 1], Difficulty = 2, Source = "portal",
        }));
        Assert.Equal(20, baseline.TotalScore);
        Assert.Equal(Severity.Severe, baseline.Severity);
        Assert.Equal(0, baseline.Timepoint!.SessionNumber);
        Assert.Equal(AlertLevel.Low, baseline.Alert!.Level);

        // EHR: six infusions with only the required fields, three a week.
        foreach (var day in new[] { 0, 2, 4, 7, 9, 11 })
        {
            var infusion = await Created(ehr.Api.V1.Patients[patient.Id.Value].Infusions.PostAsync(new CreateInfusionRequest
            {
                AdministeredAt = Day0.AddDays(day), Route = AdministrationRoute.Iv, Drug = Drug.Ketamine,
            }));
            Assert.Null(infusion.DoseMg);
            Assert.Null(infusion.BloodPressure);
            Assert.Empty(infusion.SideEffects!);
        }
        var infusions = await p.Infusions.GetAsync();
        Assert.Equal([1, 2, 3, 4, 5, 6], infusions!.Items!.Select(i => i.SessionNumber!.Value));

        // Portal: follow-ups, one with an unanswered (null) item, prorated.
        var first = await Created(portal.Api.V1.Patients[patient.Id.Value].Questionnaires.PostAsync(new SubmitQuestionnaireRequest
        {
            Instrument = Instrument.Phq9, CompletedAt = Day0.AddDays(1), Items = [2, 2, 1, 2, 1, 2, 1, 1, 0],
        }));
        Assert.Equal(1, first.Timepoint!.SessionNumber);
        var withNull = await Created(portal.Api.V1.Patients[patient.Id.Value].Questionnaires.PostAsync(new SubmitQuestionnaireRequest
        {
            Instrument = Instrument.Phq9, CompletedAt = Day0.AddDays(8), Items = [1, 1, 1, 2, 1, 1, 1, null, 0],
        }));
        Assert.True(withNull.Prorated);
        Assert.Null(withNull.Items![7]);
        Assert.Equal(9, withNull.TotalScore); // round(8 × 9 / 8)
        Assert.Equal(4, withNull.Timepoint!.SessionNumber);
        await Created(portal.Api.V1.Patients[patient.Id.Value].Questionnaires.PostAsync(new SubmitQuestionnaireRequest
        {
            Instrument = Instrument.Phq9, CompletedAt = Day0.AddDays(12), Items = [1, 0, 1, 1, 0, 0, 1, 0, 0],
        }));

        // Portal: a C-SSRS check-in without Q3–Q5 (asked only when Q2 is yes).
        var checkin = await Created(portal.Api.V1.Patients[patient.Id.Value].SuicidalityCheckins.PostAsync(new SubmitCheckinRequest
        {
            CompletedAt = Day0.AddDays(-2).AddMinutes(10), WishToBeDead = true, SuicidalThoughts = false, SuicidalBehavior = SuicidalBehavior.None,
        }));
        Assert.Equal(RiskLevel.Low, checkin.RiskLevel);
        Assert.Null(checkin.ThoughtsOfMethod);
        Assert.Equal(AlertTrigger.Cssrs, checkin.Alert!.Trigger);

        // The trend, as the portal reads it.
        var trend = await portal.Api.V1.Patients[patient.Id.Value].Trends.GetAsync(r => r.QueryParameters.Instrument = "phq9");
        Assert.Equal(baseline.Id, trend!.Baseline!.QuestionnaireId);
        Assert.True(trend.Evaluable);
        Assert.Equal(TrendStatus.Remission, trend.Status);
        Assert.Null(trend.StatusReason);
        Assert.Equal(withNull.Id, trend.FirstResponse!.QuestionnaireId);
        Assert.Equal(4, trend.FirstRemission!.TotalScore);
        Assert.False(trend.Relapse);
        Assert.Equal([20, 12, 9, 4], trend.Points!.Select(x => x.TotalScore!.Value));
        Assert.True(trend.Points![0].IsBaseline);
        Assert.Equal(6, trend.Infusions!.Count);
        Assert.Equal(2, trend.OpenAlerts!.Count);
    }

    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
        _app.Dispose();
    }
}
