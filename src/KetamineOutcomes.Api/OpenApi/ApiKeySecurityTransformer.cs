using KetamineOutcomes.Api.Endpoints;
using KetamineOutcomes.Api.Security;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace KetamineOutcomes.Api.OpenApi;

/// <summary>
/// Declares the X-Api-Key and bearer-token schemes (so the Swagger UI can authorize) and, on every operation that needs
/// a caller, either of them as the requirement and the roles allowed (SPEC v2 "People, not shared keys").
/// </summary>
internal sealed class ApiKeySecurityTransformer : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    public const string SchemeId = "ApiKey", BearerSchemeId = "Bearer";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SchemeId] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeys.HeaderName,
            Description = "API key of a role: portal, clinician, ehr, researcher or admin. Created by an admin (POST /api/v1/api-keys); shown once.",
        };
        document.Components.SecuritySchemes[BearerSchemeId] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "An access token from the OpenID provider the service is configured with (Auth:Oidc:Authority and Audience; " +
                "absent: not accepted). Role from the roles claim, site from the site claim (names configurable). Send a key or a token, not both (401).",
        };
        return Task.CompletedTask;
    }

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var roles = context.Description.ActionDescriptor.EndpointMetadata.OfType<AllowedRolesMetadata>().LastOrDefault();
        if (roles is null) return Task.CompletedTask;
        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeId, context.Document)] = [] });
        operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerSchemeId, context.Document)] = [] });
        var line = $"Roles: {string.Join(", ", roles.Roles)}.";
        operation.Description = string.IsNullOrEmpty(operation.Description) ? line : $"{operation.Description}\n\n{line}";
        operation.Responses ??= [];
        operation.Responses.TryAdd("401", new OpenApiResponse { Description = "Missing, invalid or revoked API key; missing or invalid bearer token; or both sent" });
        operation.Responses.TryAdd("403", new OpenApiResponse { Description = "The caller's role may not use this endpoint (or the token names no role of this service)" });
        operation.Responses.TryAdd("429", new OpenApiResponse { Description = "Rate limit exceeded; see Retry-After" });
        return Task.CompletedTask;
    }
}
