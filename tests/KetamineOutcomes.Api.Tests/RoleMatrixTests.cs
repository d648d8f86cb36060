using System.Net;
using System.Text;
using KetamineOutcomes.Api.Endpoints;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Every endpoint of the app's own route table, checked against the SPEC's role column: 401 without a key or with a
/// wrong one, 403 for every other role, and through for each allowed role. A new endpoint missing from this table,
/// or one that forgot its roles, fails here.
/// </summary>
public class RoleMatrixTests : ApiTest
{
    private const string Anonymous = "anonymous";

    // SMART discovery: anonymous, and 404 where no OpenID provider is configured (issue 23).
    private const string AnonymousWhenOidc = "anonymous when OIDC is configured";

    /// <summary>What <see cref="MatrixFailuresAsync"/> asks its client factory for to get a credential the service must refuse.</summary>
    internal const string WrongCredential = "wrong";

    internal static readonly string[] AllRoles = ["portal", "clinician", "ehr", "researcher", "admin"];

    /// <summary>SPEC "HTTP surface", plus the read-back routes each Location points to (same roles as their list).</summary>
    internal static readonly Dictionary<(string Method, string Pattern), string> Spec = new()
    {
        [("POST", "/api/v1/patients/")] = "clinician,ehr",
        [("GET", "/api/v1/patients/{id:guid}")] = "clinician,ehr",
        [("GET", "/api/v1/patients/")] = "clinician,ehr",
        [("PUT", "/api/v1/patients/{id:guid}/research-consent")] = "clinician",
        // SPEC v2, Corrections: PUT and entered-in-error for clinician and ehr; history also for admin.
        [("PUT", "/api/v1/patients/{id:guid}")] = "clinician,ehr",
        [("GET", "/api/v1/patients/{id:guid}/history")] = "admin,clinician,ehr",
        [("PUT", "/api/v1/patients/{patientId:guid}/infusions/{infusionId:guid}")] = "clinician,ehr",
        [("POST", "/api/v1/patients/{patientId:guid}/infusions/{infusionId:guid}/entered-in-error")] = "clinician,ehr",
        [("GET", "/api/v1/patients/{patientId:guid}/infusions/{infusionId:guid}/history")] = "admin,clinician,ehr",
        [("PUT", "/api/v1/patients/{patientId:guid}/questionnaires/{questionnaireId:guid}")] = "clinician,ehr",
        [("POST", "/api/v1/patients/{patientId:guid}/questionnaires/{questionnaireId:guid}/entered-in-error")] = "clinician,ehr",
        [("GET", "/api/v1/patients/{patientId:guid}/questionnaires/{questionnaireId:guid}/history")] = "admin,clinician,ehr",
        [("PUT", "/api/v1/patients/{patientId:guid}/suicidality-checkins/{checkinId:guid}")] = "clinician,ehr",
        [("POST", "/api/v1/patients/{patientId:guid}/suicidality-checkins/{checkinId:guid}/entered-in-error")] = "clinician,ehr",
        [("GET", "/api/v1/patients/{patientId:guid}/suicidality-checkins/{checkinId:guid}/history")] = "admin,clinician,ehr",
        [("POST", "/api/v1/patients/{patientId:guid}/infusions/")] = "clinician,ehr",
        [("GET", "/api/v1/patients/{patientId:guid}/infusions/")] = "clinician,ehr,portal",
        [("GET", "/api/v1/patients/{patientId:guid}/infusions/{infusionId:guid}")] = "clinician,ehr,portal",
        [("POST", "/api/v1/patients/{patientId:guid}/questionnaires/")] = "clinician,ehr,portal",
        [("GET", "/api/v1/patients/{patientId:guid}/questionnaires/")] = "clinician,ehr,portal",
        [("GET", "/api/v1/patients/{patientId:guid}/questionnaires/{questionnaireId:guid}")] = "clinician,ehr,portal",
        [("POST", "/api/v1/patients/{patientId:guid}/suicidality-checkins/")] = "clinician,ehr,portal",
        [("GET", "/api/v1/patients/{patientId:guid}/suicidality-checkins/")] = "clinician,ehr",
        [("GET", "/api/v1/patients/{patientId:guid}/suicidality-checkins/{checkinId:guid}")] = "clinician,ehr",
        [("GET", "/api/v1/patients/{patientId:guid}/trends")] = "clinician,ehr,portal",
        [("GET", "/api/v1/patients/{patientId:guid}/trends/{instrument}.svg")] = "clinician,ehr,portal",
        [("GET", "/api/v1/patients/{patientId:guid}/due")] = "clinician,ehr,portal",
        [("GET", "/api/v1/patients/{patientId:guid}/adherence")] = "clinician,ehr",
        [("GET", "/api/v1/due")] = "clinician",
        [("GET", "/api/v1/sites/{siteId}/measurement-plan")] = "admin,clinician",
        [("PUT", "/api/v1/sites/{siteId}/measurement-plan")] = "admin",
        [("POST", "/api/v1/api-keys/")] = "admin",
        [("GET", "/api/v1/api-keys/")] = "admin",
        [("DELETE", "/api/v1/api-keys/{id:guid}")] = "admin",
        [("GET", "/api/v1/audit")] = "admin",
        [("GET", "/api/v1/research/trajectory")] = "researcher",
        [("GET", "/api/v1/research/summary")] = "researcher",
        [("GET", "/api/v1/research/durability")] = "researcher",
        [("GET", "/api/v1/research/export.csv")] = "researcher",
        [("GET", "/api/v1/safety-alerts/")] = "clinician",
        [("GET", "/api/v1/response-watch")] = "clinician",
        [("POST", "/api/v1/safety-alerts/{id:guid}/acknowledge")] = "clinician",
        [("GET", "/api/v1/webhook-deliveries/")] = "admin",
        [("POST", "/api/v1/webhook-deliveries/{id:guid}/retry")] = "admin",
        [("GET", "/fhir/r4/metadata")] = Anonymous,
        [("GET", "/fhir/r4/Observation")] = "clinician,ehr",
        [("GET", "/fhir/r4/QuestionnaireResponse")] = "clinician,ehr",
        [("GET", "/fhir/r4/QuestionnaireResponse/{id}")] = "clinician,ehr",
        [("POST", "/fhir/r4/QuestionnaireResponse")] = "clinician,ehr,portal",
        [("GET", "/.well-known/smart-configuration")] = AnonymousWhenOidc,
        [("GET", "/fhir/r4/.well-known/smart-configuration")] = AnonymousWhenOidc,
        [("GET", "/dashboard/config.json")] = Anonymous,
        [("GET", "/health/live")] = Anonymous,
        [("GET", "/health/ready")] = Anonymous,
        [("GET", "/openapi/{documentName}.json")] = Anonymous,
    };

    private (string Method, string Pattern)[] RouteTable() =>
        App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (m, e.RoutePattern.RawText!)))
            .ToArray();

    [Fact]
    public void Every_route_is_in_the_spec_table_with_the_same_declared_roles()
    {
        var endpoints = App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToArray();
        Assert.Equal(Spec.Keys.Order().ToArray(), RouteTable().Order().ToArray());
        foreach (var e in endpoints.Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal)))
        {
            var method = e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Single();
            var declared = e.Metadata.GetMetadata<AllowedRolesMetadata>();
            Assert.NotNull(declared);
            Assert.Equal(Spec[(method, e.RoutePattern.RawText!)], string.Join(",", declared.Roles.Order(StringComparer.Ordinal)));
        }
    }

    [Fact]
    public async Task Every_route_answers_401_403_or_passes_exactly_as_the_spec_says_for_every_role()
    {
        var patient = await CreatePatientAsync();
        var keys = new Dictionary<string, string> { [WrongCredential] = "ko_not-a-real-key-000000000000000000000000000" };
        foreach (var role in AllRoles) keys[role] = await CreateKeyAsync(role);
        var failures = await MatrixFailuresAsync(patient, who => ClientWith(who is null ? null : keys[who]));
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>
    /// Sends every route of <see cref="Spec"/> as nobody, as a refused credential and as each role, and lists each answer
    /// that differs from the table. <paramref name="clientAs"/> gives a client sending no credential (null),
    /// <see cref="WrongCredential"/>'s, or a role's (API keys here; bearer tokens in OidcBearerRoleTests).
    /// </summary>
    internal static async Task<List<string>> MatrixFailuresAsync(string patient, Func<string?, HttpClient> clientAs)
    {
        var failures = new List<string>();
        foreach (var ((method, pattern), allowed) in Spec)
        {
            var url = pattern.Replace("{id:guid}", pattern.Contains("/patients/", StringComparison.Ordinal) ? patient : Guid.NewGuid().ToString(), StringComparison.Ordinal)
                .Replace("{id}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
                .Replace("{patientId:guid}", patient, StringComparison.Ordinal)
                .Replace("{documentName}", "v1", StringComparison.Ordinal)
                .Replace("{siteId}", "north", StringComparison.Ordinal)
                .Replace("{instrument}", "phq9", StringComparison.Ordinal);
            foreach (var sub in new[] { "{infusionId:guid}", "{questionnaireId:guid}", "{checkinId:guid}" })
                url = url.Replace(sub, Guid.NewGuid().ToString(), StringComparison.Ordinal);

            async Task<HttpStatusCode> Send(string? who)
            {
                using var client = clientAs(who);
                using var request = new HttpRequestMessage(new HttpMethod(method), url);
                if (method is "POST" or "PUT") request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                return (await client.SendAsync(request)).StatusCode;
            }

            if (allowed is Anonymous or AnonymousWhenOidc)
            {
                var status = await Send(null);
                if (status != HttpStatusCode.OK && !(allowed == AnonymousWhenOidc && status == HttpStatusCode.NotFound))
                    failures.Add($"{method} {url} without key → {(int)status}");
                continue;
            }
            Expect(await Send(null), HttpStatusCode.Unauthorized, "no credential");
            Expect(await Send(WrongCredential), HttpStatusCode.Unauthorized, "wrong credential");
            foreach (var role in AllRoles)
            {
                var status = await Send(role);
                if (allowed.Split(',').Contains(role))
                {
                    if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden || (int)status >= 500)
                        failures.Add($"{method} {url} as {role} → {(int)status}, expected to pass");
                }
                else Expect(status, HttpStatusCode.Forbidden, role);
            }

            void Expect(HttpStatusCode actual, HttpStatusCode expected, string who)
            {
                if (actual != expected) failures.Add($"{method} {url} as {who} → {(int)actual}, expected {(int)expected}");
            }
        }
        return failures;
    }

    [Fact]
    public async Task Unknown_paths_answer_404_with_or_without_a_key()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await ClientWith(null).GetAsync("/api/v1/nothing-here")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/api/v1/nothing-here")).StatusCode);
    }
}
