using System.Text.Json.Serialization;

namespace KetamineOutcomes.Api.Contracts;

/// <summary>
/// The SMART configuration (SMART App Launch 2.x, "Conformance"; field names as that specification spells them). The
/// first four are the OpenID provider's, from its discovery document; the rest say what holds here.
/// </summary>
/// <param name="AuthorizationEndpoint">Absent when the provider names none.</param>
/// <param name="GrantTypesSupported">The provider's grant types among SMART's two: authorization_code, client_credentials.</param>
/// <param name="ScopesSupported">The SMART resource scopes this service honours (system/ and user/; wildcard last).</param>
/// <param name="Capabilities">Only true ones: permission-v1, permission-v2, permission-user, and the client profiles the provider's token endpoint accepts.</param>
/// <param name="CodeChallengeMethodsSupported"><c>["S256"]</c> when the provider offers it (never <c>plain</c>).</param>
public sealed record SmartConfigurationResponse(
    [property: JsonPropertyName("issuer")] string Issuer,
    [property: JsonPropertyName("jwks_uri")] string JwksUri,
    [property: JsonPropertyName("authorization_endpoint"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? AuthorizationEndpoint,
    [property: JsonPropertyName("token_endpoint")] string TokenEndpoint,
    [property: JsonPropertyName("grant_types_supported")] IReadOnlyList<string> GrantTypesSupported,
    [property: JsonPropertyName("token_endpoint_auth_methods_supported")] IReadOnlyList<string> TokenEndpointAuthMethodsSupported,
    [property: JsonPropertyName("scopes_supported")] IReadOnlyList<string> ScopesSupported,
    [property: JsonPropertyName("capabilities")] IReadOnlyList<string> Capabilities,
    [property: JsonPropertyName("code_challenge_methods_supported")] IReadOnlyList<string> CodeChallengeMethodsSupported);
