using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using KetamineOutcomes.Api.Endpoints;
using KetamineOutcomes.Api.Security;

namespace KetamineOutcomes.Api.Tests.Oidc;

/// <summary>Every role-guarded endpoint has its SMART scope in the map, and the map names only endpoints that exist.</summary>
public sealed class SmartEndpointMapTests : ApiTest
{
    private IReadOnlyList<(string Name, bool Guarded)> Endpoints() =>
        [.. App.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Select(e => (Name: e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName, Guarded: e.Metadata.GetMetadata<AllowedRolesMetadata>() is not null))
            .Where(e => e.Name is not null)
            .Select(e => (e.Name!, e.Guarded))];

    [Fact]
    public void Every_role_guarded_endpoint_names_the_smart_scope_it_needs()
    {
        var missing = Endpoints().Where(e => e.Guarded && !SmartEndpointMap.ByEndpoint.ContainsKey(e.Name)).Select(e => e.Name).ToArray();
        Assert.True(missing.Length == 0, "No SMART scope for: " + string.Join(", ", missing));
    }

    [Fact]
    public void The_smart_map_names_only_role_guarded_endpoints_that_exist()
    {
        var guarded = Endpoints().Where(e => e.Guarded).Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        var stray = SmartEndpointMap.ByEndpoint.Keys.Where(k => !guarded.Contains(k)).ToArray();
        Assert.True(stray.Length == 0, "Not a role-guarded endpoint: " + string.Join(", ", stray));
    }
}
