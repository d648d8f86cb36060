namespace KetamineOutcomes.Api.Endpoints;

/// <summary>API-key roles of the SPEC's HTTP table.</summary>
public static class Roles
{
    public const string Portal = "portal", Clinician = "clinician", Ehr = "ehr", Researcher = "researcher", Admin = "admin";
}

/// <summary>
/// The roles the SPEC allows on an endpoint. Declared on every route in one place; the authentication layer turns
/// it into an authorization policy, and a test checks every route has it.
/// </summary>
public sealed record AllowedRolesMetadata(IReadOnlyList<string> Roles);

internal static class RoleEndpointExtensions
{
    public static TBuilder AllowRoles<TBuilder>(this TBuilder builder, params string[] roles) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AllowedRolesMetadata(roles));
}
