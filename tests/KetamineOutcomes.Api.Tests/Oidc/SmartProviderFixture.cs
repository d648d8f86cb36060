using System.Net.Http.Headers;

namespace KetamineOutcomes.Api.Tests.Oidc;

/// <summary>
/// A provider whose client-credentials clients carry SMART scopes (issue 23): EHR systems limited to Observation reads,
/// to QuestionnaireResponse, to reading everything, or holding malformed scopes; a clinician app with a SMART 1.0
/// scope; researchers with and without a wildcard; an EHR with scopes that are not SMART resource scopes.
/// </summary>
public sealed class SmartProviderFixture : IAsyncLifetime
{
    public static readonly OidcClient[] Clients =
    [
        new("ehr-observations", "EHR Observations", ["ehr"], [], Scope: "system/Observation.rs"),
        new("ehr-responses", "EHR Responses", ["ehr"], [], Scope: "system/QuestionnaireResponse.cruds"),
        new("ehr-read-all", "EHR Reader", ["ehr"], [], Scope: "system/*.rs"),
        new("ehr-write-all", "EHR Writer", ["ehr"], [], Scope: "system/*.cruds"),
        // One well-formed scope among malformed, restricted and patient-context ones that look as if they grant more.
        new("ehr-malformed", "EHR Malformed", ["ehr"], [],
            Scope: "system/Observation.rs system/QuestionnaireResponse.sc system/questionnaireResponse.c system/QuestionnaireResponse.c?status=completed patient/*.cruds System/*.cruds"),
        // SMART prefixes in the wrong case (SYSTEM/, System/): malformed, so they grant nothing, and still narrow.
        new("ehr-upper-case", "EHR Upper Case", ["ehr"], [], Scope: "SYSTEM/Observation.rs"),
        new("ehr-capitalised", "EHR Capitalised", ["ehr"], [], Scope: "System/*.cruds"),
        new("ehr-not-smart", "EHR Plain", ["ehr"], [], Scope: "fhirUser launch/patient"),
        new("ehr-plain", "EHR No Scope", ["ehr"], []),
        new("clinician-v1", "Clinician App", ["clinician"], [], Scope: "user/QuestionnaireResponse.read"),
        new("researcher-observations", "Research Observations", ["researcher"], [], Scope: "system/Observation.rs"),
        new("researcher-read-all", "Research Reader", ["researcher"], [], Scope: "system/*.rs"),
    ];

    private OidcProvider? _provider;

    public OidcProvider Provider => _provider ?? throw new InvalidOperationException($"No OpenID provider: {OidcProvider.Missing()}");

    public async Task InitializeAsync()
    {
        if (OidcProvider.Missing() is null || OidcProvider.Required) _provider = await OidcProvider.StartAsync(Clients);
    }

    public async Task DisposeAsync()
    {
        if (_provider is not null) await _provider.DisposeAsync();
    }
}

/// <summary>An <see cref="ApiTest"/> whose service accepts <see cref="SmartProviderFixture"/>'s tokens beside API keys.</summary>
public abstract class SmartApiTest(SmartProviderFixture smart) : ApiTest(Settings(smart)), IClassFixture<SmartProviderFixture>
{
    protected OidcProvider Provider => smart.Provider;

    private static Dictionary<string, string?> Settings(SmartProviderFixture smart) => OidcProvider.Missing() is null || OidcProvider.Required
        ? new()
        {
            ["Auth:Oidc:Authority"] = smart.Provider.Authority,
            ["Auth:Oidc:Audience"] = OidcProvider.Audience,
            ["Auth:Oidc:RequireHttpsMetadata"] = "false",
        }
        : [];

    protected HttpClient BearerClient(string token)
    {
        var client = App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    protected async Task<HttpClient> SignedInAsync(string clientId) => BearerClient(await Provider.TokenAsync(clientId));
}
