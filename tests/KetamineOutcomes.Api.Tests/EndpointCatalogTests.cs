using KetamineOutcomes.Api.Endpoints;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace KetamineOutcomes.Api.Tests;

/// <summary>Every route declares its SPEC roles in one place, so authorization can attach to all of them.</summary>
public class EndpointCatalogTests : ApiTest
{
    public static TheoryData<string, string, string> SpecRoles => new()
    {
        { "POST", "/api/v1/patients/", "clinician,ehr" },
        { "GET", "/api/v1/patients/{id:guid}", "clinician,ehr" },
        { "GET", "/api/v1/patients/", "clinician,ehr" },
        { "PUT", "/api/v1/patients/{id:guid}/research-consent", "clinician" },
        { "POST", "/api/v1/patients/{patientId:guid}/infusions/", "clinician,ehr" },
        { "GET", "/api/v1/patients/{patientId:guid}/infusions/", "clinician,ehr,portal" },
        { "POST", "/api/v1/patients/{patientId:guid}/questionnaires/", "clinician,ehr,portal" },
        { "GET", "/api/v1/patients/{patientId:guid}/questionnaires/", "clinician,ehr,portal" },
        { "POST", "/api/v1/patients/{patientId:guid}/suicidality-checkins/", "clinician,ehr,portal" },
        { "GET", "/api/v1/patients/{patientId:guid}/suicidality-checkins/", "clinician,ehr" },
        { "GET", "/api/v1/patients/{patientId:guid}/trends", "clinician,ehr,portal" },
    };

    private RouteEndpoint[] Endpoints() =>
        App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal)).ToArray();

    [Theory]
    [MemberData(nameof(SpecRoles))]
    public void Route_allows_exactly_the_spec_roles(string method, string pattern, string roles)
    {
        var endpoint = Endpoints().Single(e => e.RoutePattern.RawText == pattern
            && e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Contains(method));
        var allowed = endpoint.Metadata.GetMetadata<AllowedRolesMetadata>();
        Assert.NotNull(allowed);
        Assert.Equal(roles, string.Join(",", allowed.Roles.Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void Every_api_route_declares_roles()
    {
        var endpoints = Endpoints();
        Assert.NotEmpty(endpoints);
        Assert.All(endpoints, e => Assert.NotNull(e.Metadata.GetMetadata<AllowedRolesMetadata>()));
    }
}
