using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace KetamineOutcomes.Api.OpenApi;

/// <summary>
/// Enum components are strings of their wire names. The generator leaves out <c>type</c> and, when an enum is first met
/// as a nullable property, puts <c>null</c> among the names of the shared component — which would make every use of it
/// nullable. Nullable uses already say so themselves (<c>oneOf: [null, $ref]</c>), so the component keeps the names only.
/// </summary>
internal sealed class EnumSchemaTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var schema in document.Components?.Schemas?.Values.OfType<OpenApiSchema>() ?? [])
        {
            if (schema.Enum is not { Count: > 0 } values || values.Any(v => v is not null && v.GetValueKind() != System.Text.Json.JsonValueKind.String)) continue;
            schema.Enum = values.Where(v => v is not null).ToList();
            schema.Type = JsonSchemaType.String;
        }
        return Task.CompletedTask;
    }
}
