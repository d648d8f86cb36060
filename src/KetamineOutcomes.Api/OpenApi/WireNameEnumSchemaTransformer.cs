using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using KetamineOutcomes.Core;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace KetamineOutcomes.Api.OpenApi;

/// <summary>
/// Gives enum schemas (and arrays of enums) their wire names as strings, never null among them (a nullable use says so
/// itself with <c>oneOf: [null, $ref]</c>). The OpenAPI generator knows the values only for the built-in
/// JsonStringEnumConverter; with <see cref="Infrastructure.WireNameEnumConverterFactory"/> it would publish "any value".
/// </summary>
internal sealed class WireNameEnumSchemaTransformer : IOpenApiSchemaTransformer
{
    public async Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var info = context.JsonTypeInfo;
        if (EnumOf(info.Type) is { } enumType)
        {
            schema.Enum = WireNames.All(enumType).Select(w => (JsonNode)JsonValue.Create(w)).ToList();
            schema.Type = JsonSchemaType.String;
        }
        else if (info.Kind == JsonTypeInfoKind.Enumerable && EnumOf(info.ElementType) is { } element && schema.Items is null)
            schema.Items = await context.GetOrCreateSchemaAsync(element, null, cancellationToken).ConfigureAwait(false);
    }

    private static Type? EnumOf(Type? type) => type is null ? null : (Nullable.GetUnderlyingType(type) ?? type) is { IsEnum: true } e ? e : null;
}
