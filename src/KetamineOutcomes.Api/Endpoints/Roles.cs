using Microsoft.AspNetCore.Authorization;

namespace KetamineOutcomes.Api.Endpoints;

/// <summary>API-key roles of the SPEC's HTTP table.</summary>
public static class Roles
{
    public const string Portal = "portal", Clinician = "clinician", Ehr = "ehr", Researcher = "researcher", Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Portal, Clinician, Ehr, Researcher, Admin];
}

/// <summary>The roles the SPEC allows on an endpoint (also shown in the OpenAPI document).</summary>
public sealed record AllowedRolesMetadata(IReadOnlyList<string> Roles);

internal static class RoleEndpointExtensions
{
    /// <summary>
    /// The one place an endpoint's access is declared: the SPEC roles become its authorization requirement, beside the
    /// SMART scope check that narrows scoped bearer tokens (Security/SmartScopeAuthorization). An endpoint without it is
    /// refused by the fallback policy.
    /// </summary>
    public static TBuilder AllowRoles<TBuilder>(this TBuilder builder, params string[] roles) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AllowedRolesMetadata(roles)).RequireAuthorization(
            new AuthorizeAttribute { Roles = string.Join(",", roles) }, new AuthorizeAttribute(Security.SmartScopeAuthorization.PolicyName));
}
