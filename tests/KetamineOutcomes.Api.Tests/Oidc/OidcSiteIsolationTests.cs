namespace KetamineOutcomes.Api.Tests.Oidc;

/// <summary>
/// Site isolation (<see cref="SiteIsolationScenarios"/>) with tokens whose <c>site</c> claim is north: the clinician's
/// token is signed RS256, the EHR's PS256.
/// </summary>
public sealed class OidcSiteIsolationTests(OidcProviderFixture oidc) : SiteIsolationScenarios(OidcSettings.For(oidc)), IClassFixture<OidcProviderFixture>
{
    protected override async Task<HttpClient> SiteBoundAsync(string role, string site)
    {
        Assert.Equal("north", site);
        var client = App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", await oidc.Provider.TokenAsync($"{(role == "clinician" ? "nurse" : role)}-north"));
        return client;
    }

    [OidcFact]
    public Task A_token_with_a_site_claim_sees_its_site_and_another_sites_patient_answers_404_everywhere() => SeesItsSiteAndAnotherSitesPatientAnswers404Everywhere();

    [OidcFact]
    public Task A_token_with_a_site_claim_lists_only_its_site_even_when_asking_for_another() => ListsOnlyItsSiteEvenWhenAskingForAnother();

    [OidcFact]
    public Task A_token_with_a_site_claim_creates_in_its_own_site_and_gets_403_for_another() => CreatesInItsOwnSiteAndGets403ForAnother();

    [OidcFact]
    public Task A_portal_token_with_a_site_claim_reads_the_trend_of_its_patients_only() => PortalOfASiteReadsTheTrendOfItsPatientsOnly();
}
