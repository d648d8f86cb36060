using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests;

/// <summary>Site isolation with site-bound API keys (the scenarios: <see cref="SiteIsolationScenarios"/>).</summary>
public sealed class SiteIsolationTests : SiteIsolationScenarios
{
    protected override async Task<HttpClient> SiteBoundAsync(string role, string site) => ClientWith(await CreateKeyAsync(role, site));

    [Fact]
    public Task Site_bound_key_sees_its_site_and_another_sites_patient_answers_404_everywhere() => SeesItsSiteAndAnotherSitesPatientAnswers404Everywhere();

    [Fact]
    public Task Site_bound_key_lists_only_its_site_even_when_asking_for_another() => ListsOnlyItsSiteEvenWhenAskingForAnother();

    [Fact]
    public Task Site_bound_key_creates_in_its_own_site_and_gets_403_for_another() => CreatesInItsOwnSiteAndGets403ForAnother();

    [Fact]
    public Task Portal_key_of_a_site_reads_the_trend_of_its_patients_only() => PortalOfASiteReadsTheTrendOfItsPatientsOnly();
}

/// <summary>
/// What a caller bound to one site sees and may do (SPEC Security): run with site-bound API keys
/// (<see cref="SiteIsolationTests"/>) and with bearer tokens carrying a site claim (Oidc.OidcSiteIsolationTests).
/// </summary>
public abstract class SiteIsolationScenarios(Dictionary<string, string?>? settings = null) : ApiTest(settings)
{
    /// <summary>A client acting as <paramref name="role"/> bound to <paramref name="site"/> (north here).</summary>
    protected abstract Task<HttpClient> SiteBoundAsync(string role, string site);

    protected async Task SeesItsSiteAndAnotherSitesPatientAnswers404Everywhere()
    {
        var north = await CreatePatientAsync("N-1", "north");
        var south = await CreatePatientAsync("S-1", "south");
        await Phq9Async(south, Day0, Phq9Items(12));
        using var northClinician = await SiteBoundAsync("clinician", "north");

        Assert.Equal(HttpStatusCode.OK, (await northClinician.GetAsync($"/api/v1/patients/{north}")).StatusCode);
        foreach (var path in new[] { "", "/infusions", "/questionnaires", "/suicidality-checkins", "/trends" })
        {
            var response = await northClinician.GetAsync($"/api/v1/patients/{south}{path}");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            // Same answer as for a patient that does not exist: nothing tells the two apart.
            var missing = await northClinician.GetAsync($"/api/v1/patients/{Guid.NewGuid()}{path}");
            Assert.Equal((await missing.Content.ReadFromJsonAsync<JsonNode>())!["title"]!.ToString(),
                (await response.Content.ReadFromJsonAsync<JsonNode>())!["title"]!.ToString());
        }
        var post = await northClinician.PostAsJsonAsync($"/api/v1/patients/{south}/questionnaires",
            new { instrument = "phq9", completedAt = Iso(Day0), items = Phq9Items(3) });
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        var consent = await northClinician.PutAsJsonAsync($"/api/v1/patients/{south}/research-consent", new { researchConsent = false });
        Assert.Equal(HttpStatusCode.NotFound, consent.StatusCode);
        Assert.True((bool)(await GetOkAsync($"/api/v1/patients/{south}"))["researchConsent"]!);
        Assert.Single((await GetOkAsync($"/api/v1/patients/{south}/questionnaires"))["items"]!.AsArray());
    }

    protected async Task ListsOnlyItsSiteEvenWhenAskingForAnother()
    {
        await CreatePatientAsync("SAME", "north");
        await CreatePatientAsync("SAME", "south");
        using var northEhr = await SiteBoundAsync("ehr", "north");

        var all = await northEhr.GetFromJsonAsync<JsonNode>("/api/v1/patients?mrn=SAME");
        Assert.Equal(["north"], all!["items"]!.AsArray().Select(p => (string)p!["siteId"]!));
        var other = await northEhr.GetFromJsonAsync<JsonNode>("/api/v1/patients?siteId=south");
        Assert.Empty(other!["items"]!.AsArray());
    }

    protected async Task CreatesInItsOwnSiteAndGets403ForAnother()
    {
        using var northClinician = await SiteBoundAsync("clinician", "north");
        var implicitSite = await northClinician.PostAsJsonAsync("/api/v1/patients", new { mrn = "X1", researchConsent = true });
        Assert.Equal(HttpStatusCode.Created, implicitSite.StatusCode);
        Assert.Equal("north", (string)(await implicitSite.Content.ReadFromJsonAsync<JsonNode>())!["siteId"]!);

        var otherSite = await northClinician.PostAsJsonAsync("/api/v1/patients", new { mrn = "X2", siteId = "south", researchConsent = true });
        Assert.Equal(HttpStatusCode.Forbidden, otherSite.StatusCode);
        Assert.Empty((await GetOkAsync("/api/v1/patients?mrn=X2"))["items"]!.AsArray());
    }

    protected async Task PortalOfASiteReadsTheTrendOfItsPatientsOnly()
    {
        var north = await CreatePatientAsync("P-N", "north");
        var south = await CreatePatientAsync("P-S", "south");
        using var portal = await SiteBoundAsync("portal", "north");
        Assert.Equal(HttpStatusCode.OK, (await portal.GetAsync($"/api/v1/patients/{north}/trends")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await portal.GetAsync($"/api/v1/patients/{south}/trends")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await portal.GetAsync($"/api/v1/patients/{north}")).StatusCode);
    }
}
